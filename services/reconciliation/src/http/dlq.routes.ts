import type { QueueManager } from '@matchday/bus';
import { parsed, validate } from '@matchday/http';
import { Router } from 'express';
import { z } from 'zod';
import { requireRole } from './identity';

const schemas = {
  list: { query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }) },
  replay: { body: z.object({ limit: z.number().int().min(1).max(10000).optional() }).default({}) },
};

/** The consumer group's dead letters: inspect (`support`/`admin`) and replay once fixed (`admin`). */
export function dlqRoutes(deps: { bus: QueueManager; group: string }): Router {
  const r = Router();
  r.get('/v1/admin/dlq', requireRole('admin', 'support'), validate(schemas.list), async (_req, res) => {
    const { query } = parsed<typeof schemas.list>(res);
    const deadLetters = await deps.bus.deadLetters(deps.group, { limit: query.limit });
    res.json({ group: deps.group, count: deadLetters.length, deadLetters });
  });
  r.post('/v1/admin/dlq/replay', requireRole('admin'), validate(schemas.replay), async (req, res) => {
    const { body } = parsed<typeof schemas.replay>(res);
    const replayed = await deps.bus.replayDeadLetters(deps.group, body.limit !== undefined ? { limit: body.limit } : {});
    req.log.warn('dead letters replayed', { group: deps.group, replayed });
    res.json({ group: deps.group, replayed });
  });
  return r;
}
