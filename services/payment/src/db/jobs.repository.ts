import type { Knex } from '@matchday/db';
import { injectTraceHeaders } from '@matchday/observability';

type Db = Knex | Knex.Transaction;

/** Provider work, each kind one Stripe operation (or a re-read). */
export type JobKind = 'create_intent' | 'confirm' | 'capture' | 'cancel' | 'refund' | 'sync';

export interface Job {
  id: string;
  kind: JobKind;
  /** Jobs with the same subject (a payment, or an intent we do not know) run one at a time, in order. */
  subject: string;
  paymentId: string | null;
  refundId: string | null;
  intentId: string | null;
  payload: Record<string, unknown>;
  status: 'pending' | 'running' | 'done' | 'failed';
  runAt: Date;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  /** W3C trace context (traceparent) of the work that queued the job: its provider call continues that trace. */
  traceContext: Record<string, string>;
}

interface Row {
  id: string;
  kind: JobKind;
  subject: string;
  payment_id: string | null;
  refund_id: string | null;
  intent_id: string | null;
  payload: Record<string, unknown>;
  status: Job['status'];
  run_at: Date;
  attempts: number;
  last_error: string | null;
  created_at: Date;
  trace_context: Record<string, string> | null;
}

const toJob = (r: Row): Job => ({
  id: String(r.id),
  kind: r.kind,
  subject: r.subject,
  paymentId: r.payment_id,
  refundId: r.refund_id,
  intentId: r.intent_id,
  payload: r.payload,
  status: r.status,
  runAt: r.run_at,
  attempts: r.attempts,
  lastError: r.last_error,
  createdAt: r.created_at,
  traceContext: r.trace_context ?? {},
});

export interface NewJob {
  kind: JobKind;
  paymentId?: string | null;
  refundId?: string | null;
  intentId?: string | null;
  payload?: Record<string, unknown>;
  /** A second job with the same key is not added (one capture per payment, one refund per refund row). */
  dedupeKey?: string;
  runAt?: Date;
}

export const jobsRepository = {
  /** Adds a job in the caller's transaction; returns its id, or undefined when its dedupe key exists. */
  async add(db: Db, job: NewJob): Promise<string | undefined> {
    const subject = job.paymentId ?? (job.intentId ? `intent:${job.intentId}` : `refund:${job.refundId}`);
    const traceContext = injectTraceHeaders<Record<string, string>>({});
    const rows = await db('payment_jobs')
      .insert({
        kind: job.kind,
        subject,
        payment_id: job.paymentId ?? null,
        refund_id: job.refundId ?? null,
        intent_id: job.intentId ?? null,
        payload: JSON.stringify(job.payload ?? {}),
        dedupe_key: job.dedupeKey ?? null,
        trace_context: traceContext.traceparent ? JSON.stringify(traceContext) : null,
        ...(job.runAt ? { run_at: job.runAt } : {}),
      })
      .onConflict('dedupe_key')
      .ignore()
      .returning('id');
    return rows[0] ? String((rows[0] as { id: string }).id) : undefined;
  },

  /**
   * Claims up to `limit` due jobs: pending ones whose time has come, and running ones whose lease
   * ran out (their runner died). Only the oldest unfinished job of a subject is claimable, so one
   * payment's provider calls never overlap and keep their order. `only` claims that job alone.
   */
  async claim(db: Knex, opts: { limit: number; leaseMs: number; only?: string }): Promise<Job[]> {
    const { rows } = await db.raw<{ rows: Row[] }>(
      `UPDATE payment_jobs j
          SET status = 'running', locked_until = now() + (? * interval '1 millisecond'), attempts = j.attempts + 1, updated_at = now()
        WHERE j.id IN (
          SELECT c.id FROM payment_jobs c
           WHERE ((c.status = 'pending' AND c.run_at <= now()) OR (c.status = 'running' AND c.locked_until < now()))
             AND (?::bigint IS NULL OR c.id = ?::bigint)
             AND NOT EXISTS (
               SELECT 1 FROM payment_jobs e
                WHERE e.subject = c.subject AND e.id < c.id AND e.status IN ('pending', 'running'))
           ORDER BY c.run_at, c.id
           LIMIT ?
           FOR UPDATE SKIP LOCKED)
       RETURNING j.*`,
      [opts.leaseMs, opts.only ?? null, opts.only ?? null, opts.limit],
    );
    return rows.map(toJob);
  },

  async finish(db: Db, id: string, status: 'done' | 'failed', lastError?: string): Promise<void> {
    await db('payment_jobs')
      .where({ id })
      .update({ status, locked_until: null, last_error: lastError ?? null, updated_at: db.fn.now() });
  },

  /** Puts a job back to wait until `runAt` (the provider is unavailable). */
  async reschedule(db: Db, id: string, runAt: Date, lastError: string): Promise<void> {
    await db('payment_jobs')
      .where({ id })
      .update({ status: 'pending', run_at: runAt, locked_until: null, last_error: lastError.slice(0, 2000), updated_at: db.fn.now() });
  },

  async get(db: Db, id: string): Promise<Job | undefined> {
    const row = await db<Row>('payment_jobs').where({ id }).first();
    return row ? toJob(row as Row) : undefined;
  },

  async ofPayments(db: Db, paymentIds: string[]): Promise<Job[]> {
    if (paymentIds.length === 0) return [];
    return ((await db<Row>('payment_jobs').whereIn('payment_id', paymentIds).orderBy('id')) as Row[]).map(toJob);
  },

  /** Deletes finished jobs older than `days` (the money records keep the outcome); returns how many. */
  async prune(db: Db, days: number): Promise<number> {
    return db('payment_jobs')
      .where({ status: 'done' })
      .andWhere('updated_at', '<', db.raw(`now() - (? * interval '1 day')`, [days]))
      .delete();
  },

  /** Unfinished jobs, and how long the oldest has waited: a stuck payment shows here first. */
  async backlog(db: Db): Promise<{ pending: number; oldestSeconds: number }> {
    const { rows } = await db.raw<{ rows: Array<{ pending: number; oldest: number }> }>(
      `SELECT count(*)::int AS pending, COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float AS oldest
         FROM payment_jobs WHERE status IN ('pending', 'running')`,
    );
    return { pending: Number(rows[0]?.pending ?? 0), oldestSeconds: Number(rows[0]?.oldest ?? 0) };
  },
};
