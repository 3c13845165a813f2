import { holdsRepository } from '../db/holds.repository';
import { waitlistRepository } from '../db/waitlist.repository';
import { inTransaction, type AppDeps } from './deps';
import { moveSlots } from './inventory';
import { metrics } from './metrics';

/**
 * Sweeper task: holds past their TTL return their slots (to the waiting list first) and emit
 * hold.expired; an expired waiting-list offer passes to the next in line. Batches of `limit`,
 * locked with SKIP LOCKED so replicas share the work. Returns how many holds expired.
 */
export function makeExpireHolds(deps: AppDeps) {
  return async (limit = 200): Promise<number> =>
    inTransaction(deps, async (trx, effects) => {
      const now = deps.clock.now();
      const holds = await holdsRepository.lockExpired(trx, now, limit);
      if (holds.length === 0) return 0;
      await holdsRepository.markStatus(
        trx,
        holds.map((h) => h.id),
        'EXPIRED',
        now,
      );
      const perMatch = new Map<string, number>();
      for (const h of holds) {
        perMatch.set(h.matchId, (perMatch.get(h.matchId) ?? 0) + h.quantity);
        if (h.waitlistEntryId && (await waitlistRepository.settleOffer(trx, h.id, 'EXPIRED', now))) {
          metrics.waitlist.inc({ event: 'expired' });
        }
        await deps.bus.publish(trx, 'hold.expired.v1', { holdId: h.id, matchId: h.matchId, userId: h.userId, quantity: h.quantity }, { subject: h.id });
        effects.add('forget user hold', () => deps.admission.forgetUserHold(h.matchId, h.userId, h.id));
      }
      for (const [matchId, slots] of [...perMatch].sort(([a], [b]) => a.localeCompare(b))) {
        await moveSlots(deps, trx, effects, matchId, 'release_held', slots);
      }
      metrics.holdsEnded.inc({ status: 'EXPIRED' }, holds.length);
      deps.logger.info('holds expired', { count: holds.length, matches: perMatch.size });
      return holds.length;
    });
}
