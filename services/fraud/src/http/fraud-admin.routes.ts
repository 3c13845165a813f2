import { DomainError } from '@matchday/contracts';
import type { Knex } from '@matchday/db';
import { parsed, requireRole, validate } from '@matchday/http';
import { Router } from 'express';
import { z } from 'zod';
import type { makeAddListEntry } from '../app/add-list-entry.use-case';
import type { makeFlagSuspiciousActivity } from '../app/flag-suspicious-activity.use-case';
import type { makeRemoveListEntry } from '../app/remove-list-entry.use-case';
import type { makeResolveReview } from '../app/resolve-review.use-case';
import type { RulesProvider } from '../app/rules-provider';
import type { makeUpdateRules } from '../app/update-rules.use-case';
import type { AssessmentsRepository } from '../db/assessments.repository';
import type { ListsRepository } from '../db/lists.repository';
import type { RulesRepository } from '../db/rules.repository';
import type { VersionedRuleSet } from '../domain';
import { actorOf } from './identity';

export interface FraudAdminDeps {
  db: Knex;
  assessments: AssessmentsRepository;
  lists: ListsRepository;
  rules: RulesRepository;
  rulesProvider: RulesProvider;
  resolveReview: ReturnType<typeof makeResolveReview>;
  updateRules: ReturnType<typeof makeUpdateRules>;
  addListEntry: ReturnType<typeof makeAddListEntry>;
  removeListEntry: ReturnType<typeof makeRemoveListEntry>;
  flag: ReturnType<typeof makeFlagSuspiciousActivity>;
}

const limit = z.coerce.number().int().min(1).max(500).default(100);
const listName = z.enum(['allow', 'block']);
const listKind = z.enum(['user', 'email', 'ip', 'card']);

const schemas = {
  reviews: { query: z.object({ status: z.enum(['pending', 'approved', 'rejected', 'timed_out', 'all']).default('pending'), limit }) },
  resolve: {
    params: z.object({ assessmentId: z.uuid(), action: z.enum(['approve', 'reject']) }),
    body: z.object({ note: z.string().max(1000).optional() }).default({}),
  },
  resolveByDecision: {
    params: z.object({ assessmentId: z.uuid() }),
    body: z.object({ decision: z.enum(['allow', 'block']), note: z.string().max(1000).optional() }),
  },
  version: { params: z.object({ version: z.coerce.number().int().min(1) }) },
  putRules: {
    body: z.object({ expectedVersion: z.number().int().min(1), note: z.string().max(500).optional(), ruleSet: z.unknown() }),
  },
  lists: { query: z.object({ list: listName.optional(), kind: listKind.optional(), limit }) },
  addList: {
    body: z.object({
      list: listName,
      kind: listKind,
      value: z.string().trim().min(1).max(320),
      reason: z.string().min(1).max(500),
      expiresAt: z.iso.datetime({ offset: true }).optional(),
    }),
  },
  removeList: { params: z.object({ id: z.uuid() }) },
  assessments: { params: z.object({ bookingId: z.string().min(1).max(100) }) },
  flag: { body: z.object({ bookingId: z.string().min(1).max(100), reason: z.string().min(1).max(500) }) },
};

const rulesView = (r: VersionedRuleSet) => ({
  version: r.version,
  createdAt: r.createdAt,
  createdBy: r.createdBy,
  ...(r.note !== undefined && { note: r.note }),
  ruleSet: r.ruleSet,
});

/**
 * Admin API under /v1/admin/fraud: the review queue, the versioned rules, the allow and block
 * lists, assessments per booking and manual flags. Reads need `support` or `admin`; changes `admin`.
 */
