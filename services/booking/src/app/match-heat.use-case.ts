import { ErrorCode, fail } from '../domain/errors';
import { matchesRepository } from '../db/matches.repository';
import { inTransaction, type AppDeps } from './deps';
import { metrics } from './metrics';

export interface HeatOptions {
  /** Hold attempts per second (seen by this replica) that make a match hot. */
  attemptsPerSecond: number;
  /** Quiet for this long (below a quarter of the threshold) and a hot match cools down. */
  cooldownSeconds: number;
  /** Sent with match.hot when set: how many fans per second the gateway's waiting room lets through. */
  admissionRatePerSecond?: number | undefined;
}

/**
 * Hot matches (match.hot on inventory.events): the gateway puts a waiting room in front of a hot
 * match. A match turns hot when an admin says so or when hold attempts on it cross a rate, and
 * cools down when an admin says so or after a quiet spell. The state lives in `match_heat`, changed
 * with a conditional update, so several replicas publish one event per change.
 */
export function makeMatchHeat(deps: AppDeps, opts: HeatOptions) {
  const attempts = new Map<string, number>();
  const lastBusy = new Map<string, number>();
  let lastSweep = Date.now();

  const set = (matchId: string, hot: boolean, by: string, rate?: number): Promise<boolean> =>
    inTransaction(deps, async (trx) => {
      const changed = await trx.raw(
        `INSERT INTO match_heat (match_id, hot, changed_at) VALUES (?, ?, ?)
           ON CONFLICT (match_id) DO UPDATE SET hot = EXCLUDED.hot, changed_at = EXCLUDED.changed_at
           WHERE match_heat.hot IS DISTINCT FROM EXCLUDED.hot
         RETURNING match_id`,
        [matchId, hot, deps.clock.now()],
      );
      if (changed.rows.length === 0) return false;
      const admissionRatePerSecond = rate ?? opts.admissionRatePerSecond;
      await deps.bus.publish(trx, 'match.hot.v1', { matchId, hot, ...(admissionRatePerSecond ? { admissionRatePerSecond } : {}) }, { subject: matchId });
      metrics.matchHeat.inc({ hot: String(hot), by });
      deps.logger.info(hot ? 'match is hot: waiting room on' : 'match cooled down: waiting room off', { matchId, by });
      return true;
    });

  return {
    /** Counts a hold attempt (the hot path: in memory only). */
    attempt(matchId: string): void {
      attempts.set(matchId, (attempts.get(matchId) ?? 0) + 1);
    },

    /** Admin: turn the waiting room on or off for a match. */
    async setByAdmin(matchId: string, hot: boolean, admissionRatePerSecond?: number): Promise<{ matchId: string; hot: boolean; changed: boolean }> {
      if (!(await matchesRepository.get(deps.db, matchId))) return fail(ErrorCode.MATCH_NOT_FOUND, 'no such match', { matchId });
      const changed = await set(matchId, hot, 'admin', admissionRatePerSecond);
      return { matchId, hot, changed };
    },

    /** Sweeper task: heats matches whose attempt rate crossed the threshold, cools the quiet ones. */
    async sweep(): Promise<number> {
      const now = Date.now();
      const seconds = Math.max(0.001, (now - lastSweep) / 1000);
      lastSweep = now;
      let changes = 0;
      const clockNow = deps.clock.now().getTime();
      for (const [matchId, n] of attempts) {
        const rate = n / seconds;
        if (rate >= opts.attemptsPerSecond / 4) lastBusy.set(matchId, clockNow);
        if (rate >= opts.attemptsPerSecond && (await set(matchId, true, 'rate'))) changes++;
      }
      attempts.clear();
      const { rows } = await deps.db.raw(`SELECT match_id FROM match_heat WHERE hot AND changed_at < ?`, [
        new Date(deps.clock.now().getTime() - opts.cooldownSeconds * 1000),
      ]);
      for (const { match_id } of rows as Array<{ match_id: string }>) {
        if (clockNow - (lastBusy.get(match_id) ?? 0) < opts.cooldownSeconds * 1000) continue;
        if (await set(match_id, false, 'quiet')) changes++;
        lastBusy.delete(match_id);
      }
      return changes;
    },
  };
}
