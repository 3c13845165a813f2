import { DomainError, findingKind } from '@matchday/contracts';
import type { Knex } from '@matchday/db';
import { HttpProblem, parsed, requireRole, validate } from '@matchday/http';
import { Router } from 'express';
import { z } from 'zod';
import { renderReportHtml } from '../app/render-report';
import type { makeResolveFinding } from '../app/resolve-finding.use-case';
import type { RunReconciliation, RunReport } from '../app/run-reconciliation.use-case';
import type { FindingsRepository } from '../db/findings.repository';
import type { Run, RunsRepository } from '../db/runs.repository';
import { actorOf } from './identity';

export interface ReconciliationAdminDeps {
  db: Knex;
  runs: RunsRepository;
  findings: FindingsRepository;
  runReconciliation: RunReconciliation;
  resolveFinding: ReturnType<typeof makeResolveFinding>;
}

const limit = z.coerce.number().int().min(1).max(500).default(50);
const schemas = {
  startRun: { query: z.object({ wait: z.enum(['true', 'false']).default('false') }) },
  listRuns: { query: z.object({ limit }) },
  run: { params: z.object({ id: z.uuid() }) },
  findings: {
    query: z.object({
      status: z.enum(['open', 'resolved', 'all']).default('open'),
      kind: findingKind.optional(),
      bookingId: z.string().min(1).max(100).optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(200),
      /** `nextCursor` of the previous page. */
      cursor: z.string().max(200).optional(),
    }),
  },
  finding: { params: z.object({ id: z.uuid() }) },
  resolve: {
    params: z.object({ id: z.uuid() }),
    body: z.object({ resolution: z.string().min(1).max(200), note: z.string().max(2000).optional() }),
  },
};

const encodeCursor = (openedAt: Date, id: string): string => Buffer.from(`${openedAt.toISOString()}|${id}`).toString('base64url');

function decodeCursor(cursor: string): { openedAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const openedAt = new Date(at ?? '');
  if (!id || !z.uuid().safeParse(id).success || Number.isNaN(openedAt.getTime())) {
    throw new HttpProblem(400, 'Invalid cursor', 'Pass the nextCursor of the previous page unchanged.', { code: 'INVALID_CURSOR' });
  }
  return { openedAt, id };
}

/** A run as listed: the report's summary without the finding lists. */
function runView(run: Run) {
  const report = run.report as RunReport | undefined;
  return {
    id: run.id,
    trigger: run.trigger,
    requestedBy: run.requestedBy,
    status: run.status,
    startedAt: run.startedAt,
    ...(run.finishedAt && { finishedAt: run.finishedAt }),
    windowFrom: run.windowFrom,
    ...(run.error !== undefined && { error: run.error }),
    ...(report && { summary: report.summary, amountAtRisk: report.amountAtRisk }),
    links: { self: `/v1/admin/reconciliation/runs/${run.id}`, html: `/v1/admin/reconciliation/runs/${run.id}/report.html` },
  };
}

/**
 * Admin API under /v1/admin/reconciliation: start a run (202, or 201 with the report when
 * `?wait=true`), list runs, read a run's report as JSON or HTML, list findings and resolve one by
 * hand. Reads need `support` or `admin`; changes `admin`.
 */
export function reconciliationAdminRoutes(deps: ReconciliationAdminDeps): Router {
  const r = Router();
  const read = requireRole('admin', 'support');
  const write = requireRole('admin');

  r.post('/v1/admin/reconciliation/runs', write, validate(schemas.startRun), async (req, res) => {
    const { query } = parsed<typeof schemas.startRun>(res);
    const { run, completion } = await deps.runReconciliation.start({ trigger: 'manual', requestedBy: actorOf(req) });
    if (query.wait === 'true') {
      let report: RunReport;
      try {
        report = await completion;
      } catch {
        // Logged, counted and stored on the run by the use-case; the client gets the failed run.
        const failed = (await deps.runs.get(deps.db, run.id)) ?? run;
        throw new HttpProblem(502, 'Reconciliation run failed', failed.error ?? 'the run failed', {
          code: 'RUN_FAILED',
          run: runView(failed),
        });
      }
      res.status(201).location(`/v1/admin/reconciliation/runs/${run.id}`).json(report);
      return;
    }
    // Failures are logged, counted and stored on the run by the use-case.
    completion.catch(() => undefined);
    res.status(202).location(`/v1/admin/reconciliation/runs/${run.id}`).json(runView(run));
  });

  r.get('/v1/admin/reconciliation/runs', read, validate(schemas.listRuns), async (_req, res) => {
    const { query } = parsed<typeof schemas.listRuns>(res);
    res.json({ runs: (await deps.runs.list(deps.db, query.limit)).map(runView) });
  });

  const loadRun = async (id: string): Promise<Run> => {
    const run = await deps.runs.get(deps.db, id);
    if (!run) throw new DomainError('RUN_NOT_FOUND', { runId: id }, 'no reconciliation run with this id');
    return run;
  };

  r.get('/v1/admin/reconciliation/runs/:id', read, validate(schemas.run), async (_req, res) => {
    const run = await loadRun(parsed<typeof schemas.run>(res).params.id);
    res.json(run.report ?? runView(run));
  });

  r.get('/v1/admin/reconciliation/runs/:id/report.html', read, validate(schemas.run), async (_req, res) => {
    const run = await loadRun(parsed<typeof schemas.run>(res).params.id);
    res.type('html').send(renderReportHtml(run, run.report as RunReport | undefined));
  });

  r.get('/v1/admin/reconciliation/findings', read, validate(schemas.findings), async (_req, res) => {
    const { query } = parsed<typeof schemas.findings>(res);
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const page = await deps.findings.list(deps.db, {
      ...(query.status !== 'all' && { status: query.status }),
      ...(query.kind && { kind: query.kind }),
      ...(query.bookingId && { bookingId: query.bookingId }),
      ...(after && { after }),
      limit: query.limit + 1,
    });
    const findings = page.slice(0, query.limit);
    const last = findings[findings.length - 1];
    res.json({ findings, ...(page.length > query.limit && last && { nextCursor: encodeCursor(last.openedAt, last.id) }) });
  });

  r.get('/v1/admin/reconciliation/findings/:id', read, validate(schemas.finding), async (_req, res) => {
    const { params } = parsed<typeof schemas.finding>(res);
    const finding = await deps.findings.get(deps.db, params.id);
    if (!finding) throw new DomainError('FINDING_NOT_FOUND', { findingId: params.id }, 'no finding with this id');
    res.json({ ...finding, audit: await deps.findings.auditOf(deps.db, finding.id) });
  });

  r.post('/v1/admin/reconciliation/findings/:id/resolve', write, validate(schemas.resolve), async (req, res) => {
    const { params, body } = parsed<typeof schemas.resolve>(res);
    const finding = await deps.resolveFinding({
      findingId: params.id,
      resolution: body.resolution,
      resolvedBy: actorOf(req),
      ...(body.note !== undefined && { note: body.note }),
    });
    res.json(finding);
  });

  return r;
}
