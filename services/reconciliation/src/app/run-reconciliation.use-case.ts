import { randomUUID } from 'node:crypto';
import type { QueueManager } from '@matchday/bus';
import { findingKind } from '@matchday/contracts';
import type { Knex } from '@matchday/db';
import type { Logger } from '@matchday/observability';
import type { ProviderLedger } from '../adapters/stripe-ledger';
import type { Finding, FindingsRepository } from '../db/findings.repository';
import type { ProjectionsRepository } from '../db/projections.repository';
import type { Run, RunsRepository, RunTrigger } from '../db/runs.repository';
import { reconcile, type AutoAction, type FindingKind, type Mismatch } from '../domain';
import { refreshFindingGauges } from './finding-gauges';
import { reconMetrics } from './metrics';

export interface RunDeps {
  db: Knex;
  bus: QueueManager;
  ledger: ProviderLedger;
  projections: ProjectionsRepository;
  runs: RunsRepository;
  findings: FindingsRepository;
  logger: Logger;
  clock: { now(): Date };
  settings: {
    lookbackHours: number;
    graceSeconds: number;
    fxToleranceMinor: number;
    runTimeoutSeconds: number;
  };
}

export const SYSTEM_ACTOR = 'system:reconciliation';

export interface RunAction {
  findingId: string;
  type: 'refund_requested' | 'reconfirm_requested';
  bookingId?: string;
  intentId?: string;
  amount?: number;
  currency?: string;
}

/** What a run produced: stored with the run, served as JSON and rendered as HTML. */
export interface RunReport {
  id: string;
  trigger: RunTrigger;
  requestedBy: string;
  status: 'completed';
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  window: { from: string; to: string };
  scanned: { bookings: number; payments: number; providerIntents: number; balanceTransactions: number; providerPages: number; notJudgedYet: number };
  summary: { opened: number; stillOpen: number; resolved: number; acknowledged: number; openTotal: number };
  byKind: Record<FindingKind, { opened: number; stillOpen: number; resolved: number }>;
  /** Money in findings still open after this run, by currency. */
  amountAtRisk: Array<{ currency: string; amount: number }>;
  opened: Finding[];
  stillOpen: Finding[];
  resolved: Finding[];
  actions: RunAction[];
}

const emptyByKind = (): RunReport['byKind'] =>
  Object.fromEntries(findingKind.options.map((k) => [k, { opened: 0, stillOpen: 0, resolved: 0 }])) as RunReport['byKind'];

/** The parts of a provider error worth a log line (Stripe errors carry whole responses). */
function providerFields(err: unknown): Record<string, unknown> {
  if (typeof err !== 'object' || err === null) return {};
  const e = err as { type?: unknown; statusCode?: unknown; requestId?: unknown; code?: unknown };
  return {
    ...(typeof e.type === 'string' && { errorType: e.type }),
    ...(typeof e.statusCode === 'number' && { statusCode: e.statusCode }),
    ...(typeof e.requestId === 'string' && { providerRequestId: e.requestId }),
    ...(typeof e.code === 'string' && { errorCode: e.code }),
  };
}

const subjectOf = (f: { bookingId?: string; intentId?: string; id: string }): string => f.bookingId ?? f.intentId ?? f.id;

/**
 * One reconciliation run: read the provider (every page, through the breaker), load the
 * projections, compare (domain `reconcile`), then in one transaction turn the result into
 * findings:
 * - a mismatch already open is the same finding (idempotent: repeating a run opens nothing new);
 * - a new mismatch opens a finding (`finding.opened`); the safe kinds also publish their healing
 *   request (`reconciliation.refund.requested` for payment, `reconciliation.reconfirm.requested`
 *   for booking), once, with an audit line;
 * - an open finding this run judged and no longer sees is resolved (`finding.resolved`);
 * - a mismatch a person already closed with the same amount is not reopened.
 * One run at a time; a provider failure fails the run and changes no finding.
 */
