/**
 * PII redaction for log lines: applied to every field a logger writes, recursively.
 *
 * - Values under secret-like keys (password, token, authorization, secret, apiKey, cardNumber, cvc, …)
 *   become `[REDACTED]`, whatever their type.
 * - Values under contact keys (email, phone) are masked so support can still tell them apart:
 *   `j***@example.com`, `+44********23`.
 * - Inside any string: emails, E.164-style phone numbers and card numbers (13–19 digits passing the
 *   Luhn check, optionally grouped by spaces or dashes) are masked in place.
 */

export const REDACTED = '[REDACTED]';

const MAX_DEPTH = 8;

/** Keys compared lower-cased with separators removed: `api_key`, `X-Api-Key` and `apiKey` all match `apikey`. */
const SECRET_KEY_PARTS = [
  'password',
  'passwd',
  'passphrase',
  'token',
  'authorization',
  'secret',
  'apikey',
  'privatekey',
  'cardnumber',
  'cvc',
  'cvv',
  'cookie',
  'iban',
];
const SECRET_KEYS_EXACT = new Set(['pan', 'pin', 'card']);
const EMAIL_KEY_PART = 'email';
const PHONE_KEY_PARTS = ['phone', 'msisdn'];

const EMAIL_RE = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
/** `+` then 8 to 15 digits, allowing single spaces, dashes or dots between them (`+44 7700 900123`). */
const PHONE_RE = /\+[1-9](?:[ .-]?\d){7,14}(?!\d)/g;
/** 13 to 19 digits, optionally grouped by single spaces or dashes; not glued to other digits. */
const PAN_RE = /(?<![\d+])\d(?:[ -]?\d){12,18}(?!\d)/g;

function normaliseKey(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '');
}

function isSecretKey(key: string): boolean {
  const k = normaliseKey(key);
  return SECRET_KEYS_EXACT.has(k) || SECRET_KEY_PARTS.some((part) => k.includes(part));
}

function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** `jane.doe@example.com` → `j***@example.com` */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return REDACTED;
  return `${email[0]}***${email.slice(at)}`;
}

/** `+447700900123` → `+44********23`: the first two digits (the country code, mostly) and the last two stay. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 6) return REDACTED;
  const plus = phone.trimStart().startsWith('+') ? '+' : '';
  return `${plus}${digits.slice(0, 2)}${'*'.repeat(digits.length - 4)}${digits.slice(-2)}`;
}

/** Card number → `************4242`: only the last four digits stay, as on a receipt. */
export function maskPan(pan: string): string {
  const digits = pan.replace(/\D/g, '');
  return `${'*'.repeat(digits.length - 4)}${digits.slice(-4)}`;
}

/** Masks emails, phone numbers and card numbers found anywhere inside a string. */
export function redactString(text: string): string {
  return text
    .replace(PAN_RE, (match) => (luhnValid(match.replace(/\D/g, '')) ? maskPan(match) : match))
    .replace(EMAIL_RE, maskEmail)
    .replace(PHONE_RE, maskPhone);
}

function redactContact(kind: 'email' | 'phone', value: unknown): unknown {
  if (typeof value === 'boolean' || value === null || value === undefined) return value;
  if (typeof value !== 'string') return REDACTED;
  if (kind === 'email') return value.includes('@') ? maskEmail(value.trim()) : REDACTED;
  return maskPhone(value);
}

function redactUnder(key: string, value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (isSecretKey(key)) return value === undefined || value === null || value === '' ? value : REDACTED;
  const k = normaliseKey(key);
  if (k.includes(EMAIL_KEY_PART) && (typeof value !== 'object' || value === null)) return redactContact('email', value);
  if (PHONE_KEY_PARTS.some((p) => k.includes(p)) && (typeof value !== 'object' || value === null)) {
    return redactContact('phone', value);
  }
  return walk(value, depth + 1, seen);
}

function walk(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactString(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth > MAX_DEPTH) return '[Truncated]';
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  try {
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
    if (Buffer.isBuffer(value) || value instanceof Uint8Array) return `[${value.byteLength} bytes]`;
    if (Array.isArray(value)) return value.map((item) => walk(item, depth + 1, seen));
    if (value instanceof Error) {
      const out: Record<string, unknown> = { type: value.name, message: redactString(value.message) };
      for (const [k, v] of Object.entries(value)) out[k] = redactUnder(k, v, depth, seen);
      if (value.stack) out.stack = redactString(value.stack);
      if (value.cause !== undefined) out.cause = walk(value.cause, depth + 1, seen);
      return out;
    }
    if (value instanceof Map) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of value) out[String(k)] = redactUnder(String(k), v, depth, seen);
      return out;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactUnder(k, v, depth, seen);
    return out;
  } finally {
    seen.delete(value);
  }
}

/**
 * Returns a redacted copy of `value` (the input is never modified). Plain objects, arrays, Maps and
 * Errors are walked; Errors become `{ type, message, stack, ...own fields }`; cycles become `[Circular]`.
 */
export function redact(value: string): string;
export function redact(value: unknown): unknown;
export function redact(value: unknown): unknown {
  return walk(value, 0, new WeakSet());
}
