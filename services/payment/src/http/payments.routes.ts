import { Router } from 'express';
import { HttpProblem, parsed, problemType, validate } from '@matchday/http';
import { z } from 'zod';
import type { makeConfirmPayment } from '../app/confirm-payment.use-case';
import { paymentView, type makeMoneyPicture } from '../app/money-picture.use-case';
import { isStaff, requireCaller } from './identity';

const id = z.string().min(1).max(100).regex(/^[A-Za-z0-9._:-]+$/);

const schemas = {
  list: { query: z.object({ bookingId: id.optional(), cursor: z.string().max(500).optional(), limit: z.coerce.number().int().min(1).max(200).default(50) }) },
  one: { params: z.object({ paymentId: id }) },
  confirm: { params: z.object({ paymentId: id }), body: z.object({ paymentMethod: z.string().min(1).max(200) }) },
};

/**
 * The payer's side: `GET /v1/payments?bookingId=` (the booking's owner and payers), `GET
 * /v1/payments/{id}` and `POST /v1/payments/{id}/confirm` (a payment id works like a payment link:
 * a friend paying a share needs only that).
 */
export function paymentsRoutes(deps: { money: ReturnType<typeof makeMoneyPicture>; confirmPayment: ReturnType<typeof makeConfirmPayment> }): Router {
  const r = Router();

  r.get('/v1/payments', validate(schemas.list), async (req, res) => {
    const caller = requireCaller(req);
    const { query } = parsed<typeof schemas.list>(res);
    if (query.bookingId && !isStaff(caller) && !(await deps.money.viewers(query.bookingId)).has(caller.userId)) {
      throw new HttpProblem(404, 'Not found', 'No payments for this booking.', { type: problemType('not-found') });
    }
    res.json(
      await deps.money.list({
        ...(query.bookingId ? { bookingId: query.bookingId } : { userId: caller.userId }),
        ...(query.cursor ? { cursor: query.cursor } : {}),
        limit: query.limit,
      }),
    );
  });

  r.get('/v1/payments/:paymentId', validate(schemas.one), async (req, res) => {
    requireCaller(req);
    const { params } = parsed<typeof schemas.one>(res);
    res.json((await deps.money.payment(params.paymentId)).view);
  });

  r.post('/v1/payments/:paymentId/confirm', validate(schemas.confirm), async (req, res) => {
    requireCaller(req);
    const { params, body } = parsed<typeof schemas.confirm>(res);
    const { payment, deferred } = await deps.confirmPayment(params.paymentId, body.paymentMethod);
    res.status(deferred ? 202 : 200).json(paymentView(payment));
  });
  return r;
}