export function makeRunReconciliation(deps: RunDeps) {
  const { db, findings } = deps;

  async function apply(run: Run, mismatches: Mismatch[], judgedBookings: Set<string>, judgedIntents: Set<string>) {
    const now = deps.clock.now();
    const opened: Finding[] = [];
    const stillOpen: Finding[] = [];
    const resolved: Finding[] = [];
    const actions: RunAction[] = [];
    let acknowledged = 0;

    await db.transaction(async (trx) => {
      const open = new Map((await findings.allOpen(trx)).map((f) => [f.key, f]));
      const seen = new Set<string>();

      for (const m of mismatches) {
        if (seen.has(m.key)) continue;
        seen.add(m.key);
        const existing = open.get(m.key);
        if (existing) {
          // Still there; the money in question may have changed (a partial refund landed).
          if (existing.amount !== m.amount || existing.detail !== m.detail) {
            await findings.refresh(trx, existing.id, m.amount, m.detail);
            existing.amount = m.amount;
            existing.detail = m.detail;
          }
          stillOpen.push(existing);
          continue;
        }
        if (await findings.acknowledged(trx, m.key, m.amount, m.currency)) {
          acknowledged++;
          continue;
        }
        const finding: Finding = {
          id: randomUUID(),
          key: m.key,
          kind: m.kind,
          status: 'open',
          ...(m.bookingId !== undefined && { bookingId: m.bookingId }),
          ...(m.intentId !== undefined && { intentId: m.intentId }),
          amount: m.amount,
          currency: m.currency,
          detail: m.detail,
          ...(m.action && { autoAction: m.action }),
          openedRunId: run.id,
          lastSeenRunId: run.id,
          openedAt: now,
        };
        await findings.insert(trx, finding);
        await findings.audit(trx, { findingId: finding.id, runId: run.id, action: 'opened', actor: SYSTEM_ACTOR, detail: { kind: m.kind, detail: m.detail } });
        await deps.bus.publish(
          trx,
          'finding.opened.v1',
          {
            findingId: finding.id,
            runId: run.id,
            kind: m.kind,
            ...(m.bookingId !== undefined && { bookingId: m.bookingId }),
            ...(m.intentId !== undefined && { intentId: m.intentId }),
            amount: m.amount,
            currency: m.currency,
            detail: m.detail,
          },
          { subject: subjectOf(finding) },
        );
        reconMetrics.findings.inc({ kind: m.kind });
        if (m.action) {
          actions.push(await requestAction(trx, run, finding, m.action));
          finding.actionRequestedAt = now;
        }
        opened.push(finding);
      }
      await findings.seen(
        trx,
        stillOpen.map((f) => f.id),
        run.id,
      );

      for (const f of open.values()) {
        if (seen.has(f.key)) continue;
        const judged = (f.bookingId !== undefined && judgedBookings.has(f.bookingId)) || (f.intentId !== undefined && judgedIntents.has(f.intentId));
        if (!judged) continue; // not looked at this time (settling, disputed or out of the window): stays open
        const resolution = f.autoAction ? `healed after ${f.autoAction.type} request` : 'no longer observed';
        await findings.resolve(trx, f.id, { runId: run.id, at: now, resolution, resolvedBy: SYSTEM_ACTOR });
        await findings.audit(trx, { findingId: f.id, runId: run.id, action: 'resolved', actor: SYSTEM_ACTOR, detail: { resolution } });
        await deps.bus.publish(
          trx,
          'finding.resolved.v1',
          { findingId: f.id, runId: run.id, resolution, ...(f.bookingId !== undefined && { bookingId: f.bookingId }) },
          { subject: subjectOf(f) },
        );
        reconMetrics.findingsResolved.inc({ kind: f.kind, resolution: 'healed' });
        resolved.push({ ...f, status: 'resolved', resolvedRunId: run.id, resolvedAt: now, resolution, resolvedBy: SYSTEM_ACTOR });
      }
    });
    return { opened, stillOpen, resolved, actions, acknowledged };
  }

  async function requestAction(trx: Knex.Transaction, run: Run, f: Finding, action: AutoAction): Promise<RunAction> {
    if (action.type === 'refund') {
      await deps.bus.publish(
        trx,
        'reconciliation.refund.requested.v1',
        {
          findingId: f.id,
          ...(action.bookingId !== undefined && { bookingId: action.bookingId }),
          intentId: action.intentId,
          amount: action.amount,
          currency: action.currency,
          reason: f.kind,
        },
        { subject: subjectOf(f) },
      );
    } else {
      await deps.bus.publish(trx, 'reconciliation.reconfirm.requested.v1', { findingId: f.id, bookingId: action.bookingId, reason: f.kind }, { subject: action.bookingId });
    }
    const type = action.type === 'refund' ? 'refund_requested' : 'reconfirm_requested';
    await findings.markActionRequested(trx, f.id, deps.clock.now());
    await findings.audit(trx, { findingId: f.id, runId: run.id, action: type, actor: SYSTEM_ACTOR, detail: { ...action } });
    reconMetrics.actions.inc({ action: type });
    deps.logger.info('reconciliation requested a safe resolution', { findingId: f.id, kind: f.kind, action: type, bookingId: f.bookingId, intentId: f.intentId });
    return action.type === 'refund'
      ? { findingId: f.id, type, intentId: action.intentId, amount: action.amount, currency: action.currency, ...(action.bookingId !== undefined && { bookingId: action.bookingId }) }
      : { findingId: f.id, type, bookingId: action.bookingId };
  }

  /** Starts a run (RUN_IN_PROGRESS if one is running); `completion` settles when it ends. */
  async function start(opts: { trigger: RunTrigger; requestedBy: string }): Promise<{ run: Run; completion: Promise<RunReport> }> {
    const now = deps.clock.now();
    const stale = await deps.runs.abandonStale(db, new Date(now.getTime() - deps.settings.runTimeoutSeconds * 1000), now);
    if (stale.length > 0) {
      reconMetrics.runs.inc({ outcome: 'error' }, stale.length);
      deps.logger.error('abandoned reconciliation runs marked failed', { runIds: stale });
    }
    const run = await deps.runs.start(db, {
      id: randomUUID(),
      trigger: opts.trigger,
      requestedBy: opts.requestedBy,
      startedAt: now,
      windowFrom: new Date(now.getTime() - deps.settings.lookbackHours * 3600_000),
    });
    deps.logger.info('reconciliation run started', { runId: run.id, trigger: run.trigger, requestedBy: run.requestedBy });
    return { run, completion: execute(run) };
  }

  async function execute(run: Run): Promise<RunReport> {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const provider = await deps.ledger.intentsSince(run.windowFrom);
      const referenced = provider.intents.flatMap((i) => (i.bookingId ? [i.bookingId] : []));
      const bookings = await deps.projections.bookingsForRun(db, run.windowFrom, referenced);
      const payments = await deps.projections.paymentsOf(
        db,
        bookings.map((b) => b.bookingId),
      );
      const now = deps.clock.now();
      const result = reconcile({
        bookings,
        payments,
        intents: provider.intents,
        now,
        graceSeconds: deps.settings.graceSeconds,
        fxToleranceMinor: deps.settings.fxToleranceMinor,
      });
      const applied = await apply(run, result.mismatches, result.judgedBookings, result.judgedIntents);
      const summary = await findings.openSummary(db);
      const finishedAt = deps.clock.now();
      const byKind = emptyByKind();
      for (const f of applied.opened) byKind[f.kind].opened++;
      for (const f of applied.stillOpen) byKind[f.kind].stillOpen++;
      for (const f of applied.resolved) byKind[f.kind].resolved++;
      const report: RunReport = {
        id: run.id,
        trigger: run.trigger,
        requestedBy: run.requestedBy,
        status: 'completed',
        startedAt: run.startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        durationMs: Math.round(seconds() * 1000),
        window: { from: run.windowFrom.toISOString(), to: now.toISOString() },
        scanned: {
          bookings: bookings.length,
          payments: payments.length,
          providerIntents: provider.intents.length,
          balanceTransactions: provider.balanceTransactions,
          providerPages: provider.pages,
          notJudgedYet: result.skipped,
        },
        summary: {
          opened: applied.opened.length,
          stillOpen: applied.stillOpen.length,
          resolved: applied.resolved.length,
          acknowledged: applied.acknowledged,
          openTotal: summary.byKind.reduce((s, k) => s + k.count, 0),
        },
        byKind,
        amountAtRisk: summary.atRisk,
        opened: applied.opened,
        stillOpen: applied.stillOpen,
        resolved: applied.resolved,
        actions: applied.actions,
      };
      await deps.runs.finish(db, run.id, finishedAt, report);
      await refreshFindingGauges(db, findings);
      reconMetrics.runs.inc({ outcome: 'ok' });
      reconMetrics.runDuration.observe({ outcome: 'ok' }, seconds());
      reconMetrics.lastSuccess.set(finishedAt.getTime() / 1000);
      deps.logger.info('reconciliation run completed', { runId: run.id, ...report.summary, scanned: report.scanned });
      return report;
    } catch (err) {
      reconMetrics.runs.inc({ outcome: 'error' });
      reconMetrics.runDuration.observe({ outcome: 'error' }, seconds());
      const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      deps.logger.error('reconciliation run failed; no finding changed', { runId: run.id, error: message, ...providerFields(err) });
      await deps.runs.fail(db, run.id, deps.clock.now(), message).catch((e: unknown) => {
        deps.logger.error('could not mark the reconciliation run failed; the next run will abandon it', { runId: run.id, err: e });
      });
      throw err;
    }
  }

  return { start };
}

export type RunReconciliation = ReturnType<typeof makeRunReconciliation>;
