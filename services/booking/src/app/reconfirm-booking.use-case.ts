import { isEvent, type MatchdayEvent } from '@matchday/contracts';
import { onReconfirmRequested, type Booking } from '../domain/booking';
import { bookingsRepository } from '../db/bookings.repository';
import type { AppDeps, Effects, Tx } from './deps';
import { settle, UnknownBookingError } from './settle';

/**
 * reconciliation.reconfirm.requested: the provider has this booking's money but booking did not
 * confirm it. Confirm it (taking the slots again if they were given back) or, when it cannot be
 * honoured any more, ask for the money to be refunded. A booking whose money is being given back
 * (payment closed it, or booking already asked for the refund) is left as it is.
 */
export function makeReconfirmBooking(deps: AppDeps) {
  return async (trx: Tx, effects: Effects, event: MatchdayEvent): Promise<Booking | null> => {
    if (!isEvent(event, 'reconciliation.reconfirm.requested.v1')) return null;
    const b = await bookingsRepository.get(trx, event.data.bookingId, { forUpdate: true });
    if (!b) throw new UnknownBookingError(event.data.bookingId);
    deps.logger.info('reconfirmation requested by reconciliation', { bookingId: b.id, findingId: event.data.findingId, status: b.status });
    if (b.moneyReturned && b.status !== 'CONFIRMED' && b.status !== 'DISPUTED') {
      deps.logger.warn('reconfirmation refused: the booking\'s money is being given back', { bookingId: b.id, findingId: event.data.findingId, status: b.status });
    }
    return settle(deps, trx, effects, b, b, onReconfirmRequested(b), { cause: event.type });
  };
}
