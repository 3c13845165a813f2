/**
 * A payment is one payer's share of a booking (or of a modification's extra charge), paid through
 * one provider payment intent. Its state machine is order-tolerant: provider facts (from webhooks,
 * API answers or a re-read) are merged by rank, so duplicates and events in any order end in the
 * same state, and every transition is reported once.
 */

export type PaymentStatus = 'pending' | 'requires_payment_method' | 'requires_action' | 'authorized' | 'canceled' | 'captured';

export type Purpose = 'booking' | 'modification';

export interface Payment {
  paymentId: string;
  bookingId: string;
  payerId: string;
  userId: string | null;
  purpose: Purpose;
  modificationId: string | null;
  /** Attempt number in the idempotency key; a new attempt means a new intent (after a re-quote). */
  attempt: number;
  /** What the payer pays, in the payment's currency. */
  amount: number;
  currency: string;
  /** The same share in the booking's currency. */
  bookingAmount: number;
  bookingCurrency: string;
  /** Units of the payment's currency per unit of the booking's (1 when they are the same). */
  fxRate: number;
  quoteId: string | null;
  quoteExpiresAt: Date | null;
  paymentMethod: string | null;
  intentId: string | null;
  status: PaymentStatus;
  /** Money facts, in the payment's currency: captured, refunded (succeeded refunds) and reversed. */
  capturedAmount: number;
  refundedAmount: number;
  reversedAmount: number;
  /** The refunded and reversed parts in the booking's currency. */
  bookingRefunded: number;
  bookingReversed: number;
  failureCode: string | null;
  failureMessage: string | null;
  confirmSeq: number;
  /** A provider call for it is waiting for the provider to come back (payment.deferred was sent). */
  deferred: boolean;
  /** The payment that replaced this one after a re-quote. */
  replacedBy: string | null;
  createdAt: Date;
}

/** Stripe's payment intent statuses. */
export type ProviderIntentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'processing'
  | 'requires_capture'
  | 'canceled'
  | 'succeeded';

/** Facts about an intent from one source (a webhook's object, an API answer, a re-read). */
export interface IntentObservation {
  status?: ProviderIntentStatus;
  amountReceived?: number;
  charge?: { paid: boolean; captured: boolean; amountCaptured: number; amountRefunded: number; failed?: boolean };
  decline?: { code: string; message: string };
}

export type Transition = 'authorized' | 'captured' | 'canceled' | 'declined' | 'action_required';

/** Captured outranks everything (money moved); canceled outranks the states before capture. */
const RANK: Record<PaymentStatus, number> = {
  pending: 0,
  requires_payment_method: 1,
  requires_action: 2,
  authorized: 3,
  canceled: 4,
  captured: 5,
};

function statusOf(s: ProviderIntentStatus): PaymentStatus {
  switch (s) {
    case 'requires_payment_method':
    case 'requires_confirmation':
      return 'requires_payment_method';
    case 'requires_action':
    case 'processing':
      return 'requires_action';
    case 'requires_capture':
      return 'authorized';
    case 'canceled':
      return 'canceled';
    case 'succeeded':
      return 'captured';
  }
}

export interface Reduced {
  status: PaymentStatus;
  capturedAmount: number;
  failureCode: string | null;
  failureMessage: string | null;
  transitions: Transition[];
  /** Refunded on the charge as the provider says (captured money only): compared with the refunds we know. */
  providerRefunded?: number;
}

/**
 * Merges an observation into a payment's state. Never goes back: a late `requires_capture` after
 * `succeeded`, or a `canceled` after money was captured, changes nothing. Jumping over a state
 * reports it too (requires_payment_method → captured reports authorized, then captured).
 */
