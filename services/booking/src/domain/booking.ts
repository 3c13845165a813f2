import { ErrorCode, fail } from './errors';

/**
 * Where a booking is in its life:
 *
 * ```
 * PENDING_PAYMENT ─paid──────────▶ CONFIRMED ─dispute opened─▶ DISPUTED ─won─▶ CONFIRMED
 *   │ window closed ▶ EXPIRED        │ cancelled ▶ CANCELLED       └─lost─▶ REVERSED
 *   │ payment failed ▶ PAYMENT_FAILED└ bank reversal ▶ REVERSED
 *   └ fraud block / cancelled ▶ CANCELLED
 * EXPIRED, PAYMENT_FAILED ─late payment, slots still free─▶ CONFIRMED (else the money is refunded)
 * ```
 */
export type BookingStatus = 'PENDING_PAYMENT' | 'CONFIRMED' | 'DISPUTED' | 'EXPIRED' | 'CANCELLED' | 'PAYMENT_FAILED' | 'REVERSED';

export type FraudDecision = 'allow' | 'review' | 'block';
export type DisputeStatus = 'open' | 'won' | 'lost';

export interface Booking {
  id: string;
  /** Partition key of the `bookings` table. */
  createdAt: Date;
  holdId: string;
  matchId: string;
  userId: string;
  sessionId: string | null;
  quantity: number;
  unitPrice: number;
  /** Total in minor units of `currency` (the match's). */
  amount: number;
  currency: string;
  status: BookingStatus;
  statusReason: string | null;
  paymentDeadline: Date;
  /** Greatest running sum captured that payment reported (order-independent). */
  captured: number;
  /** Greatest running sum refunded that payment reported. */
  refunded: number;
  /** Sum of bank reversals and lost disputes. */
  reversed: number;
  fraudDecision: FraudDecision | null;
  disputes: Record<string, DisputeStatus>;
  pendingModificationId: string | null;
  /**
   * Everything paid for it is being given back (payment closed its payments, or booking asked for a
   * full refund of a late payment): it is never confirmed again on money seen later.
   */
  moneyReturned: boolean;
  version: number;
  updatedAt: Date;
}

/** Where a booking's slots are counted on its match. */
export function slotBucket(status: BookingStatus): 'held' | 'confirmed' | null {
  if (status === 'PENDING_PAYMENT') return 'held';
  if (status === 'CONFIRMED' || status === 'DISPUTED') return 'confirmed';
  return null;
}

/** The only transitions a booking may make; anything else is a bug, not a business outcome. */
export const TRANSITIONS: Readonly<Record<BookingStatus, readonly BookingStatus[]>> = {
  PENDING_PAYMENT: ['CONFIRMED', 'EXPIRED', 'CANCELLED', 'PAYMENT_FAILED', 'REVERSED'],
  CONFIRMED: ['CANCELLED', 'DISPUTED', 'REVERSED'],
  DISPUTED: ['CONFIRMED', 'REVERSED'],
  EXPIRED: ['CONFIRMED'],
  PAYMENT_FAILED: ['CONFIRMED'],
  CANCELLED: [],
  REVERSED: [],
};

export function assertTransition(from: BookingStatus, to: BookingStatus): void {
  if (!TRANSITIONS[from].includes(to)) throw new Error(`illegal booking transition ${from} → ${to}`);
}

/** What moving a booking does to its match's counters. */
export type SlotEffect = 'none' | 'held_to_confirmed' | 'release_held' | 'release_confirmed' | 'reserve_confirmed';

/**
 * The domain's answer to an event or a command. The application layer carries it out (counters,
 * events, refunds) in the same transaction as the state change.
 */
export type Decision =
  | { kind: 'noop'; why: string }
  | { kind: 'transition'; to: BookingStatus; slots: SlotEffect; reason: string; requestRefund: boolean }
  /** Money arrived after the booking lost its slots: take them again if the match still has them, else refund. */
  | { kind: 'late_payment'; reason: string }
  /** Money arrived for a booking that cannot be honoured any more: refund all of it. */
  | { kind: 'refund'; reason: string }
  /** The extra payment of a pending modification arrived. */
  | { kind: 'modification_paid' }
  /** The extra payment of a pending modification failed. */
  | { kind: 'modification_failed'; reason: string };

