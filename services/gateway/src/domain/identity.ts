/** Who is calling, as the gateway established it from a verified token. */
export const ROLES = ['fan', 'support', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Identity {
  userId: string;
  roles: Role[];
  /** The device the call comes from (token claim `did` or the `Device-Id` header), when known. */
  deviceId?: string;
  email?: string;
}

export const isRole = (value: unknown): value is Role => typeof value === 'string' && (ROLES as readonly string[]).includes(value);

/** Roles from a claim value: an array of names or a space/comma separated string; unknown names are dropped. */
export function parseRoles(value: unknown): Role[] {
  const names = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,]+/) : [];
  return [...new Set(names.filter(isRole))];
}

/**
 * Whether `identity` may call an operation that accepts `required` roles. An operation that lists
 * none accepts any signed-in caller with at least one platform role.
 */
export function mayCall(identity: Identity, required: readonly Role[] | undefined): boolean {
  if (identity.roles.length === 0) return false;
  if (!required || required.length === 0) return true;
  return identity.roles.some((r) => required.includes(r));
}

const DEVICE_ID_RE = /^[A-Za-z0-9._:-]{1,64}$/;

/** A client-supplied device id, or undefined when it is not a well-formed one. */
export function deviceIdOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && DEVICE_ID_RE.test(value) ? value : undefined;
}
