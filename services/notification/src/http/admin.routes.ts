import { parsed, requireRole, validate } from '@matchday/http';
import { breakerStates } from '@matchday/resilience';
import { Router } from 'express';
import { z } from 'zod';
import type { makeListNotifications } from '../app/list-notifications.use-case';

const schemas = {
  notifications: {
    query: z.object({
      userId: z.string().min(1).max(100),
      eventId: z.string().min(1).max(100).optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
    }),
  },
};

/** Support and operations: a user's notifications, circuit breakers. */
export function adminRoutes(deps: { listNotifications: ReturnType<typeof makeListNotifications> }): Router {
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
  return r;
}
