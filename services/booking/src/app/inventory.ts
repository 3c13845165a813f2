import { randomUUID } from 'node:crypto';
import { holdExpiry, type Hold } from '../domain/hold';
import { isOnSale, type Match } from '../domain/match';
import { pickOffers } from '../domain/waitlist';
import { holdsRepository } from '../db/holds.repository';
import { matchesRepository, type SlotMove } from '../db/matches.repository';
import { waitlistRepository } from '../db/waitlist.repository';
import type { AppDeps, Effects, Tx } from './deps';
import { metrics } from './metrics';

/**
 * Moves slots on a match's counters inside `trx`. Anything that gives slots back first offers them
 * to the waiting list, then hands what is left to the public (Redis admission counter) after
 * commit. Throws if a counter would go negative: that is a bookkeeping bug, never a business case.
 */
export async function moveSlots(
  deps: AppDeps,
  trx: Tx,
  effects: Effects,
  matchId: string,
  move: Exclude<SlotMove, 'take_held' | 'take_confirmed'>,
  n: number,
): Promise<Match> {
  const now = deps.clock.now();
  const match = await matchesRepository.move(trx, matchId, move, n, now);
  if (!match) throw new Error(`slot bookkeeping: cannot ${move} ${n} on match ${matchId}`);
  effects.add('invalidate availability', () => deps.cache.invalidateSlotCache(matchId));
  if (move === 'release_held' || move === 'release_confirmed') {
    const offered = await offerToWaitlist(deps, trx, effects, match);
    const toPublic = n - offered;
    if (toPublic > 0) effects.add('free admission tokens', () => deps.admission.free(matchId, toPublic));
  }
  return match;
}

/** Takes `n` available slots if the match is on sale and has them; null otherwise (nothing taken). */
export async function takeSlots(deps: AppDeps, trx: Tx, effects: Effects, matchId: string, into: 'held' | 'confirmed', n: number): Promise<Match | null> {
  const now = deps.clock.now();
  const match = await matchesRepository.move(trx, matchId, into === 'held' ? 'take_held' : 'take_confirmed', n, now, now);
  if (match) effects.add('invalidate availability', () => deps.cache.invalidateSlotCache(matchId));
  return match;
}

/**
 * Offers available slots to the waiting list, first come first served: each offer is a hold of the
 * entry's quantity lasting WAITLIST_OFFER_SECONDS (hold.placed carries the entry id). Returns how
 * many slots were offered.
 */
export async function offerToWaitlist(deps: AppDeps, trx: Tx, effects: Effects, match: Match): Promise<number> {
  const now = deps.clock.now();
  if (match.available <= 0 || !isOnSale(match, now)) return 0;
  const waiting = await waitlistRepository.lockWaiting(trx, match.id, 50);
  if (waiting.length === 0) return 0;
  const holding = await holdsRepository.usersWithActiveHold(
    trx,
    match.id,
    waiting.map((w) => w.userId),
  );
  let offered = 0;
  for (const entry of pickOffers(waiting, match.available, holding)) {
    const taken = await matchesRepository.move(trx, match.id, 'take_held', entry.quantity, now, now);
    if (!taken) break;
    const hold: Hold = {
      id: randomUUID(),
      matchId: match.id,
      userId: entry.userId,
      quantity: entry.quantity,
      status: 'ACTIVE',
      sessionId: null,
      deviceId: null,
      waitlistEntryId: entry.id,
      expiresAt: holdExpiry(now, deps.config.WAITLIST_OFFER_SECONDS),
      createdAt: now,
      updatedAt: now,
    };
    await holdsRepository.insert(trx, hold);
    await waitlistRepository.offer(trx, entry.id, hold.id, now);
    await deps.bus.publish(
      trx,
      'hold.placed.v1',
      {
        holdId: hold.id,
        matchId: hold.matchId,
        userId: hold.userId,
        quantity: hold.quantity,
        expiresAt: hold.expiresAt.toISOString(),
        waitlistEntryId: entry.id,
      },
      { subject: hold.id },
    );
    const ttlMs = hold.expiresAt.getTime() - now.getTime();
    effects.add('remember offered hold', () => deps.admission.rememberUserHold(hold.matchId, hold.userId, hold.id, ttlMs));
    metrics.waitlist.inc({ event: 'offered' });
    metrics.holdsPlaced.inc({ source: 'waitlist' });
    deps.logger.info('waiting-list offer made', { matchId: match.id, entryId: entry.id, holdId: hold.id, quantity: hold.quantity });
    offered += entry.quantity;
  }
  return offered;
}
