import { randomUUID } from 'node:crypto';
import { isUniqueViolation } from '@matchday/db';
import { ErrorCode, fail } from '../domain/errors';
import { checkQuantity } from '../domain/hold';
import { isOnSale } from '../domain/match';
import type { WaitlistEntry } from '../domain/waitlist';
import { matchesRepository } from '../db/matches.repository';
import { waitlistRepository } from '../db/waitlist.repository';
import { inTransaction, type AppDeps } from './deps';
import { offerToWaitlist } from './inventory';
import { metrics } from './metrics';

export interface WaitlistView {
  entryId: string;
  matchId: string;
  userId: string;
  quantity: number;
  status: WaitlistEntry['status'];
  /** 1 for the head of the queue; null once the entry is no longer waiting. */
  position: number | null;
  /** The offered hold (status OFFERED): check it out before it expires. */
  holdId: string | null;
}

/**
 * The waiting list of a sold-out match: join with a quantity, see your position, leave. Freed
 * slots are offered in order as holds lasting WAITLIST_OFFER_SECONDS (see inventory.offerToWaitlist).
 */
export function makeWaitlist(deps: AppDeps) {
  const view = async (e: WaitlistEntry): Promise<WaitlistView> => ({
    entryId: e.id,
    matchId: e.matchId,
    userId: e.userId,
    quantity: e.quantity,
    status: e.status,
    position: e.status === 'WAITING' ? (await waitlistRepository.ahead(deps.db, e.matchId, e.seq)) + 1 : null,
    holdId: e.holdId,
  });

  return {
    /** Joins (201) or answers the user's live entry for the match (created false). */
    async join(userId: string, matchId: string, quantity: number): Promise<{ entry: WaitlistView; created: boolean }> {
      checkQuantity(quantity, deps.config.MAX_SLOTS_PER_HOLD);
      const { entry, created } = await inTransaction(deps, async (trx, effects) => {
        const now = deps.clock.now();
        const match = await matchesRepository.get(trx, matchId);
        if (!match) return fail(ErrorCode.MATCH_NOT_FOUND, 'no such match', { matchId });
        if (!isOnSale(match, now)) return fail(ErrorCode.MATCH_NOT_ON_SALE, 'the match is not on sale', { matchId });
        const live = await waitlistRepository.liveFor(trx, matchId, userId);
        if (live) return { entry: live, created: false };
        if (match.available >= quantity) {
          return fail(ErrorCode.WAITLIST_NOT_NEEDED, 'slots are available: place a hold instead', { available: match.available });
        }
        const inserted = await waitlistRepository.insert(trx, { id: randomUUID(), matchId, userId, quantity, now });
        // Slots freed a moment ago may already fit someone: offer them now rather than at the next sweep.
        await offerToWaitlist(deps, trx, effects, match);
        return { entry: (await waitlistRepository.get(trx, inserted.id)) ?? inserted, created: true };
      }).catch(async (err: unknown) => {
        // Two joins of the same user at once: the unique index let one in; answer that one.
        if (!isUniqueViolation(err)) throw err;
        const live = await waitlistRepository.liveFor(deps.db, matchId, userId);
        if (!live) throw err;
        return { entry: live, created: false };
      });
      if (created) {
        metrics.waitlist.inc({ event: 'joined' });
        deps.logger.info('joined waiting list', { matchId, entryId: entry.id, quantity });
      }
      return { entry: await view(entry), created };
    },

    async get(userId: string, entryId: string): Promise<WaitlistView> {
      const e = await waitlistRepository.get(deps.db, entryId);
      if (!e || e.userId !== userId) return fail(ErrorCode.WAITLIST_ENTRY_NOT_FOUND, 'no such waiting-list entry', { entryId });
      return view(e);
    },

    /** Leaves the queue; an entry already offered is left by releasing its hold. */
    async leave(userId: string, entryId: string): Promise<WaitlistView> {
      const e = await waitlistRepository.get(deps.db, entryId);
      if (!e || e.userId !== userId) return fail(ErrorCode.WAITLIST_ENTRY_NOT_FOUND, 'no such waiting-list entry', { entryId });
      const left = e.status === 'WAITING' ? await waitlistRepository.leave(deps.db, entryId, userId, deps.clock.now()) : null;
      if (left) metrics.waitlist.inc({ event: 'left' });
      return view(left ?? e);
    },
  };
}
