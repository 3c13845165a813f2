import { randomBytes, randomInt } from 'node:crypto';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function alnum(length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += ALNUM[randomInt(ALNUM.length)];
  return s;
}

export function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** Stripe-style object id: `pi_3Pq…` (prefix, underscore, 24 alphanumerics). */
export function stripeId(prefix: string): string {
  return `${prefix}_${alnum(24)}`;
}

/** Twilio-style SID: two letters and 32 hex digits. */
export function twilioSid(prefix: string): string {
  return `${prefix}${hex(16)}`;
}

/** SendGrid's `X-Message-Id`: 22 characters of URL-safe base64. */
export function sendgridMessageId(): string {
  return randomBytes(16).toString('base64url').slice(0, 22);
}
