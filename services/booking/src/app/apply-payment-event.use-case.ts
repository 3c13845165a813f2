import { isEvent, type MatchdayEvent } from '@matchday/contracts';
import {
  onDisputeClosed,
  onDisputeOpened,
  onPaymentClosed,
  onPaymentFailed,
  onPaymentSucceeded,
  onReversal,
  recordMoney,
  type Booking,
  type Decision,
} from '../domain/booking';
import { bookingsRepository } from '../db/bookings.repository';
import { modificationsRepository } from '../db/modifications.repository';
import type { AppDeps, Effects, Tx } from './deps';
import { settle, UnknownBookingError, type SettleContext } from './settle';

/** The payment events booking acts on. */
export const PAYMENT_EVENT_TYPES = [
  'payment.succeeded.v1',
  'payment.captured.v1',
  'payment.partially_paid.v1',
  'payment.closed.v1',
  'payment.refunded.v1',
  'payment.failed.v1',
  'payment.reversed.v1',
  'dispute.opened.v1',
  'dispute.closed.v1',
] as const;

const noop = (why: string): Decision => ({ kind: 'noop', why });

/**
 * For a payment event naming no change while a change of the confirmed booking waits for its extra
 * payment: whether another change was dropped after asking for one, whose money or failure the event
 * may be reporting. False when the event names a change, or when no change waits.
 */
async function otherChangeDroppedFor(trx: Tx, b: Booking, modificationId: string | undefined): Promise<boolean> {
  if (modificationId !== undefined || b.status !== 'CONFIRMED' || b.pendingModificationId === null) return false;
  return modificationsRepository.otherDroppedWithExtra(trx, b.id, b.pendingModificationId);
}

/**
 * Applies one payment event to its booking (locked), order-tolerant: running sums are kept as the
 * greatest seen, every transition is guarded in the domain, so duplicates and late or reordered
 * events end as no-ops or deliberate decisions (late payment → re-reserve or refund).
 */
export function makeApplyPaymentEvent(deps: AppDeps) {
  return async (trx: Tx, effects: Effects, event: MatchdayEvent): Promise<Booking> => {
    const bookingId = (event.data as { bookingId: string }).bookingId;
    const b = await bookingsRepository.get(trx, bookingId, { forUpdate: true });
    if (!b) throw new UnknownBookingError(bookingId);
    let working: Booking = b;
    let decision: Decision = noop('not a payment event for bookings');
    const ctx: SettleContext = { cause: event.type };

    if (isEvent(event, 'payment.succeeded.v1')) {
      if (event.data.currency !== b.currency) {
        deps.logger.error('payment.succeeded in another currency than the booking; not applied', { bookingId, currency: event.data.currency });
        throw new Error(`payment.succeeded for ${bookingId} in ${event.data.currency}, booking is in ${b.currency}`);
      }
      working = { ...b, ...recordMoney(b, { captured: event.data.amount }) };
      const { modificationId } = event.data;
      // An event naming no change (published before payment named them) is trusted for a waiting change only while no other was dropped.
      const otherChangeDropped = await otherChangeDroppedFor(trx, b, modificationId);
      decision = onPaymentSucceeded(working, event.data.amount, { modificationId, otherChangeDropped });
      ctx.paidAmount = event.data.amount;
    } else if (isEvent(event, 'payment.captured.v1')) {
      working = { ...b, ...recordMoney(b, { captured: event.data.bookingCaptured }) };
      decision = noop('capture recorded');
    } else if (isEvent(event, 'payment.partially_paid.v1')) {
      working = { ...b, ...recordMoney(b, { captured: event.data.paidAmount }) };
      decision = noop('partial payment recorded');
    } else if (isEvent(event, 'payment.closed.v1')) {
      ({ booking: working, decision } = onPaymentClosed(b));
    } else if (isEvent(event, 'payment.refunded.v1')) {
      working = { ...b, ...recordMoney(b, { refunded: event.data.bookingRefunded }) };
      decision = noop('refund recorded');
    } else if (isEvent(event, 'payment.failed.v1')) {
      const { modificationId } = event.data;
      // Likewise, a failure naming no change drops a waiting change only while no other was dropped:
      // it may be the late decline of that other change's extra charge.
      const otherChangeDropped = await otherChangeDroppedFor(trx, b, modificationId);
      decision = onPaymentFailed(b, event.data.reason, { modificationId, otherChangeDropped });
    } else if (isEvent(event, 'payment.reversed.v1')) {
      working = { ...b, ...recordMoney(b, { reversedDelta: event.data.amount }) };
      decision = onReversal(working, event.data.reason);
      ctx.reversedAmount = event.data.amount;
    } else if (isEvent(event, 'dispute.opened.v1')) {
      decision = onDisputeOpened(b, event.data.disputeId);
      working = { ...b, disputes: { ...b.disputes, [event.data.disputeId]: b.disputes[event.data.disputeId] ?? 'open' } };
    } else if (isEvent(event, 'dispute.closed.v1')) {
      const disputes = { ...b.disputes, [event.data.disputeId]: event.data.status };
      working = { ...b, disputes };
      decision = onDisputeClosed(b, disputes, event.data.status);
      if (event.data.status === 'lost') ctx.reversedAmount = event.data.amount;
    }
    return settle(deps, trx, effects, b, working, decision, ctx);
  };
}
