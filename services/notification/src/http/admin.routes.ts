import type { QueueManager } from '@matchday/bus';
import { parsed, validate } from '@matchday/http';
import { breakerStates } from '@matchday/resilience';
import { Router } from 'express';
import { z } from 'zod';
import type { makeListNotifications } from '../app/list-notifications.use-case';
import { requireRole } from './identity';

const schemas = {
  notifications: {
    query: z.object({
      userId: z.string().min(1).max(100),
      eventId: z.string().min(1).max(100).optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
    }),
  },
  dlq: { query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }) },
  replay: { body: z.object({ limit: z.number().int().min(1).max(10000).optional() }).default({}) },
};

/** Support and operations: a user's notifications, dead letters, circuit breakers. */
export function adminRoutes(deps: {
  bus: QueueManager;
  group: string;
  listNotifications: ReturnType<typeof makeListNotifications>;
}): Router {
  const r = Router();
  r.get(
    '/v1/admin/notifications',
    requireRole('admin', 'support'),
    validate(schemas.notifications),
    async (_req, res) => {
      const { query } = parsed<typeof schemas.notifications>(res);
      const notifications = await deps.listNotifications(query.userId, {
        limit: query.limit,
        ...(query.eventId && { eventId: query.eventId }),
      });
      res.json({ userId: query.userId, count: notifications.length, notifications });
    },
  );
  r.get('/v1/admin/breakers', requireRole('admin', 'support'), (_req, res) => {
    res.json({ breakers: breakerStates().filter((b) => b.name.startsWith('notification.')) });
  });
  r.get('/v1/admin/dlq', requireRole('admin', 'support'), validate(schemas.dlq), async (_req, res) => {
    const { query } = parsed<typeof schemas.dlq>(res);
    const deadLetters = await deps.bus.deadLetters(deps.group, { limit: query.limit });
    res.json({ group: deps.group, count: deadLetters.length, deadLetters });
  });
  r.post('/v1/admin/dlq/replay', requireRole('admin'), validate(schemas.replay), async (req, res) => {
    const { body } = parsed<typeof schemas.replay>(res);
    const replayed = await deps.bus.replayDeadLetters(
      deps.group,
      body.limit !== undefined ? { limit: body.limit } : {},
    );
    req.log.warn('dead letters replayed', { group: deps.group, replayed });
    res.json({ group: deps.group, replayed });
  });
  return r;
}
