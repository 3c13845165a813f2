import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventData, MatchdayEvent } from '@matchday/contracts';
import { metricsText } from '@matchday/observability';
import { startSandbox, stripeClient, type Sandbox } from '@matchday/provider-sandbox';
import {
  closeTestKafka,
  deleteTopics,
  eventually,
  isolation,
  probe,
  publishEvent,
  serviceDb,
  setupTopics,
  testInfra,
  type EventProbe,
  type ServiceDb,
} from '@matchday/testkit';
import type Stripe from 'stripe';
import request from 'supertest';
import { TableRateSource } from '../src/adapters/fx-rates';
import { configSchema } from '../src/config';
import { migrations } from '../src/db/migrations';
import { buildService, type PaymentService } from '../src/service';

export const admin = { 'x-user-id': 'ops-1', 'x-user-roles': 'admin' };
export const fan = (userId: string) => ({ 'x-user-id': userId, 'x-user-roles': 'fan' });

/** A Stripe webhook as the sandbox delivered it (before webhook-ingest's envelope). */
export interface StripeWebhook {
  id: string;
  type: string;
  created: number;
  data: { object: Record<string, unknown> };
}

/**
 * Stands in for webhook-ingest: receives the sandbox's Stripe webhooks and publishes them as
 * stripe.event.v1 on provider.webhooks, keyed by the payment intent (as webhook-ingest does).
 * With `hold`, webhooks are kept instead, for a test to deliver in its own order.
 */
export interface WebhookRelay {
  url: string;
  hold: boolean;
  held: StripeWebhook[];
  publish(webhook: StripeWebhook): Promise<MatchdayEvent>;
  close(): Promise<void>;
}

export function intentOf(object: Record<string, unknown>): string | null {
  if (object.object === 'payment_intent') return String(object.id);
  return typeof object.payment_intent === 'string' ? object.payment_intent : null;
}

