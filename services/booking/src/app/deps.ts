import type { QueueManager } from '@matchday/bus';
import { isRetryableTxError, type Knex } from '@matchday/db';
import type { Logger } from '@matchday/observability';
import type { BookingConfig } from '../config';
import type { HoldWriter } from '../db/hold-writer';
import { metrics } from './metrics';
import type { AdmissionGate, CacheManager, Clock } from './ports';

/** What every use-case may depend on; each takes the part it needs. */
export interface AppDeps {
  db: Knex;
  bus: QueueManager;
  admission: AdmissionGate;
  cache: CacheManager;
  /** The hot path's group-committing writer of hold statements. */
  holdWriter: HoldWriter;
  clock: Clock;
  logger: Logger;
  config: Pick<
    BookingConfig,
    | 'HOLD_TTL_SECONDS'
    | 'PAYMENT_WINDOW_SECONDS'
    | 'WAITLIST_OFFER_SECONDS'
    | 'TRANSFER_TTL_SECONDS'
    | 'MAX_SLOTS_PER_HOLD'
    | 'AVAILABILITY_CACHE_SECONDS'
    | 'PARTITION_MONTHS_AHEAD'
    | 'HOT_MATCH_ATTEMPTS_PER_SECOND'
    | 'HOT_MATCH_COOLDOWN_SECONDS'
    | 'HOT_MATCH_ADMISSION_RATE'
  >;
}

export type Tx = Knex.Transaction;

/**
 * Things to do once the transaction committed: Redis counters and markers, cache invalidation.
 * Consumers run them at the end of their handler instead (the bus commits after it); every one of
 * them is safe to run even if the transaction then rolls back (counters may only run high, caches
 * are re-read, markers are checked against Postgres).
 */
export class Effects {
  private readonly pending: Array<{ what: string; run: () => Promise<void> }> = [];

  add(what: string, run: () => Promise<void>): void {
    this.pending.push({ what, run });
  }

  async flush(logger: Logger): Promise<void> {
    for (const { what, run } of this.pending.splice(0)) {
      try {
        await run();
      } catch (err) {
        metrics.effectsFailed.inc({ effect: what });
        logger.warn('post-commit effect failed; the periodic re-sync repairs it', { effect: what, error: (err as Error).message });
      }
    }
  }
}

/**
 * Runs `work` in a transaction (again, up to 3 times, on a deadlock or serialization failure),
 * then the effects it registered.
 */
export async function inTransaction<T>(deps: Pick<AppDeps, 'db' | 'logger'>, work: (trx: Tx, effects: Effects) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const effects = new Effects();
    try {
      const result = await deps.db.transaction((trx) => work(trx, effects));
      await effects.flush(deps.logger);
      return result;
    } catch (err) {
      if (attempt >= 3 || !isRetryableTxError(err)) throw err;
      deps.logger.warn('transaction conflict; retrying', { attempt, error: (err as Error).message });
    }
  }
}

export const SOURCE = 'booking';
