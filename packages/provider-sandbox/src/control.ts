/**
 * Control API under `/__sandbox/`: fault injection, provider-side triggers (disputes, bank
 * reversals), webhook flushing and state inspection. Not part of any provider's API.
 */
import express, { type Response, type Router } from 'express';
import { z } from 'zod';
import { apiFaultInput, webhookFaultInput } from './faults';
import type { Sandbox } from './sandbox';
import { StripeFailure } from './stripe';
import { PROVIDERS, WEBHOOK_PROVIDERS } from './types';

const disputeInput = z.strictObject({ payment_intent: z.string().min(1), reason: z.string().optional() });
const reversalInput = z.strictObject({ payment_intent: z.string().min(1) });
const closeInput = z.strictObject({ status: z.enum(['won', 'lost']) });
const subscriptionInput = z.strictObject({
  id: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional(),
});
const targetsInput = z.strictObject(
  Object.fromEntries(WEBHOOK_PROVIDERS.map((p) => [p, z.url().optional()])),
);

/** Maps and other live structures as plain JSON. */
export function snapshot(sandbox: Sandbox): unknown {
  return JSON.parse(
    JSON.stringify(sandbox.state, (key, value: unknown) => {
      if (key === 'idempotency' && value instanceof Map) return { keys: value.size };
      return value instanceof Map ? [...value.values()] : value;
    }),
  );
}

export function createControlRouter(sandbox: Sandbox): Router {
  const router = express.Router();
  router.use(express.json({ limit: '1mb' }));

  const bad = (res: Response, status: number, message: string, issues?: unknown): void => {
    res.status(status).json({ error: message, ...(issues !== undefined && { issues }) });
  };

  const run = (res: Response, fn: () => unknown, status = 200): void => {
    try {
      res.status(status).json(fn());
    } catch (err) {
      if (err instanceof z.ZodError) return bad(res, 400, 'invalid request', err.issues);
      if (err instanceof StripeFailure) return bad(res, err.status, err.message);
      throw err;
    }
  };

  router.get('/health', (_req, res) => res.json({ ok: true }));
  router.get('/secrets', (_req, res) => res.json(sandbox.secrets));
  router.get('/state', (_req, res) => res.json(snapshot(sandbox)));
  router.post('/reset', (_req, res) => {
    sandbox.reset();
    res.json({ ok: true });
  });

  router.get('/faults', (_req, res) => res.json(sandbox.state.faults));
  router.post('/faults', (req, res) =>
    run(
      res,
      () => {
        const body: unknown = req.body;
        if (body && typeof body === 'object' && 'webhooks' in body) {
          const input = webhookFaultInput.parse(body);
          sandbox.setWebhookFaults(input.provider, input.webhooks);
          return { provider: input.provider, webhooks: sandbox.state.faults.webhooks[input.provider] };
        }
        return sandbox.addFault(apiFaultInput.parse(body));
      },
      201,
    ),
  );
  router.delete('/faults', (req, res) => {
    const provider = typeof req.query.provider === 'string' ? req.query.provider : undefined;
    if (provider !== undefined && !PROVIDERS.includes(provider as never))
      return bad(res, 400, `unknown provider ${provider}`);
    sandbox.clearFaults(provider as (typeof PROVIDERS)[number] | undefined);
    res.json({ ok: true });
  });

  router.post('/stripe/disputes', (req, res) =>
    run(
      res,
      () => {
        const input = disputeInput.parse(req.body);
        return sandbox.openDispute(input.payment_intent, input.reason);
      },
      201,
    ),
  );
  router.post('/stripe/disputes/:id/close', (req, res) =>
    run(res, () => sandbox.closeDispute(String(req.params.id), closeInput.parse(req.body).status)),
  );
  router.post('/stripe/reversals', (req, res) =>
    run(res, () => sandbox.bankReversal(reversalInput.parse(req.body).payment_intent), 201),
  );

  router.post('/webpush/subscriptions', (req, res) =>
    run(res, () => sandbox.createPushSubscription(subscriptionInput.parse(req.body ?? {}).id), 201),
  );

  router.post('/webhooks/flush', async (_req, res) => {
    res.json(await sandbox.flushWebhooks());
  });
  router.put('/webhooks/targets', (req, res) =>
    run(res, () => {
      sandbox.setWebhookTargets(targetsInput.parse(req.body));
      return { ok: true };
    }),
  );

  return router;
}
