import { ErrorCode, fail } from '../domain/errors';
import { availabilityOf, type Availability, type Match } from '../domain/match';
import { matchesRepository } from '../db/matches.repository';
import type { AppDeps } from './deps';

/** Loads a match's slot picture from Postgres (the cache's loader). */
export function makeLoadAvailability(deps: Pick<AppDeps, 'db' | 'clock'>) {
  return async (matchId: string): Promise<Availability | null> => {
    const m = await matchesRepository.get(deps.db, matchId);
    return m ? availabilityOf(m, deps.clock.now()) : null;
  };
}

/** Public reads: upcoming matches, one match, its availability (through the cache). */
export function makeReadMatches(deps: AppDeps) {
  return {
    list: (opts: { limit: number; after?: { kickoffAt: Date; id: string } }): Promise<Match[]> =>
      matchesRepository.list(deps.db, { from: deps.clock.now(), ...opts }),

    async get(matchId: string): Promise<Match> {
      const m = await matchesRepository.get(deps.db, matchId);
      return m ?? fail(ErrorCode.MATCH_NOT_FOUND, 'no such match', { matchId });
    },

    async availability(matchId: string): Promise<Availability> {
      const a = await deps.cache.getAvailability(matchId);
      return a ?? fail(ErrorCode.MATCH_NOT_FOUND, 'no such match', { matchId });
    },
  };
}