async function startRelay(prefix: string): Promise<WebhookRelay> {
  const publish = (w: StripeWebhook) => {
    const pi = intentOf(w.data.object);
    return publishEvent(
      prefix,
      'stripe.event.v1',
      { webhookId: randomUUID(), receivedAt: new Date().toISOString(), eventId: w.id, eventType: w.type, paymentIntentId: pi, created: w.created, object: w.data.object },
      { subject: pi ?? String(w.data.object.id), source: 'webhook-ingest' },
    );
  };
  const relay: WebhookRelay = {
    url: '',
    hold: false,
    held: [],
    publish,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const webhook = JSON.parse(Buffer.concat(chunks).toString('utf8')) as StripeWebhook;
      const done = relay.hold ? Promise.resolve(relay.held.push(webhook)) : publish(webhook);
      done.then(
        () => res.writeHead(200).end(),
        () => res.writeHead(503).end(),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  relay.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/stripe`;
  return relay;
}

export interface Harness {
  prefix: string;
  service: PaymentService;
  sandbox: Sandbox;
  stripe: Stripe;
  relay: WebhookRelay;
  rates: TableRateSource;
  events: EventProbe;
  sdb: ServiceDb;
  /** Publishes booking.created for a new booking (amounts in EUR minor units by default). */
  createBooking(input: { amount?: number; currency?: string; payers?: EventData<'booking.created.v1'>['payers']; userId?: string; paymentMethod?: string }): Promise<{ bookingId: string; userId: string; amount: number }>;
  fraud(bookingId: string, decision: 'allow' | 'review' | 'block', userId?: string): Promise<void>;
  publish<T extends Parameters<typeof publishEvent>[1]>(type: T, data: EventData<T>, subject: string): Promise<MatchdayEvent<T>>;
  picture(bookingId: string): Promise<MoneyPicture>;
  paymentsOf(bookingId: string): Promise<PaymentView[]>;
  waitFor<T extends Parameters<EventProbe['waitFor']>[0]>(type: T, bookingId: string, match?: (e: MatchdayEvent<T>) => boolean, timeoutMs?: number): Promise<MatchdayEvent<T>>;
  ofBooking(bookingId: string, type?: string): MatchdayEvent[];
  /** The sandbox's intents for a booking (by metadata). */
  intents(bookingId: string): Array<{ id: string; status: string; amount: number; currency: string; captured: number; refunded: number }>;
  metrics(): Promise<string>;
  close(): Promise<void>;
}

export interface PaymentViewLike {
  paymentId: string;
  status: string;
  state: string;
  amount: number;
  currency: string;
  intentId: string | null;
  payerId: string;
  captured: number;
  refunded: number;
  reversed: number;
  failureReason: string | null;
  replacedBy: string | null;
  purpose: string;
  modificationId: string | null;
}
export type PaymentView = PaymentViewLike;

export interface MoneyPicture {
  money: { amount: number; currency: string; captured: number; refunded: number; reversed: number; net: number; refundsPending: number };
  booking: { phase: string; closeReason: string | null; fraud: string };
  payments: PaymentView[];
  refunds: Array<{ refundId: string; status: string; amount: number; bookingAmount: number; reason: string }>;
  disputes: Array<{ disputeId: string; kind: string; status: string }>;
  jobs: Array<{ kind: string; status: string; attempts: number }>;
}

export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const iso = isolation();
  const infra = await testInfra();
  await setupTopics(iso.topicPrefix, ['payment']);
  const schema = iso.schema('payment');
  const sdb = await serviceDb('payment', schema, { migrations: migrations(schema), poolMax: 5 });
  const relay = await startRelay(iso.topicPrefix);
  const sandbox = await startSandbox({ webhookTargets: { stripe: relay.url } });
  const config = configSchema.parse({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
    DATABASE_URL: sdb.url,
    DB_SCHEMA: schema,
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    TOPIC_PREFIX: iso.topicPrefix,
    REDIS_URL: infra.redisUrl,
    REDIS_PREFIX: iso.redisPrefix,
    STRIPE_API_KEY: sandbox.secrets.stripeApiKey,
    STRIPE_API_BASE: sandbox.url,
    STRIPE_TIMEOUT_MS: '400',
    STRIPE_BREAKER_RESET_MS: '1000',
    JOB_POLL_MS: '50',
    JOB_RETRY_BASE_MS: '100',
    JOB_RETRY_MAX_MS: '800',
    CONSUMER_RETRY_DELAYS_MS: '100,200,300',
    CONSUMER_SESSION_TIMEOUT_MS: '6000',
    ...env,
  });
  const rates = new TableRateSource(config.FX_RATES);
  const service = buildService(config, { db: sdb.db, rates });
  await service.start();
  const events = await probe(iso.topicPrefix, ['payment.events']);
  const stripe = stripeClient({ apiKey: sandbox.secrets.stripeApiKey, baseUrl: sandbox.url });

  const h: Harness = {
    prefix: iso.topicPrefix,
    service,
    sandbox,
    stripe,
    relay,
    rates,
    events,
    sdb,
    async createBooking(input) {
      const bookingId = `b-${randomUUID()}`;
      const userId = input.userId ?? `u-${randomUUID().slice(0, 8)}`;
      const amount = input.amount ?? 9000;
      const currency = input.currency ?? 'EUR';
      const payers = input.payers ?? [
        { payerId: `${userId}-p`, userId, amount, currency, ...(input.paymentMethod ? { paymentMethod: input.paymentMethod } : {}) },
      ];
      await publishEvent(
        iso.topicPrefix,
        'booking.created.v1',
        {
          bookingId,
          matchId: 'm-1',
          userId,
          holdId: `h-${bookingId}`,
          quantity: 2,
          unitPrice: amount / 2,
          amount,
          currency,
          paymentDeadline: new Date(Date.now() + 15 * 60_000).toISOString(),
          payers,
        },
        { subject: bookingId, source: 'booking' },
      );
      return { bookingId, userId, amount };
    },
    async fraud(bookingId, decision, userId = 'u') {
      await publishEvent(
        iso.topicPrefix,
        'fraud.assessed.v1',
        { assessmentId: randomUUID(), bookingId, userId, decision, score: decision === 'allow' ? 5 : 90, reasons: [], rulesVersion: 1 },
        { subject: bookingId, source: 'fraud' },
      );
    },
    publish: (type, data, subject) => publishEvent(iso.topicPrefix, type, data, { subject, source: 'testkit' }),
    async picture(bookingId) {
      const res = await request(service.app).get(`/v1/admin/payments/${bookingId}`).set(admin);
      if (res.status !== 200) throw new Error(`money picture ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body as MoneyPicture;
    },
    async paymentsOf(bookingId) {
      const res = await request(service.app).get(`/v1/admin/payments?bookingId=${bookingId}`).set(admin);
      return (res.body as { payments: PaymentView[] }).payments;
    },
    waitFor: (type, bookingId, match, timeoutMs = 30_000) =>
      events.waitFor(type, (e) => e.subject === bookingId && (!match || match(e as never)), timeoutMs) as never,
    ofBooking: (bookingId, type) => events.events.filter((e) => e.subject === bookingId && (!type || e.type === type)),
    intents(bookingId) {
      return [...sandbox.state.stripe.paymentIntents.values()]
        .filter((pi) => pi.metadata.booking_id === bookingId)
        .map((pi) => {
          const ch = pi.latest_charge ? sandbox.state.stripe.charges.get(pi.latest_charge) : undefined;
          return { id: pi.id, status: pi.status, amount: pi.amount, currency: pi.currency, captured: ch?.amount_captured ?? 0, refunded: ch?.captured ? ch.amount_refunded : 0 };
        });
    },
    metrics: () => metricsText(),
    async close() {
      await events.stop();
      await service.stop();
      await sandbox.close();
      await relay.close();
      await sdb.destroy();
      await deleteTopics(iso.topicPrefix);
      await closeTestKafka();
    },
  };
  return h;
}

/** Captures per intent as the provider counts them (the "exactly one capture" check). */
export function capturesPerIntent(sandbox: Sandbox): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of sandbox.state.stripe.events.values()) {
    if (e.type !== 'charge.captured') continue;
    const pi = String((e.data.object as { payment_intent: string }).payment_intent);
    out.set(pi, (out.get(pi) ?? 0) + 1);
  }
  return out;
}

export { eventually };
