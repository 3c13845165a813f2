import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { parsed, requireRole, validate } from '@matchday/http';
import { breakerStates } from '@matchday/resilience';
import { z } from 'zod';
import type { makeMoneyPicture } from '../app/money-picture.use-case';
import type { makeRequestRefund } from '../app/request-refund.use-case';

const id = z.string().min(1).max(100).regex(/^[A-Za-z0-9._:-]+$/);
const schemas = {
  list: {
    query: z.object({
      bookingId: id.optional(),
      status: z.string().max(50).optional(),
      cursor: z.string().max(500).optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
    }),
  },
  one: { params: z.object({ id }) },
  refund: {
    params: z.object({ id }),
    body: z.object({ amount: z.number().int().min(1).optional(), reason: z.string().min(1).max(500) }),
  },
};

/**
 * Support and operations: payments search, a booking's full money picture (what the end-to-end
 * invariant checker reads), admin refunds and the Stripe breaker.
 */
export function adminRoutes(deps: {
  money: ReturnType<typeof makeMoneyPicture>;
  requestRefund: ReturnType<typeof makeRequestRefund>;
}): Router {
  const r = Router();

  r.get('/v1/admin/payments', requireRole('admin', 'support'), validate(schemas.list), async (_req, res) => {
    const { query } = parsed<typeof schemas.list>(res);
    res.json(
      await deps.money.list({
        ...(query.bookingId ? { bookingId: query.bookingId } : {}),
        ...(query.status ? { status: query.status } : {}),
        ...(query.cursor ? { cursor: query.cursor } : {}),
        limit: query.limit,
      }),
    );
  });

  /** By booking id (the money picture) or by a payment id (the picture of its booking). */
  r.get('/v1/admin/payments/:id', requireRole('admin', 'support'), validate(schemas.one), async (_req, res) => {
    const { params } = parsed<typeof schemas.one>(res);
    res.json(await deps.money.picture(params.id));
  });

  r.post('/v1/admin/payments/:id/refund', requireRole('admin'), validate(schemas.refund), async (req, res) => {
    const { params, body } = parsed<typeof schemas.refund>(res);
    const refund = await deps.requestRefund.byAdmin(params.id, {
      amount: body.amount ?? null,
      reason: body.reason,
      requestKey: req.get('idempotency-key') ?? randomUUID(),
    });
    res.status(202).json({ ...refund, createdAt: refund?.createdAt.toISOString() });
  });

  r.get('/v1/admin/breakers', requireRole('admin', 'support'), (_req, res) => {
    res.json({ breakers: breakerStates().filter((b) => b.name.startsWith('payment.')) });
  });
  return r;
}
