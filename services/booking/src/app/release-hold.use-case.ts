import { ErrorCode, fail } from '../domain/errors';
import type { Hold } from '../domain/hold';
import { holdsRepository } from '../db/holds.repository';
import { waitlistRepository } from '../db/waitlist.repository';
import { inTransaction, type AppDeps } from './deps';
import { moveSlots } from './inventory';
import { metrics } from './metrics';

/**
 * The fan lets a hold go (DELETE /v1/holds/{id}): its slots return (to the waiting list first),
 * hold.released. Releasing an ended hold again answers it unchanged; a hold that became a
 * booking cannot be released (cancel the booking instead).
 */
export function makeReleaseHold(deps: AppDeps) {
  return async (userId: string, holdId: string): Promise<Hold> =>
    inTransaction(deps, async (trx, effects) => {
      const now = deps.clock.now();
      const hold = await holdsRepository.get(trx, holdId, { forUpdate: true });
      if (!hold || hold.userId !== userId) return fail(ErrorCode.HOLD_NOT_FOUND, 'no such hold', { holdId });
      if (hold.status === 'CONVERTED') return fail(ErrorCode.HOLD_CONVERTED, 'the hold became a booking; cancel the booking instead', { holdId });
      if (hold.status !== 'ACTIVE') return hold;
      const ended = await holdsRepository.end(trx, holdId, 'RELEASED', now);
      if (!ended) return hold;
      if (hold.waitlistEntryId) await waitlistRepository.settleOffer(trx, hold.id, 'EXPIRED', now);
      await moveSlots(deps, trx, effects, hold.matchId, 'release_held', hold.quantity);
      await deps.bus.publish(
        trx,
        'hold.released.v1',
        { holdId, matchId: hold.matchId, userId, quantity: hold.quantity, reason: 'released_by_user' },
        { subject: holdId },
      );
      effects.add('forget user hold', () => deps.admission.forgetUserHold(hold.matchId, userId, holdId));
      metrics.holdsEnded.inc({ status: 'RELEASED' });
      return ended;
    });
}
