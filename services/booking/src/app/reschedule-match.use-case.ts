import { ErrorCode, fail } from '../domain/errors';
import { validateReschedule, type Match } from '../domain/match';
import { matchesRepository } from '../db/matches.repository';
import { inTransaction, type AppDeps } from './deps';

/** Admin: moves a match's kickoff (and maybe venue); its bookings move with it (match.rescheduled). */
export function makeRescheduleMatch(deps: AppDeps) {
  return async (matchId: string, input: { kickoffAt: Date; venue?: string | undefined }): Promise<Match> =>
    inTransaction(deps, async (trx, effects) => {
      const now = deps.clock.now();
      const current = await matchesRepository.get(trx, matchId, { forUpdate: true });
      if (!current) return fail(ErrorCode.MATCH_NOT_FOUND, 'no such match', { matchId });
      validateReschedule(current, input.kickoffAt, now);
      const updated = await matchesRepository.reschedule(trx, matchId, input.kickoffAt, input.venue, now);
      if (!updated) return fail(ErrorCode.MATCH_NOT_ON_SALE, 'the match is cancelled', { matchId });
      await deps.bus.publish(
        trx,
        'match.rescheduled.v1',
        {
          matchId,
          previousKickoffAt: current.kickoffAt.toISOString(),
          kickoffAt: updated.kickoffAt.toISOString(),
          ...(input.venue !== undefined ? { venue: input.venue } : {}),
        },
        { subject: matchId },
      );
      effects.add('invalidate availability', () => deps.cache.invalidateSlotCache(matchId));
      deps.logger.info('match rescheduled', { matchId, from: current.kickoffAt.toISOString(), to: updated.kickoffAt.toISOString() });
      return updated;
    });
}