const noop = (why: string): Decision => ({ kind: 'noop', why });
const to = (status: BookingStatus, slots: SlotEffect, reason: string, requestRefund = false): Decision => ({
  kind: 'transition',
  to: status,
  slots,
  reason,
  requestRefund,
});

/** Which change a payment.succeeded or payment.failed is about, as far as booking can tell. */
export interface ChangeConcerned {
  /** The change whose extra payment the event reports (paid total includes it, or its charge failed), as the event names it. */
  modificationId?: string;
  /**
   * For an event that names no change: another change of this booking was dropped after asking for
   * an extra payment, so the money or the failure the event reports may be that change's.
   */
  otherChangeDropped?: boolean;
}

/**
 * payment.succeeded: the booking's total is captured. A change waiting for its extra payment is
 * applied only on the event that names it: money paid for another change (one dropped meanwhile,
 * whose extra charge landed late and is on its way back) reaching this change's total is not its
 * payment. An event naming no change was published before payment named them; it is trusted as
 * before only while no other change of the booking was dropped, because only then can the money it
 * counts be nothing but this change's. Otherwise the change keeps waiting for an event naming it, or
 * for its window to close (dropped: payment then gives back whatever it captured for it), so an
 * unpaid change is never applied.
 */
export function onPaymentSucceeded(b: Booking, amount: number, paidFor: ChangeConcerned = {}): Decision {
  switch (b.status) {
    case 'PENDING_PAYMENT':
      return amount >= b.amount ? to('CONFIRMED', 'held_to_confirmed', 'paid') : noop('underpaid: waiting for the rest');
    case 'CONFIRMED':
      if (!b.pendingModificationId) return noop('already confirmed');
      if (paidFor.modificationId !== undefined) {
        return paidFor.modificationId === b.pendingModificationId ? { kind: 'modification_paid' } : noop('paid for another change: the waiting one waits for its own payment');
      }
      return paidFor.otherChangeDropped ? noop('names no change, and another change was dropped: its money may be what this counts') : { kind: 'modification_paid' };
    case 'DISPUTED':
      return noop('disputed: payment already counted');
    case 'EXPIRED':
    case 'PAYMENT_FAILED':
      if (b.moneyReturned) return noop('its money is being given back: not confirmed again');
      return { kind: 'late_payment', reason: `paid after ${b.status === 'EXPIRED' ? 'the payment window closed' : 'payment failed'}` };
    case 'CANCELLED':
      return { kind: 'refund', reason: 'paid_after_cancellation' };
    case 'REVERSED':
      return noop('reversed: the bank took the money back');
  }
}

/**
 * reconciliation.reconfirm.requested: reconciliation saw the money for this booking at the provider.
 * Money that payment (or booking) decided to give back is never re-confirmed.
 */
export function onReconfirmRequested(b: Booking): Decision {
  if (b.status === 'CONFIRMED' || b.status === 'DISPUTED') return noop('already confirmed');
  if (b.moneyReturned) return noop('its money is being given back: not confirmed again');
  return onPaymentSucceeded(b, b.amount);
}

/**
 * payment.closed: payment stopped collecting for this booking and gives back what was captured for
 * it. Recorded (moneyReturned) so that no later request confirms it on that money; the booking's
 * state follows booking's own events (expiry) or payment.failed.
 */
export function onPaymentClosed(b: Booking): { booking: Booking; decision: Decision } {
  return { booking: { ...b, moneyReturned: true }, decision: noop(`payment closed its payments (${b.status})`) };
}

