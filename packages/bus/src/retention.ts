import type { Knex } from '@matchday/db';
import { counter, type Logger } from '@matchday/observability';

const pruned = counter({
  name: 'messaging_retention_pruned_rows_total',
  help: 'Outbox rows (published, past their retention) and inbox rows (past theirs) deleted',
  labelNames: ['service', 'table'],
});
const pruneErrors = counter({
  name: 'messaging_retention_errors_total',
  help: 'Retention sweeps that failed (retried at the next interval)',
  labelNames: ['service'],
});

export interface RetentionOptions {
  /** How long a published event stays in the outbox (admin listings, audit). */
  outboxHours: number;
  /**
   * How long an applied event stays in the inbox. It is the window in which a redelivery is still
   * recognised, so keep it longer than the topics' retention in Kafka.
   */
  inboxHours: number;
  /** Time between sweeps. */
  intervalMs: number;
  /** Rows deleted per statement: each chunk is its own short transaction. */
  chunk?: number;
}

export const DEFAULT_RETENTION: RetentionOptions = {
  outboxHours: 7 * 24,
  inboxHours: 14 * 24,
  intervalMs: 10 * 60_000,
};

/**
 * Deletes, in chunks, outbox rows published before `outboxBefore` and inbox rows recorded before
 * `inboxBefore`. An event not yet published is never deleted, however old: Kafka is still owed it
 * (and `outbox_lag_seconds` says so). Both tables keep their rows in time order, so a BRIN index on
 * the time column finds the old ones without a per-row index on the hot insert path.
 */
export async function pruneEvents(
  db: Knex,
  opts: { outboxBefore: Date; inboxBefore: Date; chunk?: number },
): Promise<{ outbox: number; inbox: number }> {
  const chunk = opts.chunk ?? 5000;
  const drain = async (sql: string, before: Date): Promise<number> => {
    let total = 0;
    for (;;) {
      const { rowCount } = (await db.raw(sql, [before, chunk])) as { rowCount: number };
      total += rowCount;
      if (rowCount < chunk) return total;
    }
  };
  const outbox = await drain(
    `DELETE FROM outbox WHERE seq = ANY (ARRAY(
       SELECT seq FROM outbox WHERE created_at < ? AND published_at IS NOT NULL LIMIT ?))`,
    opts.outboxBefore,
  );
  const inbox = await drain(
    `DELETE FROM inbox WHERE ctid = ANY (ARRAY(SELECT ctid FROM inbox WHERE processed_at < ? LIMIT ?))`,
    opts.inboxBefore,
  );
  return { outbox, inbox };
}

/** Runs {@link pruneEvents} every `intervalMs` for one service's schema, with a metric and a log line per sweep. */
export class RetentionSweeper {
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<unknown> | undefined;

  constructor(
    private readonly deps: { db: Knex; service: string; logger: Logger },
    private readonly opts: RetentionOptions,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.current ??= this.sweep().finally(() => (this.current = undefined));
    }, this.opts.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.current;
  }

  /** One sweep; failures are counted and logged, never thrown (the next interval tries again). */
  async sweep(): Promise<{ outbox: number; inbox: number } | undefined> {
    const now = Date.now();
    const hours = 3_600_000;
    try {
      const result = await pruneEvents(this.deps.db, {
        outboxBefore: new Date(now - this.opts.outboxHours * hours),
        inboxBefore: new Date(now - this.opts.inboxHours * hours),
        ...(this.opts.chunk !== undefined && { chunk: this.opts.chunk }),
      });
      pruned.inc({ service: this.deps.service, table: 'outbox' }, result.outbox);
      pruned.inc({ service: this.deps.service, table: 'inbox' }, result.inbox);
      if (result.outbox + result.inbox > 0) {
        this.deps.logger.info('old events pruned from the outbox and inbox', {
          ...result,
          outboxHours: this.opts.outboxHours,
          inboxHours: this.opts.inboxHours,
        });
      }
      return result;
    } catch (err) {
      pruneErrors.inc({ service: this.deps.service });
      this.deps.logger.error('outbox/inbox retention sweep failed; retrying at the next interval', {
        error: (err as Error).message,
      });
      return undefined;
    }
  }
}
