import type { Knex } from '@matchday/db';
import type { AutoAction, FindingKind } from '../domain';

type Q = Knex | Knex.Transaction;

export type FindingStatus = 'open' | 'resolved';

export interface Finding {
  id: string;
  key: string;
  kind: FindingKind;
  status: FindingStatus;
  bookingId?: string;
  intentId?: string;
  amount: number;
  currency: string;
  detail: string;
  autoAction?: AutoAction;
  actionRequestedAt?: Date;
  openedRunId: string;
  lastSeenRunId: string;
  resolvedRunId?: string;
  openedAt: Date;
  resolvedAt?: Date;
  resolution?: string;
  resolvedBy?: string;
  note?: string;
}

interface Row {
  id: string;
  key: string;
  kind: FindingKind;
  status: FindingStatus;
  booking_id: string | null;
  intent_id: string | null;
  amount: string;
  currency: string;
  detail: string;
  auto_action: AutoAction | null;
  action_requested_at: Date | null;
  opened_run_id: string;
  last_seen_run_id: string;
  resolved_run_id: string | null;
  opened_at: Date;
  resolved_at: Date | null;
  resolution: string | null;
  resolved_by: string | null;
  note: string | null;
}

const toFinding = (r: Row): Finding => ({
  id: r.id,
  key: r.key,
  kind: r.kind,
  status: r.status,
  ...(r.booking_id !== null && { bookingId: r.booking_id }),
  ...(r.intent_id !== null && { intentId: r.intent_id }),
  amount: Number(r.amount),
  currency: r.currency,
  detail: r.detail,
  ...(r.auto_action !== null && { autoAction: r.auto_action }),
  ...(r.action_requested_at !== null && { actionRequestedAt: r.action_requested_at }),
  openedRunId: r.opened_run_id,
  lastSeenRunId: r.last_seen_run_id,
  ...(r.resolved_run_id !== null && { resolvedRunId: r.resolved_run_id }),
  openedAt: r.opened_at,
  ...(r.resolved_at !== null && { resolvedAt: r.resolved_at }),
  ...(r.resolution !== null && { resolution: r.resolution }),
  ...(r.resolved_by !== null && { resolvedBy: r.resolved_by }),
  ...(r.note !== null && { note: r.note }),
});

export interface AuditEntry {
  findingId?: string;
  runId?: string;
  action: string;
  actor: string;
  detail?: Record<string, unknown>;
}

export interface FindingsRepository {
  allOpen(q: Q): Promise<Finding[]>;
  insert(q: Q, f: Finding): Promise<void>;
  seen(q: Q, ids: string[], runId: string): Promise<void>;
  refresh(q: Q, id: string, amount: number, detail: string): Promise<void>;
  markActionRequested(q: Q, id: string, at: Date): Promise<void>;
  resolve(q: Q, id: string, r: { runId?: string; at: Date; resolution: string; resolvedBy: string; note?: string }): Promise<void>;
  /** A person already looked at this exact mismatch (same key, amount and currency) and closed it. */
  acknowledged(q: Q, key: string, amount: number, currency: string): Promise<boolean>;
  get(q: Q, id: string, opts?: { forUpdate?: boolean }): Promise<Finding | undefined>;
  /** Newest first; `after` continues from the last finding of the previous page. */
  list(
    q: Q,
    filter: { status?: FindingStatus; kind?: FindingKind; bookingId?: string; limit: number; after?: { openedAt: Date; id: string } },
  ): Promise<Finding[]>;
  /** Open findings by kind, and their money by currency (amount at risk). */
  openSummary(q: Q): Promise<{ byKind: Array<{ kind: FindingKind; count: number }>; atRisk: Array<{ currency: string; amount: number }> }>;
  audit(q: Q, e: AuditEntry): Promise<void>;
  auditOf(q: Q, findingId: string): Promise<Array<AuditEntry & { at: Date }>>;
}

export function findingsRepository(): FindingsRepository {
  return {
    async allOpen(q) {
      return (await q<Row>('findings').where({ status: 'open' })).map(toFinding);
    },

    async insert(q, f) {
      await q('findings').insert({
        id: f.id,
        key: f.key,
        kind: f.kind,
        status: f.status,
        booking_id: f.bookingId ?? null,
        intent_id: f.intentId ?? null,
        amount: f.amount,
        currency: f.currency,
        detail: f.detail,
        auto_action: f.autoAction ? JSON.stringify(f.autoAction) : null,
        opened_run_id: f.openedRunId,
        last_seen_run_id: f.lastSeenRunId,
        opened_at: f.openedAt,
      });
    },

    async seen(q, ids, runId) {
      for (let i = 0; i < ids.length; i += 5000) {
        await q('findings').whereIn('id', ids.slice(i, i + 5000)).update({ last_seen_run_id: runId });
      }
    },

    async refresh(q, id, amount, detail) {
      await q('findings').where({ id }).update({ amount, detail });
    },

    async markActionRequested(q, id, at) {
      await q('findings').where({ id }).update({ action_requested_at: at });
    },

    async resolve(q, id, r) {
      await q('findings')
        .where({ id, status: 'open' })
        .update({
          status: 'resolved',
          resolved_run_id: r.runId ?? null,
          resolved_at: r.at,
          resolution: r.resolution,
          resolved_by: r.resolvedBy,
          note: r.note ?? null,
        });
    },

    async acknowledged(q, key, amount, currency) {
      const row = await q('findings')
        .where({ key, status: 'resolved', amount, currency })
        .andWhere('resolved_by', 'not like', 'system:%')
        .first('id');
      return row !== undefined;
    },

    async get(q, id, opts) {
      const query = q<Row>('findings').where({ id }).first();
      if (opts?.forUpdate) query.forUpdate();
      const row = await query;
      return row ? toFinding(row) : undefined;
    },

    async list(q, { status, kind, bookingId, limit, after }) {
      const query = q<Row>('findings').orderBy([{ column: 'opened_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(limit);
      if (after) query.whereRaw('(opened_at, id) < (?, ?)', [after.openedAt, after.id]);
      if (status) query.where({ status });
      if (kind) query.where({ kind });
      if (bookingId) query.where({ booking_id: bookingId });
      return (await query).map(toFinding);
    },

    async openSummary(q) {
      const byKind = await q('findings').where({ status: 'open' }).groupBy('kind').select<Array<{ kind: FindingKind; count: string }>>('kind', q.raw('count(*) as count'));
      const atRisk = await q('findings').where({ status: 'open' }).groupBy('currency').select<Array<{ currency: string; amount: string }>>('currency', q.raw('sum(amount) as amount'));
      return {
        byKind: byKind.map((r) => ({ kind: r.kind, count: Number(r.count) })),
        atRisk: atRisk.map((r) => ({ currency: r.currency, amount: Number(r.amount) })),
      };
    },

    async audit(q, e) {
      await q('audit').insert({
        finding_id: e.findingId ?? null,
        run_id: e.runId ?? null,
        action: e.action,
        actor: e.actor,
        detail: JSON.stringify(e.detail ?? {}),
      });
    },

    async auditOf(q, findingId) {
      const rows = await q<{ finding_id: string; run_id: string | null; action: string; actor: string; detail: Record<string, unknown>; at: Date }>('audit')
        .where({ finding_id: findingId })
        .orderBy('id');
      return rows.map((r) => ({
        findingId: r.finding_id,
        ...(r.run_id !== null && { runId: r.run_id }),
        action: r.action,
        actor: r.actor,
        detail: r.detail,
        at: r.at,
      }));
    },
  };
}
