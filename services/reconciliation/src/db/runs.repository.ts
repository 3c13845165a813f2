import { DomainError } from '@matchday/contracts';
import { isUniqueViolation, type Knex } from '@matchday/db';

type Q = Knex | Knex.Transaction;

export type RunTrigger = 'scheduled' | 'manual';
export type RunStatus = 'running' | 'completed' | 'failed';

export interface Run {
  id: string;
  trigger: RunTrigger;
  requestedBy: string;
  status: RunStatus;
  startedAt: Date;
  finishedAt?: Date;
  windowFrom: Date;
  report?: unknown;
  error?: string;
}

interface Row {
  id: string;
  trigger: RunTrigger;
  requested_by: string;
  status: RunStatus;
  started_at: Date;
  finished_at: Date | null;
  window_from: Date;
  report: unknown;
  error: string | null;
}

const toRun = (r: Row): Run => ({
  id: r.id,
  trigger: r.trigger,
  requestedBy: r.requested_by,
  status: r.status,
  startedAt: r.started_at,
  ...(r.finished_at && { finishedAt: r.finished_at }),
  windowFrom: r.window_from,
  ...(r.report !== null && r.report !== undefined && { report: r.report }),
  ...(r.error !== null && { error: r.error }),
});

export interface RunsRepository {
  /** Starts a run; RUN_IN_PROGRESS (with the running run's id) when another one is running. */
  start(q: Q, run: { id: string; trigger: RunTrigger; requestedBy: string; startedAt: Date; windowFrom: Date }): Promise<Run>;
  /** Marks runs still `running` since before `before` as failed (their process died); returns their ids. */
  abandonStale(q: Q, before: Date, at: Date): Promise<string[]>;
  finish(q: Q, id: string, at: Date, report: unknown): Promise<void>;
  fail(q: Q, id: string, at: Date, error: string): Promise<void>;
  get(q: Q, id: string): Promise<Run | undefined>;
  list(q: Q, limit: number): Promise<Run[]>;
}

export function runsRepository(): RunsRepository {
  return {
    async start(q, run) {
      try {
        const [row] = await q<Row>('runs')
          .insert({
            id: run.id,
            trigger: run.trigger,
            requested_by: run.requestedBy,
            status: 'running',
            started_at: run.startedAt,
            window_from: run.windowFrom,
          })
          .returning('*');
        return toRun(row!);
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        const running = await q<Row>('runs').where({ status: 'running' }).first('id', 'started_at');
        throw new DomainError(
          'RUN_IN_PROGRESS',
          { runningRunId: running?.id, startedAt: running?.started_at },
          'a reconciliation run is in progress; wait for it to finish',
        );
      }
    },

    async abandonStale(q, before, at) {
      const rows = await q<Row>('runs')
        .where({ status: 'running' })
        .andWhere('started_at', '<', before)
        .update({ status: 'failed', finished_at: at, error: 'abandoned: still running past RECON_RUN_TIMEOUT_SECONDS (its process probably died)' })
        .returning('id');
      return rows.map((r) => r.id);
    },

    async finish(q, id, at, report) {
      await q('runs').where({ id }).update({ status: 'completed', finished_at: at, report: JSON.stringify(report) });
    },

    async fail(q, id, at, error) {
      await q('runs').where({ id, status: 'running' }).update({ status: 'failed', finished_at: at, error: error.slice(0, 2000) });
    },

    async get(q, id) {
      const row = await q<Row>('runs').where({ id }).first();
      return row ? toRun(row) : undefined;
    },

    async list(q, limit) {
      return (await q<Row>('runs').orderBy('started_at', 'desc').limit(limit)).map(toRun);
    },
  };
}
