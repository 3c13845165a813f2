import { isEvent, type MatchdayEvent } from '@matchday/contracts';
import { onFraudDecision, type Booking, type FraudDecision } from '../domain/booking';
import { bookingsRepository } from '../db/bookings.repository';
import type { AppDeps, Effects, Tx } from './deps';
import { settle, UnknownBookingError } from './settle';

/**
 * fraud.assessed and review.resolved: the decision is recorded on the booking; a block cancels it
 * while nothing is paid (payment refunds and reports anything already captured).
 */
export function makeApplyFraudDecision(deps: AppDeps) {
  return async (trx: Tx, effects: Effects, event: MatchdayEvent): Promise<Booking | null> => {
    let bookingId: string;
    let decision: FraudDecision;
    if (isEvent(event, 'fraud.assessed.v1')) {
      bookingId = event.data.bookingId;
      decision = event.data.decision;
    } else if (isEvent(event, 'review.resolved.v1')) {
      bookingId = event.data.bookingId;
      decision = event.data.decision;
    } else {
      return null;
    }
    const b = await bookingsRepository.get(trx, bookingId, { forUpdate: true });
    if (!b) throw new UnknownBookingError(bookingId);
    // A block is final: a later "allow" (a stale assessment) does not lift it.
    const recorded = b.fraudDecision === 'block' ? 'block' : decision;
    return settle(deps, trx, effects, b, { ...b, fraudDecision: recorded }, onFraudDecision(b, decision), { cause: event.type });
  };
}
