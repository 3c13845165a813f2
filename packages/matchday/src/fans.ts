/**
 * Fans as real clients: each one signs in through the gateway's development issuer, tells the
 * notification service how to reach them, queues in the waiting room when the match is hot,
 * holds, checks out (alone, split among friends, in another currency, with a card that fails, or
 * not at all) and watches the booking until it settles.
 */
import { randomUUID } from 'node:crypto';
import { ApiClient, ApiError, field, type ApiResponse } from './http';

export type Persona =
  | 'happy'
  | 'split'
  | 'split_unpaid'
  | 'currency'
  | 'abandon_hold'
  | 'abandon_checkout'
  | 'fraud'
  | 'declined'
  | 'disputed'
  | 'bank_reversal';

export const PERSONAS: readonly Persona[] = [
  'happy',
  'split',
  'split_unpaid',
  'currency',
  'abandon_hold',
  'abandon_checkout',
  'fraud',
  'declined',
  'disputed',
  'bank_reversal',
];

/** How a fan's journey ended, as the fan saw it. */
export type Outcome =
  | 'confirmed'
  | 'sold_out'
  | 'abandoned'
  | 'cancelled'
  | 'expired'
  | 'payment_failed'
  | 'reversed'
  | 'disputed'
  | 'pending'
  | 'error';

export interface Fan {
  index: number;
  userId: string;
  email: string;
  ip: string;
  deviceId: string;
  persona: Persona;
  matchId: string;
  quantity: number;
  client: ApiClient;
}

export interface FanResult {
  userId: string;
  email: string;
  persona: Persona;
  matchId: string;
  quantity: number;
  holdId?: string;
  bookingId?: string;
  sessionId?: string;
  /** Epoch ms: the fan pressed "hold" (before any waiting room). */
  startedAt: number;
  /** Epoch ms: the hold request was sent (after admission). */
  holdAt?: number;
  holdPlacedAt?: number;
  checkoutAt?: number;
  /** Epoch ms: the fan first saw the booking CONFIRMED. */
  confirmedAt?: number;
  /** Epoch ms: the provider accepted the booking-confirmed message (filled in after the run). */
  notifiedAt?: number;
  waitedInRoomMs?: number;
  status?: string;
  outcome: Outcome;
  error?: string;
}

export interface MatchInfo {
  matchId: string;
  unitPrice: number;
  currency: string;
  hot: boolean;
}

