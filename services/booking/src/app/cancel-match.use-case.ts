import { onMatchCancelled } from '../domain/booking';
import { ErrorCode, fail } from '../domain/errors';
import type { Match } from '../domain/match';
import { bookingsRepository } from '../db/bookings.repository';
import { holdsRepository } from '../db/holds.repository';
import { matchesRepository } from '../db/matches.repository';
import { waitlistRepository } from '../db/waitlist.repository';
import { inTransaction, type AppDeps } from './deps';
import { moveSlots } from './inventory';
import { metrics } from './metrics';
import { settle } from './settle';

/**
 * Admin: cancels a match. In one transaction: active holds are released, live bookings cancelled
 * with a refund request each, the waiting list closed, match.cancelled published. Redis stops
 * admitting at once. Cancelling a cancelled match answers it unchanged.
 */
export function makeCancelMatch(deps: AppDeps) {
  return async (matchId: string, reason: string): Promise<Match> =>
    inTransaction(deps, async (trx, effects) => {
      const now = deps.clock.now();
      const current = await matchesRepository.get(trx, matchId, { forUpdate: true });
      if (!current) return fail(ErrorCode.MATCH_NOT_FOUND, 'no such match', { matchId });
      if (current.status === 'CANCELLED') return current;
      await matchesRepository.cancel(trx, matchId, reason, now);

      const holds = await holdsRepository.lockActiveForMatch(trx, matchId);
      await holdsRepository.markStatus(
        trx,
        holds.map((h) => h.id),
        'RELEASED',
        now,
      );
      const held = holds.reduce((n, h) => n + h.quantity, 0);
      if (held > 0) await moveSlots(deps, trx, effects, matchId, 'release_held', held);
      for (const h of holds) {
        await deps.bus.publish(
          trx,
          'hold.released.v1',
          { holdId: h.id, matchId, userId: h.userId, quantity: h.quantity, reason: 'match_cancelled' },
          { subject: h.id },
        );
        effects.add('forget user hold', () => deps.admission.forgetUserHold(matchId, h.userId, h.id));
        metrics.holdsEnded.inc({ status: 'RELEASED' });
      }

      const bookings = await bookingsRepository.lockLiveForMatch(trx, matchId);
      for (const b of bookings) {
        await settle(deps, trx, effects, b, b, onMatchCancelled(b), { cause: 'match.cancelled' });
      }
      const waiting = await waitlistRepository.cancelForMatch(trx, matchId, now);

      await deps.bus.publish(trx, 'match.cancelled.v1', { matchId, reason }, { subject: matchId });
      effects.add('close admission', () => deps.admission.close(matchId));
      effects.add('invalidate availability', () => deps.cache.invalidateSlotCache(matchId));
      deps.logger.info('match cancelled', { matchId, reason, holdsReleased: holds.length, bookingsCancelled: bookings.length, waitlistClosed: waiting });
      const after = await matchesRepository.get(trx, matchId);
      return after ?? current;
    });
}
