/**
 * Turns the API's problem+json answers (RFC 9457) into one plain sentence a fan or an operator can
 * act on. The sentence is chosen by the problem's `code` (domain refusals), then by its `type`
 * (gateway refusals such as rate limits), then by the HTTP status; a `detail` written by a service
 * is used when nothing more specific is known.
 */
export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  instance?: string;
  code?: string;
  traceId?: string;
  errors?: { path?: string; message?: string }[];
  retryAfterSeconds?: number;
  [extension: string]: unknown;
}

const BY_CODE: Record<string, string> = {
  SOLD_OUT: 'Sorry, there are not enough free places left for this match.',
  MATCH_NOT_ON_SALE: 'This match is not on sale any more.',
  MATCH_NOT_FOUND: 'We could not find this match.',
  QUANTITY_INVALID: 'Please choose a number of places within the allowed range.',
  HOLD_NOT_FOUND: 'We could not find your hold. It may have been released on another device.',
  HOLD_EXPIRED: 'Your hold ran out of time and the places went back on sale. Please pick your places again.',
  HOLD_RELEASED: 'This hold was released. Please pick your places again.',
  HOLD_IN_PROGRESS: 'You already hold places for this match. Finish or release that hold first.',
  HOLD_CONVERTED: 'This hold has already been checked out.',
  PAYERS_INVALID: 'The shares do not add up to the booking total. Please check the split.',
  BOOKING_NOT_FOUND: 'We could not find this booking.',
  BOOKING_NOT_CANCELLABLE: 'This booking can no longer be cancelled.',
  BOOKING_NOT_MODIFIABLE: 'This booking can no longer be changed.',
  MODIFICATION_PENDING: 'A change to this booking is still being processed. Please wait a moment.',
  MODIFICATION_NOOP: 'Nothing to change: the booking already looks like that.',
  NO_MATCH_AT_TIME: 'There is no match at that date and time.',
  CURRENCY_MISMATCH: 'The new match is sold in another currency, so the booking cannot be moved there.',
  CONCURRENT_MODIFICATION:
    'This booking was changed at the same time somewhere else. Please refresh and try again.',
  TRANSFER_NOT_FOUND: 'We could not find this transfer.',
  TRANSFER_EXPIRED: 'This transfer offer has expired.',
  TRANSFER_NOT_PENDING: 'This transfer has already been answered.',
  TRANSFER_TO_SELF: 'You cannot transfer a booking to yourself.',
  WAITLIST_NOT_NEEDED: 'There are free places: you can book them right away.',
  SESSION_NOT_FOUND: 'There is nothing to resume.',
  WAITING_ROOM_CLOSED: 'The queue for this match has closed: you can book directly.',
  TICKET_NOT_FOUND: 'Your place in the queue was not found. Please join the queue again.',
  ASSESSMENT_NOT_FOUND: 'Fraud has not assessed this booking yet.',
  RUN_NOT_FOUND: 'We could not find this reconciliation run.',
  FINDING_NOT_FOUND: 'We could not find this finding.',
  CARD_DECLINED: 'Your card was declined. Please try another card.',
  PAYMENT_NOT_FOUND: 'We could not find this payment.',
  PAYMENT_NOT_PAYABLE: 'This share is already paid or can no longer be paid.',
  BOOKING_CLOSED: 'This booking can no longer be paid: its payment time ran out or it was cancelled.',
  QUOTE_EXPIRED: 'The exchange rate for this share expired. Please reload the page to get a new one.',
};

const BY_TYPE: Record<string, string> = {
  'token-missing': 'Please sign in first.',
  'token-expired': 'Your sign-in has expired. Please sign in again.',
  'token-invalid': 'Your sign-in is no longer valid. Please sign in again.',
  forbidden: 'Your account is not allowed to do this.',
  'admission-required': 'This match is in high demand: please join the queue first.',
  'session-busy': 'Another of your devices is changing this right now. Please try again in a moment.',
};

const BY_STATUS: Record<number, string> = {
  400: 'Some of the details are not valid.',
  401: 'Please sign in again.',
  403: 'Your account is not allowed to do this.',
  404: 'We could not find what you were looking for.',
  409: 'This changed in the meantime, perhaps on another device. Please refresh and try again.',
  410: 'This is no longer available.',
  412: 'This changed in the meantime. Please refresh and try again.',
  422: 'That request could not be completed.',
  428: 'This match is in high demand: please join the queue first.',
  503: 'This part of Matchday is busy or unavailable right now. Please try again in a moment.',
};

/** The last path segment of a problem type URI: `https://matchday.dev/problems/sold-out` → `sold-out`. */
export function problemSlug(type: string | undefined): string | undefined {
  if (!type || type === 'about:blank') return undefined;
  return type.split('/').filter(Boolean).pop();
}

/** `sold-out` → `SOLD_OUT`, so problem types without a `code` still find their sentence. */
const slugToCode = (slug: string) => slug.replace(/-/g, '_').toUpperCase();

/** Capitalised and ending with a full stop. */
export function asSentence(text: string): string {
  const t = text.trim();
  if (!t) return t;
  const first = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

function retryHint(seconds: number | undefined): string {
  if (!seconds || seconds <= 0) return 'Please wait a moment and try again.';
  if (seconds < 90)
    return `Please wait ${Math.ceil(seconds)} second${Math.ceil(seconds) === 1 ? '' : 's'} and try again.`;
  return `Please wait about ${Math.ceil(seconds / 60)} minutes and try again.`;
}

/** One plain sentence for a problem (never a status code or a stack trace). */
export function problemSentence(problem: Problem, retryAfterHeader?: number): string {
  const slug = problemSlug(problem.type);
  const code = problem.code ?? (slug ? slugToCode(slug) : undefined);
  if (problem.status === 429 || slug === 'rate-limited') {
    return `You are going a bit fast. ${retryHint(retryAfterHeader ?? problem.retryAfterSeconds)}`;
  }
  if (code && BY_CODE[code]) return BY_CODE[code];
  if (slug && BY_TYPE[slug]) return BY_TYPE[slug];
  if (problem.status === 400 && problem.errors && problem.errors.length > 0) {
    const fields = problem.errors
      .map((e) => [e.path?.replace(/^\/?(body|query|params)[./]?/, ''), e.message].filter(Boolean).join(' '))
      .filter(Boolean)
      .slice(0, 3);
    return asSentence(`Some of the details are not valid: ${fields.join('; ')}`);
  }
  if (problem.status >= 500 && problem.status !== 503)
    return 'Something went wrong on our side. Please try again in a moment.';
  if (problem.status === 503) return BY_STATUS[503]!;
  if (problem.detail && problem.status !== 401) return asSentence(problem.detail);
  return BY_STATUS[problem.status] ?? asSentence(problem.title ?? 'That did not work. Please try again');
}

/** The sentence for a request that never got an answer (offline, DNS, CORS, timeout). */
export const NETWORK_SENTENCE = 'We could not reach Matchday. Check your connection and try again.';
