import { matchesRepository } from '../db/matches.repository';
import { inTransaction, type AppDeps } from './deps';
import { offerToWaitlist } from './inventory';

/**
 * Sweeper tasks that keep derived state in line with the counters in Postgres:
 * - availability.changed, coalesced: one event per match whose counters moved since the last one
 *   (a rush of 500 holds makes a handful of events, not 500);
 * - the admission counter of those matches (and, every RESYNC_EVERY_SWEEPS, of every upcoming
 *   match) is re-synced from Postgres when no attempt is in flight;
 * - waiting lists of matches with free slots get their offers (joins that raced a release).
 */
export function makePublishAvailability(deps: AppDeps) {
  const readValue = (matchId: string) => () => matchesRepository.admissionValue(deps.db, matchId, deps.clock.now());

  return {
    async changed(limit = 100): Promise<number> {
      const matches = await matchesRepository.unpublished(deps.db, limit);
      for (const m of matches) {
        await inTransaction(deps, async (trx) => {
          await deps.bus.publish(
            trx,
            'availability.changed.v1',
            { matchId: m.id, capacity: m.capacity, available: m.available, held: m.held, confirmed: m.confirmed },
            { subject: m.id },
          );
          await matchesRepository.markPublished(trx, m.id, m.version);
        });
        await deps.admission.resync(m.id, readValue(m.id)).catch(() => undefined);
      }
      return matches.length;
    },

    async resyncAll(limit = 1000): Promise<number> {
      const ids = await matchesRepository.upcomingIds(deps.db, deps.clock.now(), limit);
      for (const id of ids) await deps.admission.resync(id, readValue(id)).catch(() => undefined);
      return ids.length;
    },

    async waitlists(): Promise<number> {
      const { rows } = await deps.db.raw(
        `SELECT DISTINCT w.match_id FROM waitlist_entries w JOIN matches m ON m.id = w.match_id
          WHERE w.status = 'WAITING' AND m.status = 'SCHEDULED' AND m.available_slots > 0 AND m.kickoff_at > ?
          LIMIT 100`,
        [deps.clock.now()],
      );
      let offered = 0;
      for (const { match_id } of rows as Array<{ match_id: string }>) {
        offered += await inTransaction(deps, async (trx, effects) => {
          const m = await matchesRepository.get(trx, match_id);
          return m ? offerToWaitlist(deps, trx, effects, m) : 0;
        });
      }
      return offered;
    },
  };
}