export function fraudAdminRoutes(deps: FraudAdminDeps): Router {
  const r = Router();
  const read = requireRole('admin', 'support');
  const write = requireRole('admin');

  r.get('/v1/admin/fraud/reviews', read, validate(schemas.reviews), async (_req, res) => {
    const { query } = parsed<typeof schemas.reviews>(res);
    const reviews = await deps.assessments.reviews(deps.db, {
      ...(query.status !== 'all' && { status: query.status }),
      limit: query.limit,
    });
    res.json({ reviews });
  });

  // The same resolution named by its decision (allow = approve, block = reject), for clients that think in decisions.
  r.post('/v1/admin/fraud/reviews/:assessmentId/resolve', write, validate(schemas.resolveByDecision), async (req, res) => {
    const { params, body } = parsed<typeof schemas.resolveByDecision>(res);
    const assessment = await deps.resolveReview({
      assessmentId: params.assessmentId,
      action: body.decision === 'allow' ? 'approve' : 'reject',
      resolvedBy: actorOf(req),
      ...(body.note !== undefined && { note: body.note }),
    });
    res.json(assessment);
  });

  r.post('/v1/admin/fraud/reviews/:assessmentId/:action', write, validate(schemas.resolve), async (req, res) => {
    const { params, body } = parsed<typeof schemas.resolve>(res);
    const assessment = await deps.resolveReview({
      assessmentId: params.assessmentId,
      action: params.action,
      resolvedBy: actorOf(req),
      ...(body.note !== undefined && { note: body.note }),
    });
    res.json(assessment);
  });

  r.get('/v1/admin/fraud/rules', read, (_req, res) => {
    res.json(rulesView(deps.rulesProvider.current()));
  });

  r.get('/v1/admin/fraud/rules/versions', read, async (_req, res) => {
    res.json({ versions: await deps.rules.versions(deps.db, 100) });
  });

  r.get('/v1/admin/fraud/rules/versions/:version', read, validate(schemas.version), async (_req, res) => {
    const { params } = parsed<typeof schemas.version>(res);
    const found = await deps.rules.byVersion(deps.db, params.version);
    if (!found) throw new DomainError('RULES_VERSION_NOT_FOUND', { version: params.version }, `no rule set version ${params.version}`);
    res.json(rulesView(found));
  });

  r.put('/v1/admin/fraud/rules', write, validate(schemas.putRules), async (req, res) => {
    const { body } = parsed<typeof schemas.putRules>(res);
    const saved = await deps.updateRules({
      ruleSet: body.ruleSet,
      expectedVersion: body.expectedVersion,
      updatedBy: actorOf(req),
      ...(body.note !== undefined && { note: body.note }),
    });
    res.json(rulesView(saved));
  });

  r.get('/v1/admin/fraud/lists', read, validate(schemas.lists), async (_req, res) => {
    const { query } = parsed<typeof schemas.lists>(res);
    res.json({ entries: await deps.lists.list(deps.db, query) });
  });

  r.post('/v1/admin/fraud/lists', write, validate(schemas.addList), async (req, res) => {
    const { body } = parsed<typeof schemas.addList>(res);
    const { entry, created } = await deps.addListEntry({
      list: body.list,
      kind: body.kind,
      value: body.value,
      reason: body.reason,
      createdBy: actorOf(req),
      ...(body.expiresAt !== undefined && { expiresAt: new Date(body.expiresAt) }),
    });
    res.status(created ? 201 : 200).location(`/v1/admin/fraud/lists/${entry.id}`).json(entry);
  });

  r.delete('/v1/admin/fraud/lists/:id', write, validate(schemas.removeList), async (req, res) => {
    const { params } = parsed<typeof schemas.removeList>(res);
    await deps.removeListEntry(params.id, actorOf(req));
    res.status(204).end();
  });

  r.get('/v1/admin/fraud/assessments/:bookingId', read, validate(schemas.assessments), async (_req, res) => {
    const { params } = parsed<typeof schemas.assessments>(res);
    const assessments = await deps.assessments.ofBooking(deps.db, params.bookingId);
    if (assessments.length === 0) {
      throw new DomainError('ASSESSMENT_NOT_FOUND', { bookingId: params.bookingId }, 'no assessment for this booking yet');
    }
    res.json({ bookingId: params.bookingId, assessments });
  });

  r.post('/v1/admin/fraud/flags', write, validate(schemas.flag), async (req, res) => {
    const { body } = parsed<typeof schemas.flag>(res);
    const result = await deps.flag({ bookingId: body.bookingId, reason: body.reason, flaggedBy: actorOf(req) });
    res.status(result.reviewOpened ? 201 : 200).json(result);
  });

  return r;
}