export interface JourneyOptions {
  /** How long a fan watches a booking before giving up (≥ the payment window). */
  settleTimeoutMs: number;
  /** Currencies other than the match's a fan may pay in. */
  foreignCurrencies: string[];
  /** How long a fan who abandons a hold keeps it before releasing it (some just walk away). */
  abandonAfterMs: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const idOf = (body: unknown, ...names: string[]) => field<string>(body, ...names, 'id');

/** Card behaviour per persona (the provider sandbox's magic payment methods). */
export function paymentMethodFor(persona: Persona): string | undefined {
  switch (persona) {
    case 'declined':
      return 'pm_card_chargeDeclined';
    case 'disputed':
      return 'pm_card_disputed';
    case 'bank_reversal':
      return 'pm_card_bankReversal';
    case 'abandon_checkout':
      return undefined;
    default:
      return 'pm_card_visa';
  }
}

/** Splits `amount` among `n` payers in minor units; the first takes the remainder. */
export function splitAmount(amount: number, n: number): number[] {
  const share = Math.floor(amount / n);
  return Array.from({ length: n }, (_, i) => (i === 0 ? amount - share * (n - 1) : share));
}

const TERMINAL = new Set(['CONFIRMED', 'CANCELLED', 'EXPIRED', 'PAYMENT_FAILED', 'REVERSED', 'DISPUTED']);

export function outcomeOf(status: string | undefined): Outcome {
  switch (status) {
    case 'CONFIRMED':
      return 'confirmed';
    case 'CANCELLED':
      return 'cancelled';
    case 'EXPIRED':
      return 'expired';
    case 'PAYMENT_FAILED':
      return 'payment_failed';
    case 'REVERSED':
      return 'reversed';
    case 'DISPUTED':
      return 'disputed';
    default:
      return 'pending';
  }
}

/** Signs a user in through the gateway's development issuer. */
export async function signIn(client: ApiClient, userId: string, opts: { roles?: string[]; email?: string; deviceId?: string } = {}): Promise<string> {
  const body = await client.expect<unknown>([200, 201], 'POST', '/v1/auth/token', {
    idempotencyKey: undefined,
    body: { userId, roles: opts.roles ?? ['fan'], ...(opts.email && { email: opts.email }), ...(opts.deviceId && { deviceId: opts.deviceId }), ttlSeconds: 86400 },
  });
  const token = field<string>(body, 'accessToken', 'access_token', 'token');
  if (!token) throw new Error('POST /v1/auth/token answered without accessToken');
  return token;
}

/**
 * Waits in the match's waiting room until admitted; returns the admission token, or undefined when
 * the room has closed meanwhile (the hold then goes in directly).
 */
async function admission(fan: Fan): Promise<string | undefined> {
  const joinPath = `/v1/waiting-room/${encodeURIComponent(fan.matchId)}/join`;
  const join = async () => {
    const res = await fan.client.post<unknown>(joinPath, undefined, { idempotencyKey: true });
    if (res.status === 409 && ApiError.codeOf(res.body) === 'WAITING_ROOM_CLOSED') return undefined;
    if (res.status !== 200 && res.status !== 201) throw new ApiError('POST', '/v1/waiting-room/{matchId}/join', res.status, res.body);
    return res.body;
  };
  let ticket = await join();
  for (;;) {
    if (ticket === undefined) return undefined;
    const ticketId = idOf(ticket, 'ticketId');
    const status = field<string>(ticket, 'status');
    const token = field<string>(ticket, 'admissionToken');
    if (status === 'admitted' && token) return token;
    if (status === 'expired') ticket = await join();
    const after = Number(field(ticket, 'pollAfterSeconds') ?? 1);
    await sleep(Math.min(Math.max(after, 0.2), 5) * 1000 * (0.8 + Math.random() * 0.4));
    const res = await fan.client.get<unknown>(`/v1/waiting-room/${encodeURIComponent(fan.matchId)}/tickets/${encodeURIComponent(ticketId ?? '')}`);
    // A queue that lost its state (Redis restarted) forgets the ticket: join again, as an app would.
    if (res.status === 404) ticket = await join();
    else if (res.status === 200) ticket = res.body;
    else throw new ApiError('GET', '/v1/waiting-room/{matchId}/tickets/{ticketId}', res.status, res.body);
  }
}

/**
 * Places the hold, going through the waiting room when the gateway asks for an admission (428). An
 * admission refused (403: used by an attempt whose answer was lost, or expired) means queueing
 * again; the hold keeps one Idempotency-Key throughout, so an attempt that did get through is
 * answered with the hold it made instead of a second one.
 */
async function placeHold(fan: Fan, result: FanResult): Promise<ApiResponse | undefined> {
  const key = randomUUID();
  const body = { matchId: fan.matchId, quantity: fan.quantity };
  let res = await fan.client.post('/v1/holds', body, { idempotencyKey: key });
  for (let queued = 0; (res.status === 428 || (res.status === 403 && queued > 0)) && queued < 4; queued++) {
    const t0 = Date.now();
    const token = await admission(fan);
    result.waitedInRoomMs = (result.waitedInRoomMs ?? 0) + Date.now() - t0;
    result.holdAt = Date.now();
    res = await fan.client.post('/v1/holds', body, { idempotencyKey: key, ...(token && { headers: { 'x-admission-token': token } }) });
  }
  return res;
}

/** Watches a booking as the fan's app does, until it settles or the fan gives up. */
export async function watchBooking(client: ApiClient, bookingId: string, timeoutMs: number, until: (status: string) => boolean = (s) => TERMINAL.has(s)) {
  const deadline = Date.now() + timeoutMs;
  let wait = 150;
  let status: string | undefined;
  for (;;) {
    const res = await client.get<unknown>(`/v1/bookings/${encodeURIComponent(bookingId)}`);
    if (res.status === 200) {
      status = field<string>(res.body, 'status');
      if (status && until(status)) return { status, at: Date.now() };
    }
    if (Date.now() > deadline) return { status, at: Date.now() };
    await sleep(wait);
    wait = Math.min(wait * 1.5, 2000);
  }
}

/** One fan's whole journey. Never throws: errors become the `error` outcome with the reason. */
export async function runFan(fan: Fan, match: MatchInfo, opts: JourneyOptions): Promise<FanResult> {
  const result: FanResult = {
    userId: fan.userId,
    email: fan.email,
    persona: fan.persona,
    matchId: fan.matchId,
    quantity: fan.quantity,
    startedAt: Date.now(),
    outcome: 'pending',
  };
  try {
    result.holdAt = Date.now();
    const hold = await placeHold(fan, result);
    if (!hold) return result;
    result.sessionId = hold.headers.get('x-session-id') ?? undefined;
    if (hold.status === 422 || hold.status === 409) {
      const code = ApiError.codeOf(hold.body);
      if (/SOLD_OUT|NOT_ENOUGH|INSUFFICIENT|UNAVAILABLE/i.test(code ?? JSON.stringify(hold.body))) {
        result.outcome = 'sold_out';
        await fan.client.post('/v1/waitlist', { matchId: fan.matchId, quantity: fan.quantity }).catch(() => undefined);
        return result;
      }
    }
    if (hold.status !== 201 && hold.status !== 200) throw new ApiError('POST', '/v1/holds', hold.status, hold.body);
    result.holdPlacedAt = Date.now();
    result.holdId = idOf(hold.body, 'holdId');
    if (!result.holdId) throw new Error('POST /v1/holds answered without holdId');

    if (fan.persona === 'abandon_hold') {
      result.outcome = 'abandoned';
      await sleep(opts.abandonAfterMs);
      // Half release the hold themselves; the others just close the app and let it expire.
      if (fan.index % 2 === 0) await fan.client.delete(`/v1/holds/${encodeURIComponent(result.holdId)}`);
      return result;
    }

    const amount = match.unitPrice * fan.quantity;
    const method = paymentMethodFor(fan.persona);
    // The app sends what it knows about the customer: fraud scores it, notification can reach them.
    const checkout: Record<string, unknown> = { holdId: result.holdId, customer: { email: fan.email, country: 'GB' } };
    if (method) checkout.paymentMethod = method;
    if (fan.persona === 'currency') checkout.paymentCurrency = opts.foreignCurrencies[fan.index % opts.foreignCurrencies.length];
    if (fan.persona === 'split' || fan.persona === 'split_unpaid') {
      const n = 2 + (fan.index % 3);
      checkout.payers = splitAmount(amount, n).map((share, k) => ({
        payerId: `${fan.userId}-p${k}`,
        ...(k > 0 && { userId: `${fan.userId}-friend${k}` }),
        amount: share,
        // The unpaid split: the last friend never pays, so the booking's window closes partially paid.
        ...(!(fan.persona === 'split_unpaid' && k === n - 1) && { paymentMethod: 'pm_card_visa' }),
      }));
      delete checkout.paymentMethod;
    }
    result.checkoutAt = Date.now();
    let booking = await fan.client.post<unknown>('/v1/bookings', checkout);
    // A hold that ran out while the platform was slow: the app places a new one and checks out again.
    for (let again = 0; booking.status === 410 && again < 2; again++) {
      const retry = await placeHold(fan, result);
      if (!retry || (retry.status !== 201 && retry.status !== 200)) break;
      result.holdId = idOf(retry.body, 'holdId');
      result.holdPlacedAt = Date.now();
      checkout.holdId = result.holdId;
      booking = await fan.client.post<unknown>('/v1/bookings', checkout);
    }
    if (booking.status !== 201 && booking.status !== 200) {
      const err = new ApiError('POST', '/v1/bookings', booking.status, booking.body);
      fan.client.opts.stats.noteUnexpected(`POST /v1/bookings ${booking.status}`, err.message);
      throw err;
    }
    result.bookingId = idOf(booking.body, 'bookingId');
    if (!result.bookingId) throw new Error('POST /v1/bookings answered without bookingId');

    const watched = await watchBooking(fan.client, result.bookingId, opts.settleTimeoutMs, (s) =>
      fan.persona === 'disputed' || fan.persona === 'bank_reversal' ? s === 'CONFIRMED' || (TERMINAL.has(s) && s !== 'DISPUTED') : TERMINAL.has(s),
    );
    result.status = watched.status;
    if (watched.status === 'CONFIRMED') result.confirmedAt = watched.at;
    result.outcome = outcomeOf(watched.status);
  } catch (e) {
    result.outcome = 'error';
    result.error = (e as Error).message;
  }
  return result;
}
