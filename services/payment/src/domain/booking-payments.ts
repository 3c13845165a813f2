import { keptOf, type Payment } from './payment';

/**
 * Payment's view of one booking: what is owed and in which currency, what fraud decided, and the
 * running sums of the money moved for it (in the booking's currency). Phases: `open` (collecting
 * payments), `paid` (what it holds reached the amount; payment.succeeded sent), `closed` (the
 * booking expired or was cancelled, fraud blocked it, or payment gave up).
 */

export type BookingPhase = 'open' | 'paid' | 'closed';
export type CloseReason = 'expired' | 'cancelled' | 'fraud_block' | 'failed';
export type FraudDecision = 'pending' | 'review' | 'allow' | 'block';

export interface BookingPayments {
  bookingId: string;
  /** booking.created was seen (a fraud decision may arrive first and create a placeholder). */
  known: boolean;
  userId: string | null;
  matchId: string | null;
  /** The current total (after modifications), in the booking's currency. */
  amount: number;
  currency: string | null;
  paymentDeadline: Date | null;
  phase: BookingPhase;
  closeReason: CloseReason | null;
  fraud: FraudDecision;
  /** Running sums in the booking's currency; they only grow. */
  captured: number;
  refunded: number;
  reversed: number;
  /** The total payment.succeeded was last sent for, capped by a lower total since (a modification raising the total sends it again). */
  succeededAmount: number;
  failedReported: boolean;
  /** A modification whose extra payment is under way: undone if that payment fails. */
  pendingModification: { modificationId: string; delta: number; previousAmount: number } | null;
  /** Modifications booking dropped (modification.dropped): their extra charges are released, or refunded once captured. */
  droppedModifications: string[];
  createdAt: Date;
}

const FRAUD_RANK: Record<FraudDecision, number> = { pending: 0, review: 1, allow: 2, block: 3 };

/**
 * Fraud decisions only move forward (pending → review → allow), and a block is final: a payment
 * under review waits, a blocked one is never captured.
 */
export function mergeFraud(current: FraudDecision, incoming: FraudDecision): FraudDecision {
  return FRAUD_RANK[incoming] > FRAUD_RANK[current] ? incoming : current;
}

/** Capture needs the booking (known, not closed) and fraud's allow. */
export const mayCapture = (b: BookingPayments): boolean => b.known && b.phase !== 'closed' && b.fraud === 'allow';

/** The extra charge of a modification booking dropped: never captured, and refunded if it was captured anyway. */
export const isDroppedExtra = (b: Pick<BookingPayments, 'droppedModifications'>, p: Pick<Payment, 'purpose' | 'modificationId'>): boolean =>
  p.purpose === 'modification' && p.modificationId !== null && b.droppedModifications.includes(p.modificationId);

/** May this payment be captured now: the booking may be, and the payment is not the extra charge of a dropped modification. */
export const mayCapturePayment = (b: BookingPayments, p: Pick<Payment, 'purpose' | 'modificationId'>): boolean => mayCapture(b) && !isDroppedExtra(b, p);

export type CaptureOutcome = { event: 'succeeded'; phase: 'paid' } | { event: 'partially_paid'; phase: BookingPhase } | { event: 'none'; phase: BookingPhase };

/**
 * What the extra charges of dropped modifications still hold (booking currency): captured and not
 * yet refunded or reversed. That money is on its way back (refunded, reason modification), so it
 * never pays for the booking's total: not for the total that stands, and not for a later change
 * waiting for its own extra payment.
 */
export function droppedHeldOf(b: Pick<BookingPayments, 'droppedModifications'>, payments: Payment[]): number {
  return payments.filter((p) => isDroppedExtra(b, p)).reduce((n, p) => n + keptOf(p).bookingAmountLeft, 0);
}

/** What the booking holds toward its total: its net less what dropped modifications' extra charges still hold. */
export const heldTowardTotal = (b: Pick<BookingPayments, 'captured' | 'refunded' | 'reversed'>, droppedHeld: number): number => netOf(b) - droppedHeld;

/**
 * After a capture: the booking is paid once what it holds toward its total (captured less refunded
 * and reversed: money given back for a lowered total or a dropped change is no longer paid, and
 * `droppedHeld`, a dropped change's money still on its way back, never was) reaches its amount
 * (payment.succeeded, once per amount), partially paid before that.
 */
export function afterCapture(b: Pick<BookingPayments, 'phase' | 'amount' | 'captured' | 'refunded' | 'reversed' | 'succeededAmount'>, droppedHeld = 0): CaptureOutcome {
  if (b.phase === 'closed') return { event: 'none', phase: 'closed' };
  if (heldTowardTotal(b, droppedHeld) >= b.amount && b.amount > 0) {
    return b.succeededAmount >= b.amount && b.phase === 'paid' ? { event: 'none', phase: 'paid' } : { event: 'succeeded', phase: 'paid' };
  }
  return { event: 'partially_paid', phase: b.phase };
}

/**
 * The booking's total changes (a modification, or a dropped one undone). A booking paid for more is
 * paid for a lower total; a higher total is reported paid again once what it holds covers it.
 */
export function changeAmount(b: Pick<BookingPayments, 'amount' | 'succeededAmount'>, amount: number): void {
  b.amount = amount;
  b.succeededAmount = Math.min(b.succeededAmount, amount);
}

/** What the booking still holds of the payers' money (booking currency). */
export const netOf = (b: Pick<BookingPayments, 'captured' | 'refunded' | 'reversed'>): number => b.captured - b.refunded - b.reversed;

/** Refund reasons (and the `reason` label of payment_refunds_total). */
export type RefundReason = 'cancellation' | 'expired' | 'fraud_block' | 'late_payment' | 'modification' | 'reconciliation' | 'admin' | 'provider';

/** Why money captured after the booking closed goes back. */
export function lateRefundReason(reason: CloseReason | null): RefundReason {
  switch (reason) {
    case 'fraud_block':
      return 'fraud_block';
    case 'cancelled':
      return 'cancellation';
    default:
      return 'late_payment';
  }
}