/**
 * payment.failed: payment gave up on the booking (declined everywhere, fraud block, …), or on the
 * extra charge of a change. A change waiting for its extra payment is dropped only on the event that
 * names it: payment reports the decline of a change's charge even after booking dropped that change
 * (its window closed) and a later change started waiting, and that failure says nothing about the
 * later change's own payment, which may still succeed. An event naming a change is never about the
 * booking's own payment. An event naming no change was published before payment named them; as with
 * payment.succeeded, it drops the waiting change as before only while no other change of the booking
 * was dropped, because only then can the failure be nothing but this change's. Otherwise the change
 * keeps waiting for an event naming it, or for its window to close (dropped, its reserved slots
 * returned), so a change is never dropped on another's failure and never applied without its own
 * payment.succeeded.
 */
export function onPaymentFailed(b: Booking, reason: string, failedFor: ChangeConcerned = {}): Decision {
  if (failedFor.modificationId !== undefined) {
    if (b.status !== 'CONFIRMED' || !b.pendingModificationId) return noop(`a change's extra charge failed; no change of this ${b.status} booking waits`);
    return failedFor.modificationId === b.pendingModificationId
      ? { kind: 'modification_failed', reason }
      : noop("another change's extra charge failed (one dropped meanwhile): the waiting one waits for its own payment");
  }
  if (b.status === 'PENDING_PAYMENT') {
    return reason === 'fraud_block' ? to('CANCELLED', 'release_held', 'fraud_block') : to('PAYMENT_FAILED', 'release_held', reason);
  }
  if (b.status === 'CONFIRMED' && b.pendingModificationId) {
    return failedFor.otherChangeDropped
      ? noop("names no change, and another change was dropped: this may be that change's failure")
      : { kind: 'modification_failed', reason };
  }
  return noop(`payment failure for a ${b.status} booking`);
}

/** fraud.assessed / review.resolved. A block cancels an unpaid booking; money already captured is payment's to refund. */
export function onFraudDecision(b: Booking, decision: FraudDecision): Decision {
  if (decision !== 'block') return noop(`fraud decision ${decision} recorded`);
  if (b.status !== 'PENDING_PAYMENT') return noop(`fraud block for a ${b.status} booking`);
  if (netPaid(b) > 0) return noop('fraud block with money captured: payment refunds it and reports payment.failed');
  return to('CANCELLED', 'release_held', 'fraud_block');
}

/** The payment window closed. */
export function onPaymentWindowClosed(b: Booking, now: Date): Decision {
  if (b.status !== 'PENDING_PAYMENT') return noop(`${b.status} booking does not expire`);
  if (b.paymentDeadline.getTime() > now.getTime()) return noop('payment window still open');
  return to('EXPIRED', 'release_held', 'payment_window_closed');
}

/** A fan (or an admin) cancels. Refused after kickoff and for bookings that are not live. */
export function onCancelRequested(b: Booking, kickoffAt: Date, now: Date, reason: string): Decision {
  if (kickoffAt.getTime() <= now.getTime()) fail(ErrorCode.BOOKING_NOT_CANCELLABLE, 'the match has started', { bookingId: b.id });
  if (b.status === 'PENDING_PAYMENT') return to('CANCELLED', 'release_held', reason, true);
  if (b.status === 'CONFIRMED') return to('CANCELLED', 'release_confirmed', reason, true);
  return fail(ErrorCode.BOOKING_NOT_CANCELLABLE, `a ${b.status} booking cannot be cancelled`, { bookingId: b.id, status: b.status });
}

/** The match itself is cancelled: every live booking is cancelled and refunded. */
export function onMatchCancelled(b: Booking): Decision {
  if (b.status === 'PENDING_PAYMENT') return to('CANCELLED', 'release_held', 'match_cancelled', true);
  if (b.status === 'CONFIRMED' || b.status === 'DISPUTED') {
    return b.status === 'DISPUTED' ? noop('disputed: settled by the dispute') : to('CANCELLED', 'release_confirmed', 'match_cancelled', true);
  }
  return noop(`${b.status} booking holds no slots`);
}

