import { parsed, validate } from '@matchday/http';
import { Router } from 'express';
import { z } from 'zod';
import type { makeValidatePaymentMethod } from '../app/validate-payment-method.use-case';

const schema = {
  body: z.object({
    cardFingerprint: z.string().min(1).max(200).optional(),
    cardCountry: z.string().regex(/^[A-Za-z]{2}$/).optional(),
    expMonth: z.number().int().min(1).max(12).optional(),
    expYear: z.number().int().min(2000).max(2200).optional(),
    ipCountry: z.string().regex(/^[A-Za-z]{2}$/).optional(),
    userId: z.string().min(1).max(100).optional(),
    email: z.string().max(320).optional(),
  }),
};

/**
 * Internal API for the payment service (not proxied by the gateway): is this payment method
 * acceptable? 200 with `{ valid, errors, warnings }` either way.
 */
export function paymentMethodRoutes(deps: { validate: ReturnType<typeof makeValidatePaymentMethod> }): Router {
  const r = Router();
  r.post('/v1/fraud/payment-methods/validate', validate(schema), async (_req, res) => {
    const { body } = parsed<typeof schema>(res);
    res.json(await deps.validate(body));
  });
  return r;
}
