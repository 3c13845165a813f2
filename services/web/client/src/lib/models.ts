import { bool, type Json, num, obj, str } from './json';

export interface MatchView {
  id: string;
  title: string;
  venue?: string;
  kickoffAt?: string;
  capacity?: number;
  available?: number;
  held?: number;
  confirmed?: number;
  unitPrice?: number;
  currency: string;
  status?: string;
  onSale?: boolean;
  hot?: boolean;
}

export function toMatch(raw: unknown): MatchView {
  const o = obj(raw);
  const home = str(o, 'homeTeam');
  const away = str(o, 'awayTeam');
  const id = str(o, 'matchId', 'id') ?? '';
  const inventory = obj(o.availability ?? o.inventory);
  const pick = (k: string) => num(o, k, `${k}Slots`) ?? num(inventory, k, `${k}Slots`);
  return {
    id,
    title: str(o, 'title', 'name') ?? (home && away ? `${home} v ${away}` : `Match ${id}`),
    venue: str(o, 'venue'),
    kickoffAt: str(o, 'kickoffAt', 'startsAt'),
    capacity: num(o, 'capacity') ?? num(inventory, 'capacity'),
    available: pick('available'),
    held: pick('held'),
    confirmed: pick('confirmed'),
    unitPrice: num(o, 'unitPrice', 'price'),
    currency: str(o, 'currency') ?? 'EUR',
    status: str(o, 'status'),
    onSale: bool(o, 'onSale'),
    hot: bool(o, 'hot'),
  };
}

/** Merges an availability answer into a match read from the list. */
export function withAvailability(m: MatchView, raw: unknown): MatchView {
  const a = toMatch({ ...obj(raw), matchId: m.id, title: m.title });
  return {
    ...m,
    available: a.available ?? m.available,
    held: a.held ?? m.held,
    confirmed: a.confirmed ?? m.confirmed,
    capacity: a.capacity ?? m.capacity,
    onSale: a.onSale ?? m.onSale,
    status: a.status ?? m.status,
  };
}

export interface HoldView {
  id: string;
  matchId: string;
  quantity: number;
  status: string;
  expiresAt?: string;
  bookingId?: string;
}

export function toHold(raw: unknown): HoldView {
  const o = obj(raw);
  const h = obj(o.hold ?? o);
  return {
    id: str(h, 'holdId', 'id') ?? '',
    matchId: str(h, 'matchId') ?? '',
    quantity: num(h, 'quantity') ?? 0,
    status: str(h, 'status') ?? 'ACTIVE',
    expiresAt: str(h, 'expiresAt'),
    bookingId: str(h, 'bookingId'),
  };
}

export interface PayerView {
  payerId?: string;
  userId?: string;
  email?: string;
  amount?: number;
  currency?: string;
}

export interface BookingView {
  id: string;
  matchId: string;
  userId?: string;
  quantity?: number;
  amount?: number;
  currency: string;
  status: string;
  statusReason?: string;
  paymentDeadline?: string;
  captured?: number;
  refunded?: number;
  traceId?: string;
  createdAt?: string;
  payers: PayerView[];
  raw: Json;
}

export function toBooking(raw: unknown): BookingView {
  const o = obj(raw);
  const b = obj(o.booking ?? o);
  const payers = Array.isArray(b.payers) ? b.payers.map((p) => obj(p)) : [];
  const money = obj(b.money);
  return {
    id: str(b, 'bookingId', 'id') ?? '',
    matchId: str(b, 'matchId') ?? '',
    userId: str(b, 'userId'),
    quantity: num(b, 'quantity'),
    amount: num(b, 'amount'),
    currency: str(b, 'currency') ?? 'EUR',
    status: str(b, 'status') ?? 'UNKNOWN',
    statusReason: str(b, 'statusReason', 'reason'),
    paymentDeadline: str(b, 'paymentDeadline', 'expiresAt'),
    captured: num(b, 'captured') ?? num(money, 'captured'),
    refunded: num(b, 'refunded') ?? num(money, 'refunded'),
    traceId: str(b, 'traceId'),
    createdAt: str(b, 'createdAt'),
    payers: payers.map((p) => ({
      payerId: str(p, 'payerId', 'id'),
      userId: str(p, 'userId'),
      email: str(p, 'email'),
      amount: num(p, 'amount'),
      currency: str(p, 'currency'),
    })),
    raw: b,
  };
}

