import { randomUUID } from 'node:crypto';
import { validateNewMatch, type Match, type NewMatch } from '../domain/match';
import { matchesRepository } from '../db/matches.repository';
import { inTransaction, type AppDeps } from './deps';

/** Admin: puts a match on sale (match.created). Its admission counter starts at its capacity. */
export function makeCreateMatch(deps: AppDeps) {
  return async (input: NewMatch): Promise<Match> => {
    const now = deps.clock.now();
    validateNewMatch(input, now);
    const match = await inTransaction(deps, async (trx, effects) => {
      const m = await matchesRepository.insert(trx, randomUUID(), input, now);
      await deps.bus.publish(
        trx,
        'match.created.v1',
        {
          matchId: m.id,
          title: m.title,
          venue: m.venue,
          ...(m.fixtureId ? { fixtureId: m.fixtureId } : {}),
          kickoffAt: m.kickoffAt.toISOString(),
          capacity: m.capacity,
          unitPrice: m.unitPrice,
          currency: m.currency,
        },
        { subject: m.id },
      );
      effects.add('prime admission', () => deps.admission.prime(m.id, m.capacity));
      return m;
    });
    deps.logger.info('match created', { matchId: match.id, capacity: match.capacity, kickoffAt: match.kickoffAt.toISOString() });
    return match;
  };
}
