/**
 * A domain rule said no. Carries a stable code (SOLD_OUT, HOLD_EXPIRED, …), never an HTTP status:
 * the HTTP adapter maps codes to statuses and renders problem+json. Lives here because error codes
 * are part of the API contract that clients read.
 */
export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: string,
    readonly details: Record<string, unknown> = {},
    message?: string,
  ) {
    super(message ?? code.toLowerCase().replace(/_/g, ' '));
  }
}

export const isDomainError = (e: unknown): e is DomainError =>
  e instanceof Error && e.name === 'DomainError' && typeof (e as DomainError).code === 'string';