/** payment.reversed with reason bank_reversal or dispute. */
export function onReversal(b: Booking, reason: string): Decision {
  if (b.status === 'CONFIRMED' || b.status === 'DISPUTED') return to('REVERSED', 'release_confirmed', reason);
  if (b.status === 'PENDING_PAYMENT') return to('REVERSED', 'release_held', reason);
  return noop(`reversal for a ${b.status} booking recorded`);
}

export function onDisputeOpened(b: Booking, disputeId: string): Decision {
  if (b.disputes[disputeId] !== undefined) return noop('dispute already known');
  if (b.status === 'CONFIRMED') return to('DISPUTED', 'none', 'dispute_opened');
  return noop(`dispute on a ${b.status} booking recorded`);
}

/** Call with the disputes map that already records this closure. */
export function onDisputeClosed(b: Booking, disputes: Record<string, DisputeStatus>, status: 'won' | 'lost'): Decision {
  const stillOpen = Object.values(disputes).some((s) => s === 'open');
  if (status === 'lost' && (b.status === 'CONFIRMED' || b.status === 'DISPUTED')) return to('REVERSED', 'release_confirmed', 'dispute_lost');
  if (status === 'won' && b.status === 'DISPUTED' && !stillOpen) return to('CONFIRMED', 'none', 'dispute_won');
  return noop(`dispute ${status} for a ${b.status} booking`);
}

// ---- money -----------------------------------------------------------------------------------

/** What the platform keeps of the fan's money for this booking right now. */
export const netPaid = (b: Pick<Booking, 'captured' | 'refunded' | 'reversed'>): number => b.captured - b.refunded - b.reversed;

/**
 * The money a booking in its state must hold once payments and refunds have landed: a confirmed
 * (or disputed) booking exactly its amount, a settled one nothing, one waiting for payment anything
 * up to its amount (partial payments).
 */
export function expectedNet(b: Pick<Booking, 'status' | 'amount'>): { min: number; max: number } {
  switch (b.status) {
    case 'PENDING_PAYMENT':
      return { min: 0, max: b.amount };
    case 'CONFIRMED':
    case 'DISPUTED':
      return { min: b.amount, max: b.amount };
    default:
      return { min: 0, max: 0 };
  }
}

export interface MoneyView {
  captured: number;
  refunded: number;
  reversed: number;
  net: number;
  expected: { min: number; max: number };
  /** Whether `net` matches the state (false while a refund or an extra payment is still on its way). */
  balanced: boolean;
}

export function moneyOf(b: Booking): MoneyView {
  const net = netPaid(b);
  const expected = expectedNet(b);
  return { captured: b.captured, refunded: b.refunded, reversed: b.reversed, net, expected, balanced: net >= expected.min && net <= expected.max };
}

/** Running sums only grow, so the greatest one seen is the truth whatever order events arrive in. */
export function recordMoney(b: Booking, m: { captured?: number; refunded?: number; reversedDelta?: number }): Pick<Booking, 'captured' | 'refunded' | 'reversed'> {
  return {
    captured: Math.max(b.captured, m.captured ?? 0),
    refunded: Math.max(b.refunded, m.refunded ?? 0),
    reversed: b.reversed + (m.reversedDelta ?? 0),
  };
}

/** A booking may be changed (time, date, count, owner) by its owner while confirmed and before kickoff. */
export function assertModifiable(b: Booking, actorId: string, kickoffAt: Date, now: Date): void {
  if (b.userId !== actorId) fail(ErrorCode.BOOKING_NOT_FOUND, 'no such booking', { bookingId: b.id });
  if (b.status !== 'CONFIRMED') fail(ErrorCode.BOOKING_NOT_MODIFIABLE, `a ${b.status} booking cannot be changed`, { status: b.status });
  if (kickoffAt.getTime() <= now.getTime()) fail(ErrorCode.BOOKING_NOT_MODIFIABLE, 'the match has started');
  if (b.pendingModificationId) {
    fail(ErrorCode.MODIFICATION_PENDING, 'a change of this booking is waiting for payment', { modificationId: b.pendingModificationId });
  }
}
