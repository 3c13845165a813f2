import { Router, type RequestHandler } from 'express';
import { parsed, validate } from '@matchday/http';
import { breakerStates } from '@matchday/resilience';
import type { UseCases } from '../app/use-cases';
import { matchView } from '../app/views';
import { requireRole } from './identity';
import { schemas } from './schemas';

/** Admin and support endpoints under /v1/admin (roles checked here again). */
export function adminRoutes(uc: UseCases, deps: { idempotency: RequestHandler }): Router {
  const r = Router();
  const admin = requireRole('admin');
  const staff = requireRole('admin', 'support');

  r.post('/v1/admin/matches', admin, deps.idempotency, validate(schemas.createMatch), async (_req, res) => {
    const { body } = parsed<typeof schemas.createMatch>(res);
    const match = await uc.createMatch({ ...body, kickoffAt: new Date(body.kickoffAt) });
    res.status(201).location(`/v1/matches/${match.id}`).json(matchView(match));
  });

  r.post('/v1/admin/matches/:id/reschedule', admin, deps.idempotency, validate(schemas.rescheduleMatch), async (_req, res) => {
    const { params, body } = parsed<typeof schemas.rescheduleMatch>(res);
    res.json(matchView(await uc.rescheduleMatch(params.id, { kickoffAt: new Date(body.kickoffAt), venue: body.venue })));
  });

  r.post('/v1/admin/matches/:id/cancel', admin, deps.idempotency, validate(schemas.cancelMatch), async (_req, res) => {
    const { params, body } = parsed<typeof schemas.cancelMatch>(res);
    res.json(matchView(await uc.cancelMatch(params.id, body.reason)));
  });

  /** Turns the gateway's waiting room for a match on or off (match.hot). */
  r.post('/v1/admin/matches/:id/hot', admin, deps.idempotency, validate(schemas.heat), async (_req, res) => {
    const { params, body } = parsed<typeof schemas.heat>(res);
    res.json(await uc.matchHeat.setByAdmin(params.id, body.hot, body.admissionRatePerSecond));
  });

  /** The slot picture straight from Postgres (no cache), with the counters. */
  r.get('/v1/admin/matches/:id', staff, validate(schemas.byId), async (_req, res) => {
    const { params } = parsed<typeof schemas.byId>(res);
    const m = await uc.matches.get(params.id);
    res.json({ ...matchView(m), available: m.available, held: m.held, confirmed: m.confirmed });
  });

  r.get('/v1/admin/bookings', staff, validate(schemas.adminBookings), async (_req, res) => {
    const { query } = parsed<typeof schemas.adminBookings>(res);
    res.json(await uc.bookings.listForMatch(query.matchId, { status: query.status, limit: query.limit, cursor: query.cursor }));
  });

  r.get('/v1/admin/bookings/:id', staff, validate(schemas.byId), async (_req, res) => {
    const { params } = parsed<typeof schemas.byId>(res);
    res.json(await uc.bookings.adminView(params.id));
  });

  r.post('/v1/admin/maintenance/partitions', admin, deps.idempotency, async (_req, res) => {
    res.json(await uc.maintainPartitions());
  });

  r.get('/v1/admin/breakers', staff, (_req, res) => {
    res.json({ items: breakerStates() });
  });

  return r;
}
