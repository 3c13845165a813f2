import { onCancelRequested, type Booking } from '../domain/booking';
import { ErrorCode, fail } from '../domain/errors';
import { bookingsRepository } from '../db/bookings.repository';
import { matchesRepository } from '../db/matches.repository';
import { inTransaction, type AppDeps } from './deps';
import { isStaff, type Actor } from './read-bookings.use-case';
import { settle } from './settle';

/**
 * A fan (or support/admin) cancels a booking before kickoff: slots return (waiting list first),
 * booking.cancelled with what was paid, and refund.requested for all of it.
 */
export function makeCancelBooking(deps: AppDeps) {
  return async (actor: Actor, bookingId: string, reason: string | undefined): Promise<Booking> =>
    inTransaction(deps, async (trx, effects) => {
      const b = await bookingsRepository.get(trx, bookingId, { forUpdate: true });
      if (!b || (b.userId !== actor.userId && !isStaff(actor))) return fail(ErrorCode.BOOKING_NOT_FOUND, 'no such booking', { bookingId });
      const match = await matchesRepository.get(trx, b.matchId);
      if (!match) throw new Error(`booking ${b.id} points at missing match ${b.matchId}`);
      const why = reason ?? (b.userId === actor.userId ? 'cancelled_by_fan' : 'cancelled_by_staff');
      const decision = onCancelRequested(b, match.kickoffAt, deps.clock.now(), why);
      return settle(deps, trx, effects, b, b, decision, { cause: 'cancel' });
    });
}
