import { Router } from 'express';
import { parsed, requireRole, validate } from '@matchday/http';
import { z } from 'zod';
import type { makeListWebhooks } from '../app/list-webhooks.use-case';
import type { makeReplayWebhooks } from '../app/replay-webhooks.use-case';
import { PROVIDERS } from '../domain/webhook';
import type { StoredWebhook } from '../db/webhook.repository';

const listSchema = {
  query: z.object({
    provider: z.enum(PROVIDERS).optional(),
    since: z.iso.datetime({ offset: true }).optional(),
    cursor: z.string().max(500).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  }),
};

const replaySchema = {
  body: z
    .object({
      ids: z.array(z.uuid()).min(1).max(10000).optional(),
      since: z.iso.datetime({ offset: true }).optional(),
      provider: z.enum(PROVIDERS).optional(),
      limit: z.number().int().min(1).max(100000).default(10000),
    })
    .refine((b) => b.ids !== undefined || b.since !== undefined, { message: 'give ids or since' }),
};

const view = (w: StoredWebhook) => ({
  id: w.id,
  provider: w.provider,
  dedupeKey: w.dedupeKey,
  rootId: w.rootId,
  eventType: w.eventType,
  receivedAt: w.receivedAt.toISOString(),
  storedAt: w.storedAt.toISOString(),
  deliveries: w.deliveries,
  lastDeliveryAt: w.lastDeliveryAt.toISOString(),
  replays: w.replays,
  lastReplayedAt: w.lastReplayedAt?.toISOString() ?? null,
  headers: w.headers,
  body: w.body,
});

/** `GET /v1/admin/webhooks` (support, admin) and `POST /v1/admin/webhooks/replay` (admin). */
export function adminRoutes(deps: {
  listWebhooks: ReturnType<typeof makeListWebhooks>;
  replayWebhooks: ReturnType<typeof makeReplayWebhooks>;
}): Router {
  const router = Router();

  router.get('/v1/admin/webhooks', requireRole('admin', 'support'), validate(listSchema), async (_req, res) => {
    const { query } = parsed<typeof listSchema>(res);
    const page = await deps.listWebhooks({
      ...(query.provider ? { provider: query.provider } : {}),
      ...(query.since ? { since: new Date(query.since) } : {}),
      ...(query.cursor ? { cursor: query.cursor } : {}),
      limit: query.limit,
    });
    res.json({ items: page.items.map(view), nextCursor: page.nextCursor });
  });

  router.post('/v1/admin/webhooks/replay', requireRole('admin'), validate(replaySchema), async (_req, res) => {
    const { body } = parsed<typeof replaySchema>(res);
    const result = await deps.replayWebhooks({
      ...(body.ids ? { ids: body.ids } : {}),
      ...(body.since ? { since: new Date(body.since) } : {}),
      ...(body.provider ? { provider: body.provider } : {}),
      limit: body.limit,
    });
    res.status(202).json(result);
  });
  return router;
}