export function reduceIntent(p: Pick<Payment, 'status' | 'capturedAmount' | 'failureCode' | 'failureMessage' | 'amount'>, o: IntentObservation): Reduced {
  let status = p.status;
  let capturedAmount = p.capturedAmount;
  let failureCode = p.failureCode;
  let failureMessage = p.failureMessage;
  const transitions: Transition[] = [];

  const candidates: PaymentStatus[] = [];
  if (o.status) candidates.push(statusOf(o.status));
  if (o.charge?.captured && o.charge.amountCaptured > 0) candidates.push('captured');
  else if (o.charge?.paid && !o.charge.failed) candidates.push('authorized');
  const target = candidates.reduce<PaymentStatus>((best, s) => (RANK[s] > RANK[best] ? s : best), status);

  if (RANK[target] > RANK[status]) {
    if (target === 'captured' && RANK[status] < RANK.authorized) transitions.push('authorized');
    if (target === 'requires_action') transitions.push('action_required');
    if (target === 'authorized' || target === 'captured' || target === 'canceled') transitions.push(target);
    status = target;
    if (target !== 'canceled') {
      failureCode = null;
      failureMessage = null;
    }
  }

  if (status === 'captured') {
    const received = o.status === 'succeeded' ? (o.amountReceived ?? 0) : 0;
    const charged = o.charge?.captured ? o.charge.amountCaptured : 0;
    capturedAmount = Math.max(capturedAmount, received, charged);
    if (capturedAmount === 0) capturedAmount = p.amount;
  }

  // A decline leaves the intent waiting for another payment method: only meaningful before authorization.
  if (o.decline && RANK[status] <= RANK.requires_action) {
    if (failureCode !== o.decline.code || status !== 'requires_payment_method') transitions.push('declined');
    status = 'requires_payment_method';
    failureCode = o.decline.code;
    failureMessage = o.decline.message;
  }

  const providerRefunded = o.charge?.captured ? o.charge.amountRefunded : undefined;
  return { status, capturedAmount, failureCode, failureMessage, transitions, ...(providerRefunded !== undefined ? { providerRefunded } : {}) };
}

/** Payments a payer can still act on (confirm with a payment method). */
export const isPayable = (s: PaymentStatus): boolean => s === 'pending' || s === 'requires_payment_method' || s === 'requires_action';

/** Payments whose authorization (or intent) should be released when the booking closes. */
export const isReleasable = (s: PaymentStatus): boolean => RANK[s] < RANK.canceled;

/** What people see: the state, with money that left again shown as refunded or reversed. */
export function displayStatus(p: Pick<Payment, 'status' | 'capturedAmount' | 'refundedAmount' | 'reversedAmount'>, disputeOpen = false): string {
  if (p.reversedAmount > 0) return 'reversed';
  if (disputeOpen) return 'disputed';
  if (p.status === 'captured') {
    if (p.refundedAmount >= p.capturedAmount && p.capturedAmount > 0) return 'refunded';
    if (p.refundedAmount > 0) return 'partially_refunded';
  }
  return p.status;
}

/** What is still the platform's of a captured payment, in its currency and in the booking's. */
export function keptOf(p: Pick<Payment, 'capturedAmount' | 'refundedAmount' | 'reversedAmount' | 'amount' | 'bookingAmount' | 'bookingRefunded' | 'bookingReversed'>) {
  const captured = p.capturedAmount;
  const bookingCaptured = captured >= p.amount ? p.bookingAmount : Math.round((captured * p.bookingAmount) / Math.max(1, p.amount));
  return {
    amountLeft: Math.max(0, captured - p.refundedAmount - p.reversedAmount),
    bookingAmountLeft: Math.max(0, bookingCaptured - p.bookingRefunded - p.bookingReversed),
    bookingCaptured,
  };
}

/** The provider idempotency key of the intent behind a payment (SAGA: booking:<id>:payer:<id>:attempt:<n>). */
export function intentKey(p: Pick<Payment, 'bookingId' | 'payerId' | 'attempt' | 'purpose' | 'modificationId'>): string {
  const scope = p.purpose === 'modification' ? `booking:${p.bookingId}:modification:${p.modificationId}` : `booking:${p.bookingId}`;
  return `${scope}:payer:${p.payerId}:attempt:${p.attempt}`;
}
