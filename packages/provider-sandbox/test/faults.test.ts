import { deleteApp } from 'firebase-admin/app';
import type { Messaging } from 'firebase-admin/messaging';
import type { MailService } from '@sendgrid/mail';
import Stripe from 'stripe';
import twilio from 'twilio';
import {
  fcmMessaging,
  sendgridMail,
  startSandbox,
  stripeClient,
  twilioClient,
  type ApiFaultInput,
  type Sandbox,
  type WebhookFaults,
} from '../src';
import { startReceiver, until, type Receiver } from './receiver';

let sandbox: Sandbox;
let receiver: Receiver;
let stripe: Stripe;
let keys = 0;
const key = (): string => `fault-key-${Date.now()}-${++keys}`;

beforeAll(async () => {
  receiver = await startReceiver();
  sandbox = await startSandbox({
    webhookTargets: { stripe: `${receiver.url}/stripe` },
    webhookRetry: { initialDelayMs: 100 },
  });
  stripe = stripeClient({ apiKey: sandbox.secrets.stripeApiKey, baseUrl: sandbox.url, maxNetworkRetries: 0 });
});

afterEach(() => {
  sandbox.reset();
  receiver.received.length = 0;
  receiver.respond = () => 200;
});

afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});

async function addFault(rule: ApiFaultInput | { provider: string; webhooks: WebhookFaults }): Promise<void> {
  const res = await fetch(`${sandbox.url}/__sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(rule),
  });
  expect(res.status).toBe(201);
}

const eventIds = (): string[] => receiver.received.map((h) => (JSON.parse(h.body) as { id: string }).id);
const eventTypes = (): string[] =>
  receiver.received.map((h) => (JSON.parse(h.body) as { type: string }).type);

describe('API faults surface as each SDK’s own errors', () => {
  it('when Stripe answers 500, then a client without retries throws StripeAPIError', async () => {
    await addFault({ provider: 'stripe', endpoint: '/v1/payment_intents', status: 500, count: 1 });
    const err = await stripe.paymentIntents
      .create({ amount: 100, currency: 'eur' }, { idempotencyKey: key() })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect((err as Stripe.errors.StripeAPIError).statusCode).toBe(500);
    expect(sandbox.state.stripe.paymentIntents.size).toBe(0);
    expect(sandbox.state.stats.stripe.faultsInjected).toBe(1);
  });

  it('when Stripe answers 503 once, then a client with retries succeeds with one payment intent created', async () => {
    await addFault({
      provider: 'stripe',
      endpoint: '/v1/payment_intents',
      errorRate: 1,
      status: 503,
      count: 1,
    });
    const retrying = stripeClient({
      apiKey: sandbox.secrets.stripeApiKey,
      baseUrl: sandbox.url,
      maxNetworkRetries: 2,
    });
    const pi = await retrying.paymentIntents.create(
      { amount: 100, currency: 'eur' },
      { idempotencyKey: key() },
    );
    expect(pi.status).toBe('requires_payment_method');
    expect(sandbox.state.stripe.paymentIntents.size).toBe(1);
    expect(sandbox.state.stats.stripe.byStatus).toMatchObject({ '503': 1, '200': 1 });
  });

  it('when Stripe answers an injected 429, then the SDK throws StripeRateLimitError', async () => {
    await addFault({ provider: 'stripe', rate429: 1, count: 1 });
    const err = await stripe.paymentIntents.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect(err).toMatchObject({ statusCode: 429, code: 'rate_limit' });
  });

  it('when the platform exceeds Stripe’s configured limit, then StripeRateLimitError is thrown and the stats show the peak above the limit', async () => {
    const limited = await startSandbox({ limits: { stripe: { limit: 3, windowMs: 60_000 } } });
    try {
      const client = stripeClient({
        apiKey: limited.secrets.stripeApiKey,
        baseUrl: limited.url,
        maxNetworkRetries: 0,
      });
      const results = await Promise.allSettled(Array.from({ length: 5 }, () => client.paymentIntents.list()));
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(rejected).toHaveLength(2);
      for (const r of rejected) expect(r.reason).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
      expect(limited.state.stats.stripe).toMatchObject({ requests: 5, rateLimited: 2, peakPerWindow: 5 });
    } finally {
      await limited.close();
    }
  });

  it('when a Stripe request hangs, then the client gives up with StripeConnectionError', async () => {
    await addFault({ provider: 'stripe', timeoutRate: 1, count: 1 });
    const impatient = stripeClient({
      apiKey: sandbox.secrets.stripeApiKey,
      baseUrl: sandbox.url,
      maxNetworkRetries: 0,
      timeoutMs: 200,
    });
    const started = Date.now();
    const err = await impatient.paymentIntents.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    // The next request is answered normally.
    await expect(impatient.paymentIntents.list()).resolves.toMatchObject({ object: 'list' });
  });

  it('when latency is injected, then requests take at least that long', async () => {
    await addFault({ provider: 'stripe', latencyMs: 150 });
    const started = Date.now();
    await stripe.paymentIntents.list();
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
  });

  it('when a fault targets one endpoint by regular expression, then other endpoints are untouched', async () => {
    await addFault({ provider: 'stripe', endpoint: '^/v1/refunds', status: 500 });
    const pi = await stripe.paymentIntents.create(
      { amount: 500, currency: 'eur', payment_method: 'pm_card_visa', confirm: true },
      { idempotencyKey: key() },
    );
    await expect(
      stripe.refunds.create({ payment_intent: pi.id }, { idempotencyKey: key() }),
    ).rejects.toBeInstanceOf(Stripe.errors.StripeAPIError);
    const cleared = await fetch(`${sandbox.url}/__sandbox/faults`, { method: 'DELETE' });
    expect(cleared.status).toBe(200);
    await expect(
      stripe.refunds.create({ payment_intent: pi.id }, { idempotencyKey: key() }),
    ).resolves.toMatchObject({ status: 'succeeded' });
  });

  it('when Twilio answers 503 or an injected 429, then the SDK throws RestException with that status', async () => {
    const client = twilioClient({
      accountSid: sandbox.secrets.twilioAccountSid,
      authToken: sandbox.secrets.twilioAuthToken,
      baseUrl: sandbox.url,
    });
    await addFault({ provider: 'twilio', status: 503, count: 1 });
    const unavailable = await client.messages
      .create({ to: '+15551234567', from: '+15005550006', body: 'x' })
      .catch((e: unknown) => e);
    expect(unavailable).toBeInstanceOf(twilio.RestException);
    expect(unavailable).toMatchObject({ status: 503 });
    await addFault({ provider: 'twilio', rate429: 1, count: 1 });
    await expect(
      client.messages.create({ to: '+15551234567', from: '+15005550006', body: 'x' }),
    ).rejects.toMatchObject({ status: 429, code: 20429 });
  });

  it('when SendGrid answers an injected 429, then the error carries X-RateLimit headers', async () => {
    const mail: MailService = sendgridMail({ apiKey: sandbox.secrets.sendgridApiKey, baseUrl: sandbox.url });
    await addFault({ provider: 'sendgrid', rate429: 1, count: 1 });
    const err = (await mail
      .send({ to: 'fan@example.com', from: 'tickets@matchday.test', subject: 's', text: 't' })
      .catch((e: unknown) => e)) as {
      code: number;
      response: { headers: Record<string, string>; body: unknown };
    };
    expect(err.code).toBe(429);
    expect(err.response.headers['x-ratelimit-remaining']).toBe('0');
    expect(Number(err.response.headers['x-ratelimit-reset'])).toBeGreaterThan(Date.now() / 1000 - 1);
    expect(err.response.body).toEqual({
      errors: [{ field: null, message: 'too many requests', help: null }],
    });
  });

  describe('FCM', () => {
    let messaging: Messaging;
    beforeAll(() => {
      messaging = fcmMessaging({ projectId: sandbox.secrets.fcmProjectId, baseUrl: sandbox.url });
    });
    afterAll(() => deleteApp(messaging.app));

    it('when FCM answers 503 once, then firebase-admin retries and the message is sent', async () => {
      await addFault({ provider: 'fcm', status: 503, count: 1 });
      const result = await messaging.sendEach([{ token: 'device-a', notification: { title: 't' } }]);
      expect(result.successCount).toBe(1);
      expect(sandbox.state.stats.fcm.byStatus).toMatchObject({ '503': 1, '200': 1 });
    });

    it('when FCM keeps answering 500, then the message fails with messaging/internal-error', async () => {
      await addFault({ provider: 'fcm', status: 500, count: 1 });
      const result = await messaging.sendEach([{ token: 'device-a', notification: { title: 't' } }]);
      expect(result.responses[0]!.error?.code).toBe('messaging/internal-error');
    });

    it('when FCM answers an injected 429, then the message fails with messaging/message-rate-exceeded', async () => {
      await addFault({ provider: 'fcm', rate429: 1, count: 1 });
      const result = await messaging.sendEach([{ token: 'device-a', notification: { title: 't' } }]);
      expect(result.responses[0]!.error?.code).toBe('messaging/message-rate-exceeded');
    });
  });
});

describe('webhook faults', () => {
  const payAndWait = async (count: number): Promise<void> => {
    await stripe.paymentIntents.create(
      { amount: 100, currency: 'eur', payment_method: 'pm_card_visa', confirm: true },
      { idempotencyKey: key() },
    );
    await receiver.waitFor((r) => r.length >= count);
  };

  it('when duplicates are injected, then every event is delivered twice and both copies verify', async () => {
    await addFault({ provider: 'stripe', webhooks: { duplicateRate: 1 } });
    await payAndWait(6);
    const ids = eventIds();
    expect(new Set(ids).size).toBe(3);
    for (const id of new Set(ids)) expect(ids.filter((x) => x === id)).toHaveLength(2);
    for (const h of receiver.received) {
      expect(() =>
        stripe.webhooks.constructEvent(
          h.body,
          h.headers['stripe-signature'] as string,
          sandbox.secrets.stripeWebhookSecret,
        ),
      ).not.toThrow();
    }
    expect(sandbox.state.webhooks.deliveries.filter((d) => d.duplicate)).toHaveLength(3);
  });

  it('when first attempts are dropped, then the provider retries and the events still arrive', async () => {
    await addFault({ provider: 'stripe', webhooks: { dropRate: 1 } });
    await payAndWait(3);
    await until(() => sandbox.state.webhooks.deliveries.every((d) => d.status === 'delivered'));
    for (const d of sandbox.state.webhooks.deliveries)
      expect(d.attempts.map((a) => a.outcome)).toEqual(['dropped', 'delivered']);
  });

  it('when reordering is injected, then events arrive newest first', async () => {
    await addFault({ provider: 'stripe', webhooks: { reorder: true, delayMs: 30 } });
    await payAndWait(3);
    expect(eventTypes()).toEqual(['payment_intent.succeeded', 'charge.succeeded', 'payment_intent.created']);
  });

  it('when delivery is delayed, then nothing arrives before the delay', async () => {
    await addFault({ provider: 'stripe', webhooks: { delayMs: 200 } });
    const started = Date.now();
    await payAndWait(3);
    expect(Math.min(...receiver.received.map((h) => h.at)) - started).toBeGreaterThanOrEqual(190);
  });

  it('when the receiver hangs past the delivery timeout, then the attempt counts as failed and is retried', async () => {
    const slow = await startSandbox({
      webhookTargets: { stripe: `${receiver.url}/slow` },
      webhookRetry: { timeoutMs: 100, initialDelayMs: 20 },
    });
    try {
      let first = true;
      receiver.respond = () => (first ? ((first = false), 'hang') : 200);
      const client = stripeClient({ apiKey: slow.secrets.stripeApiKey, baseUrl: slow.url });
      await client.paymentIntents.create({ amount: 100, currency: 'eur' }, { idempotencyKey: key() });
      await until(() => slow.state.webhooks.deliveries[0]?.status === 'delivered');
      expect(slow.state.webhooks.deliveries[0]!.attempts.map((a) => a.outcome)).toEqual([
        'timeout',
        'delivered',
      ]);
    } finally {
      await slow.close();
    }
  });

  it('when the receiver never accepts, then the delivery is marked failed after the last attempt', async () => {
    const stubborn = await startSandbox({
      webhookTargets: { stripe: `${receiver.url}/down` },
      webhookRetry: { maxAttempts: 3, initialDelayMs: 10 },
    });
    try {
      receiver.respond = () => 500;
      const client = stripeClient({ apiKey: stubborn.secrets.stripeApiKey, baseUrl: stubborn.url });
      await client.paymentIntents.create({ amount: 100, currency: 'eur' }, { idempotencyKey: key() });
      await until(() => stubborn.state.webhooks.deliveries[0]?.status === 'failed');
      const [delivery] = stubborn.state.webhooks.deliveries;
      expect(delivery!.attempts.map((a) => a.status)).toEqual([500, 500, 500]);
      expect(receiver.received).toHaveLength(3);
    } finally {
      await stubborn.close();
    }
  });

  it('when a delivery failed, then a flush through the control API retries it at once', async () => {
    receiver.respond = () => 503;
    await stripe.paymentIntents.create({ amount: 100, currency: 'eur' }, { idempotencyKey: key() });
    await until(() => (sandbox.state.webhooks.deliveries[0]?.attempts.length ?? 0) >= 1);
    receiver.respond = () => 200;
    const res = await fetch(`${sandbox.url}/__sandbox/webhooks/flush`, { method: 'POST' });
    expect(await res.json()).toMatchObject({ attempted: 1, delivered: 1, pending: 0 });
    expect(sandbox.state.webhooks.deliveries[0]!.status).toBe('delivered');
  });
});
