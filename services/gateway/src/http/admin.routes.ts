import { Router } from 'express';
import { HttpProblem, problemType } from '@matchday/http';
import type { Upstreams } from '../adapters/upstreams';
import type { makeGetLimits } from '../app/get-limits.use-case';
import type { makeResetLimits } from '../app/reset-limits.use-case';
import { isUpstream, OPERATIONS_PATHS } from '../domain/route-map';
import { identityOf } from './context';
import { forward } from './forward';

export interface AdminDeps {
  upstreams: Upstreams;
  getLimits: ReturnType<typeof makeGetLimits>;
  resetLimits: ReturnType<typeof makeResetLimits>;
  deadLetters: (opts: { limit?: number }) => Promise<unknown[]>;
  replayDeadLetters: (opts: { limit?: number }) => Promise<number>;
}

const limitOf = (query: unknown): { limit?: number } => {
  const raw = (query as { limit?: unknown }).limit;
  const limit = typeof raw === 'string' ? Number(raw) : undefined;
  return limit !== undefined && Number.isInteger(limit) ? { limit } : {};
};

const queryOf = (url: string): string => (url.includes('?') ? url.slice(url.indexOf('?')) : '');

/**
 * Operations endpoints: the gateway's own (rate limits, its breakers and dead letters) and, for
 * `/v1/admin/{dlq,breakers}/{service}` and `/v1/admin/events/{outbox,inbox,summary}/{service}`, the
 * service's own endpoint reached through its breaker. Roles were checked from the OpenAPI
 * document; services check them again.
 */
export function adminRoutes(deps: AdminDeps): Router {
  // Case-sensitive like the operation lookup: /V1/... is not /v1/....
  const router = Router({ caseSensitive: true, strict: false });

  router.get('/v1/admin/rate-limits/:userId', async (req, res) => {
    res.json(await deps.getLimits(String(req.params.userId)));
  });
  router.delete('/v1/admin/rate-limits/:userId', async (req, res) => {
    await deps.resetLimits(String(req.params.userId), identityOf(res).userId);
    res.status(204).end();
  });

  router.get('/v1/admin/breakers/:service', async (req, res) => {
    const service = String(req.params.service);
    if (service === 'gateway') return void res.json({ service, breakers: deps.upstreams.states() });
    if (!isUpstream(service)) throw new HttpProblem(404, 'Not found', `No service named ${service}.`, { type: problemType('not-found') });
    await forward(deps.upstreams, service, req, res, OPERATIONS_PATHS.breakers);
  });

  router.get('/v1/admin/dlq/:service', async (req, res) => {
    const service = String(req.params.service);
    if (service === 'gateway') {
      const deadLetters = await deps.deadLetters(limitOf(req.query));
      return void res.json({ group: 'gateway', count: deadLetters.length, deadLetters });
    }
    if (!isUpstream(service)) throw new HttpProblem(404, 'Not found', `No service named ${service}.`, { type: problemType('not-found') });
    await forward(deps.upstreams, service, req, res, OPERATIONS_PATHS.dlq + queryOf(req.originalUrl));
  });

  router.post('/v1/admin/dlq/:service/replay', async (req, res) => {
    const service = String(req.params.service);
    if (service === 'gateway') {
      const replayed = await deps.replayDeadLetters(limitOf(req.query));
      req.log.info('dead letters replayed', { group: 'gateway', replayed, by: identityOf(res).userId });
      return void res.json({ group: 'gateway', replayed });
    }
    if (!isUpstream(service)) throw new HttpProblem(404, 'Not found', `No service named ${service}.`, { type: problemType('not-found') });
    await forward(deps.upstreams, service, req, res, OPERATIONS_PATHS.dlqReplay + queryOf(req.originalUrl));
  });

  // A service's outbox and inbox (read-only, a page at a time) and their counts. The gateway
  // publishes without an outbox and keeps no inbox, so it has none of its own.
  for (const [kind, path] of [
    ['outbox', OPERATIONS_PATHS.outbox],
    ['inbox', OPERATIONS_PATHS.inbox],
    ['summary', OPERATIONS_PATHS.eventSummary],
  ] as const) {
    router.get(`/v1/admin/events/${kind}/:service`, async (req, res) => {
      const service = String(req.params.service);
      if (!isUpstream(service)) {
        throw new HttpProblem(404, 'Not found', `No service named ${service} keeps an outbox or inbox.`, { type: problemType('not-found') });
      }
      await forward(deps.upstreams, service, req, res, path + queryOf(req.originalUrl));
    });
  }

  return router;
}
