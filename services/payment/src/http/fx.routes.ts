import { Router } from 'express';
import { parsed, validate } from '@matchday/http';
import { z } from 'zod';
import type { makeQuoteFx } from '../app/quote-fx.use-case';
import type { FxQuote } from '../db/fx-quotes.repository';
import { requireCaller } from './identity';

const currency = z.string().regex(/^[A-Z]{3}$/);
const schemas = {
  quote: {
    body: z.object({
      from: currency,
      to: currency,
      amount: z.number().int().min(1).optional(),
      bookingId: z.string().min(1).max(100).optional(),
    }),
  },
  get: { params: z.object({ quoteId: z.string().min(1).max(100) }) },
};

const view = (q: FxQuote) => ({
  quoteId: q.quoteId,
  from: q.from,
  to: q.to,
  rate: q.rate,
  amount: q.amount,
  convertedAmount: q.converted,
  bookingId: q.bookingId,
  expiresAt: q.expiresAt.toISOString(),
  createdAt: q.createdAt.toISOString(),
});

/** `POST /v1/fx/quotes` (lock a rate) and `GET /v1/fx/quotes/{id}`. */
export function fxRoutes(deps: { fx: ReturnType<typeof makeQuoteFx> }): Router {
  const r = Router();
  r.post('/v1/fx/quotes', validate(schemas.quote), async (req, res) => {
    requireCaller(req);
    const { body } = parsed<typeof schemas.quote>(res);
    const q = await deps.fx.quote({
      from: body.from,
      to: body.to,
      ...(body.amount !== undefined ? { amount: body.amount } : {}),
      ...(body.bookingId ? { bookingId: body.bookingId } : {}),
    });
    res.status(201).location(`/v1/fx/quotes/${q.quoteId}`).json(view(q));
  });
  r.get('/v1/fx/quotes/:quoteId', validate(schemas.get), async (req, res) => {
    requireCaller(req);
    const { params } = parsed<typeof schemas.get>(res);
    res.json(view(await deps.fx.get(params.quoteId)));
  });
  return r;
}
