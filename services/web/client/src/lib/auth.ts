/**
 * Who is signed in on this browser, kept in localStorage so a reload (or a new tab) resumes the
 * same sign-in. Each browser also keeps its own device id: the gateway tells a user's devices
 * apart by it while they share one booking session.
 */
export type Role = 'fan' | 'support' | 'admin';

export interface Identity {
  userId: string;
  roles: Role[];
  token: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

const IDENTITY_KEY = 'matchday.identity';
const DEVICE_KEY = 'matchday.deviceId';
const SESSION_KEY = 'matchday.sessionId';

function storage(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
}

export function loadIdentity(now = Date.now()): Identity | undefined {
  const raw = storage()?.getItem(IDENTITY_KEY);
  if (!raw) return undefined;
  try {
    const parsed = JSON.parse(raw) as Partial<Identity>;
    if (
      typeof parsed.token !== 'string' ||
      typeof parsed.userId !== 'string' ||
      typeof parsed.expiresAt !== 'number'
    )
      return undefined;
    if (parsed.expiresAt <= now) return undefined;
    return {
      userId: parsed.userId,
      token: parsed.token,
      expiresAt: parsed.expiresAt,
      roles: Array.isArray(parsed.roles) ? parsed.roles : ['fan'],
    };
  } catch {
    return undefined;
  }
}

export function saveIdentity(identity: Identity | undefined): void {
  const s = storage();
  if (!s) return;
  if (identity) s.setItem(IDENTITY_KEY, JSON.stringify(identity));
  else {
    s.removeItem(IDENTITY_KEY);
    s.removeItem(SESSION_KEY);
  }
}

/** This browser's device id (created once). */
export function deviceId(): string {
  const s = storage();
  let id = s?.getItem(DEVICE_KEY) ?? undefined;
  if (!id) {
    id = `web-${crypto.randomUUID()}`;
    s?.setItem(DEVICE_KEY, id);
  }
  return id;
}

export function loadSessionId(): string | undefined {
  return storage()?.getItem(SESSION_KEY) ?? undefined;
}

export function saveSessionId(id: string): void {
  storage()?.setItem(SESSION_KEY, id);
}

export const isStaff = (identity: Identity | undefined): boolean =>
  !!identity && (identity.roles.includes('admin') || identity.roles.includes('support'));
export const isAdmin = (identity: Identity | undefined): boolean =>
  !!identity && identity.roles.includes('admin');