export interface PaymentView {
  id: string;
  bookingId?: string;
  payerId?: string;
  userId?: string;
  email?: string;
  amount?: number;
  currency: string;
  status: string;
  failureReason?: string;
  providerId?: string;
  kind?: string;
  raw: Json;
}

export function toPayment(raw: unknown): PaymentView {
  const o = obj(raw);
  const p = obj(o.payment ?? o);
  return {
    id: str(p, 'paymentId', 'id') ?? '',
    bookingId: str(p, 'bookingId'),
    payerId: str(p, 'payerId'),
    userId: str(p, 'userId', 'payerUserId'),
    email: str(p, 'email', 'payerEmail'),
    amount: num(p, 'amount'),
    currency: str(p, 'currency') ?? 'EUR',
    status: str(p, 'status') ?? 'unknown',
    failureReason: str(p, 'failureReason', 'failureCode', 'lastError', 'declineCode'),
    providerId: str(p, 'providerPaymentId', 'paymentIntentId', 'intentId', 'providerId'),
    kind: str(p, 'kind', 'purpose'),
    raw: p,
  };
}

/** Payment statuses after which the payer has nothing left to do. */
export function paymentSettled(status: string): boolean {
  return [
    'authorized',
    'requires_capture',
    'captured',
    'succeeded',
    'refunded',
    'partially_refunded',
    'reversed',
    'canceled',
    'cancelled',
  ].includes(status.toLowerCase());
}

/** Whether the payer can (still) pay this share with a card. */
export function paymentPayable(status: string): boolean {
  return [
    'pending',
    'created',
    'requires_payment_method',
    'requires_confirmation',
    'requires_action',
    'failed',
    'declined',
  ].includes(status.toLowerCase());
}

export interface SessionView {
  sessionId: string;
  step: string;
  matchId?: string;
  hold?: { holdId: string; status: string; quantity: number; expiresAt?: string; secondsLeft?: number };
  booking?: {
    bookingId: string;
    status: string;
    amount?: number;
    currency?: string;
    paymentDeadline?: string;
    secondsLeft?: number;
  };
}

export function toSession(raw: unknown): SessionView {
  const o = obj(raw);
  const h = o.hold ? obj(o.hold) : undefined;
  const b = o.booking ? obj(o.booking) : undefined;
  return {
    sessionId: str(o, 'sessionId') ?? '',
    step: str(o, 'step') ?? 'START_OVER',
    matchId: str(o, 'matchId'),
    hold: h && {
      holdId: str(h, 'holdId', 'id') ?? '',
      status: str(h, 'status') ?? '',
      quantity: num(h, 'quantity') ?? 0,
      expiresAt: str(h, 'expiresAt'),
      secondsLeft: num(h, 'secondsLeft'),
    },
    booking: b && {
      bookingId: str(b, 'bookingId', 'id') ?? '',
      status: str(b, 'status') ?? '',
      amount: num(b, 'amount'),
      currency: str(b, 'currency'),
      paymentDeadline: str(b, 'paymentDeadline'),
      secondsLeft: num(b, 'secondsLeft'),
    },
  };
}

export interface TicketView {
  ticketId: string;
  matchId: string;
  status: 'waiting' | 'admitted' | 'expired';
  position?: number;
  estimatedWaitSeconds?: number;
  pollAfterSeconds?: number;
  admissionToken?: string;
}

export function toTicket(raw: unknown): TicketView {
  const o = obj(raw);
  const status = str(o, 'status');
  return {
    ticketId: str(o, 'ticketId', 'id') ?? '',
    matchId: str(o, 'matchId') ?? '',
    status: status === 'admitted' || status === 'expired' ? status : 'waiting',
    position: num(o, 'position'),
    estimatedWaitSeconds: num(o, 'estimatedWaitSeconds'),
    pollAfterSeconds: num(o, 'pollAfterSeconds'),
    admissionToken: str(o, 'admissionToken'),
  };
}

export interface TransferView {
  id: string;
  bookingId?: string;
  status: string;
  fromUserId?: string;
  toUserId?: string;
  expiresAt?: string;
}

export function toTransfer(raw: unknown): TransferView {
  const o = obj(raw);
  const t = obj(o.transfer ?? o);
  return {
    id: str(t, 'transferId', 'id') ?? '',
    bookingId: str(t, 'bookingId'),
    status: str(t, 'status') ?? 'PENDING',
    fromUserId: str(t, 'fromUserId'),
    toUserId: str(t, 'toUserId'),
    expiresAt: str(t, 'expiresAt'),
  };
}
