import { randomUUID } from 'node:crypto';
import type { EventData, EventType, MatchdayEvent } from '@matchday/contracts';
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
  sleep,
  testInfra,
  type EventProbe,
  type ServiceDb,
} from '@matchday/testkit';
import type Stripe from 'stripe';
import request from 'supertest';
import type { RunReport } from '../src/app/run-reconciliation.use-case';
import { loadReconciliationConfig } from '../src/config';
import { migrations } from '../src/db/migrations';
import { buildService, type ReconciliationService } from '../src/service';

/**
 * What payment said about a booking decides what reconciliation asks for: a booking payment declared
 * paid may be re-confirmed; one payment closed (its money goes back) never is. Booking's and
 * payment's events are played by the test, the provider is the sandbox through the Stripe SDK.
 */
const GRACE_SECONDS = 2;
const iso = isolation();
let sdb: ServiceDb;
let svc: ReconciliationService;
let sandbox: Sandbox;
let stripe: Stripe;
let events: EventProbe;

const admin = { 'x-user-roles': 'admin', 'x-user-id': 'ops-1' };
const uid = (p: string) => `${p}-${randomUUID().slice(0, 8)}`;
const send = <T extends EventType>(type: T, data: EventData<T>, bookingId: string, source: string) =>
  publishEvent(iso.topicPrefix, type, data, { subject: bookingId, source });
const ref = (bookingId: string) => ({ bookingId, matchId: 'm-race', userId: `u-${bookingId}` });

async function bookingCreated(bookingId: string, amount = 5000) {
  await send(
    'booking.created.v1',
    {
      ...ref(bookingId),
      holdId: uid('h'),
      quantity: 1,
      unitPrice: amount,
      amount,
      currency: 'EUR',
      paymentDeadline: new Date(Date.now() + 900_000).toISOString(),
      payers: [{ payerId: `p-${bookingId}`, amount, currency: 'EUR' }],
    },
    bookingId,
    'booking',
  );
}

/** Captured at the provider, and payment learned of it (payment.captured). */
async function capturedFor(bookingId: string, amount = 5000): Promise<string> {
  const pi = await stripe.paymentIntents.create(
    { amount, currency: 'eur', confirm: true, payment_method: 'pm_card_visa', metadata: { booking_id: bookingId, payer_id: `p-${bookingId}` } },
    { idempotencyKey: uid('idem') },
  );
  await send(
    'payment.captured.v1',
    { bookingId, paymentId: `pay-${bookingId}`, payerId: `p-${bookingId}`, intentId: pi.id, amount, currency: 'EUR', bookingCaptured: amount, bookingAmount: amount, bookingCurrency: 'EUR' },
    bookingId,
    'payment',
  );
  return pi.id;
}

const expired = (bookingId: string) => send('booking.expired.v1', { ...ref(bookingId), quantity: 1, reason: 'payment_window_closed' }, bookingId, 'booking');
const closedByPayment = (bookingId: string) => send('payment.closed.v1', { bookingId, reason: 'expired' }, bookingId, 'payment');
const declaredPaid = (bookingId: string, amount = 5000) =>
  send('payment.succeeded.v1', { bookingId, amount, currency: 'EUR', paymentIds: [`pay-${bookingId}`] }, bookingId, 'payment');

async function projected(bookingId: string, check: (row: { state: string; amount: string; succeeded_amount: string | null; closed_at: Date | null }) => boolean) {
  await eventually(
    async () => {
      const row = await sdb
        .db('bookings as b')
        .leftJoin('payment_outcomes as o', 'o.booking_id', 'b.booking_id')
        .where('b.booking_id', bookingId)
        .first('b.state', 'b.amount', 'o.succeeded_amount', 'o.closed_at');
      return row && check(row);
    },
    { what: `projection of ${bookingId}`, timeoutMs: 30_000 },
  );
}

async function runNow(): Promise<RunReport> {
  return (await request(svc.app).post('/v1/admin/reconciliation/runs?wait=true').set(admin).expect(201)).body as RunReport;
}

/** A run after everything so far is older than the grace period. */
async function runSettled(): Promise<RunReport> {
  await sleep((GRACE_SECONDS + 1.2) * 1000);
  return runNow();
}

const openedFor = (r: RunReport, bookingId: string) => r.opened.filter((f) => f.bookingId === bookingId).map((f) => f.kind);
const reconfirmsFor = (bookingId: string) =>
  events.events.filter((e) => e.type === 'reconciliation.reconfirm.requested.v1' && (e as MatchdayEvent<'reconciliation.reconfirm.requested.v1'>).data.bookingId === bookingId);

beforeAll(async () => {
  const infra = await testInfra();
  await setupTopics(iso.topicPrefix, ['reconciliation']);
  sandbox = await startSandbox({ port: 0 });
  stripe = stripeClient({ apiKey: sandbox.secrets.stripeApiKey, baseUrl: sandbox.url });
  const schema = iso.schema('reconciliation');
  sdb = await serviceDb('reconciliation', schema, { migrations: migrations(schema), poolMax: 3 });
  const config = loadReconciliationConfig({
    DATABASE_URL: sdb.url,
    DB_SCHEMA: schema,
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    TOPIC_PREFIX: iso.topicPrefix,
    STRIPE_API_KEY: sandbox.secrets.stripeApiKey,
    STRIPE_API_BASE: sandbox.url,
    STRIPE_TIMEOUT_MS: '3000',
    RECON_INTERVAL_SECONDS: '0',
    RECON_GRACE_SECONDS: String(GRACE_SECONDS),
    RECON_LOOKBACK_HOURS: '1',
    CONSUMER_RETRY_DELAYS_MS: '100,200,300',
    CONSUMER_SESSION_TIMEOUT_MS: '6000',
    LOG_LEVEL: 'warn',
  });
  svc = buildService(config, { db: sdb.db });
  events = await probe(iso.topicPrefix, ['reconciliation.events']);
  await svc.start();
});

afterAll(async () => {
  await events?.stop();
  await svc?.stop();
  await sandbox?.close();
  await sdb?.destroy();
  await deleteTopics(iso.topicPrefix);
  await closeTestKafka();
});

describe('a capture racing the payment window (payment closed the booking and gives the money back)', () => {
  it('when payment\'s refund of the late capture is on its way, then nothing is judged; once it lands, nothing is found and no re-confirmation was ever asked', async () => {
    const b = uid('b-race');
    await bookingCreated(b);
    const intent = await capturedFor(b);
    await expired(b);
    await closedByPayment(b);
    await projected(b, (r) => r.state === 'EXPIRED' && r.closed_at !== null);

    // The provider holds the full amount, the booking is EXPIRED: payment's refund is still on its way.
    const early = await runNow();
    expect(openedFor(early, b)).toEqual([]);
    expect(early.scanned.notJudgedYet).toBeGreaterThanOrEqual(1);

    await stripe.refunds.create({ payment_intent: intent }, { idempotencyKey: `late:${intent}` });
    await send(
      'payment.refunded.v1',
      { bookingId: b, paymentId: `pay-${b}`, refundId: uid('re'), amount: 5000, currency: 'EUR', reason: 'late_payment', bookingRefunded: 5000, bookingCurrency: 'EUR' },
      b,
      'payment',
    );
    const settled = await runSettled();
    expect(openedFor(settled, b)).toEqual([]);
    await sleep(300);
    expect(reconfirmsFor(b)).toEqual([]);
  });

  it('when the money of a booking payment closed stays at the provider past the grace period, then payment is asked to refund it (refund_missing), never booking to re-confirm it', async () => {
    const b = uid('b-unrefunded');
    await bookingCreated(b);
    const intent = await capturedFor(b);
    await expired(b);
    await closedByPayment(b);
    await projected(b, (r) => r.state === 'EXPIRED' && r.closed_at !== null);

    const report = await runSettled();
    expect(openedFor(report, b)).toEqual(['refund_missing']);
    expect(report.actions.filter((a) => a.bookingId === b)).toEqual([
      expect.objectContaining({ type: 'refund_requested', intentId: intent, amount: 5000, currency: 'EUR' }),
    ]);
    const refund = await events.waitFor('reconciliation.refund.requested.v1', (e) => e.data.bookingId === b);
    expect(refund.data).toMatchObject({ intentId: intent, amount: 5000, reason: 'refund_missing' });
    expect(reconfirmsFor(b)).toEqual([]);
  });

  it('when payment has not yet said what becomes of an expired booking\'s money, then it is left for a later run', async () => {
    const b = uid('b-undecided');
    await bookingCreated(b);
    await capturedFor(b);
    await expired(b);
    await projected(b, (r) => r.state === 'EXPIRED');

    const report = await runSettled();
    expect(openedFor(report, b)).toEqual([]);
    expect(report.scanned.notJudgedYet).toBeGreaterThanOrEqual(1);
    expect(reconfirmsFor(b)).toEqual([]);
  });
});

describe('a booking payment declared paid', () => {
  it('when booking expired it without seeing payment.succeeded, then booking is asked to re-confirm it', async () => {
    const b = uid('b-declared');
    await bookingCreated(b);
    await capturedFor(b);
    await declaredPaid(b);
    await expired(b);
    await projected(b, (r) => r.state === 'EXPIRED' && Number(r.succeeded_amount) === 5000);

    const report = await runSettled();
    expect(openedFor(report, b)).toEqual(['paid_not_confirmed']);
    const reconfirm = await events.waitFor('reconciliation.reconfirm.requested.v1', (e) => e.data.bookingId === b);
    expect(reconfirm.data).toMatchObject({ bookingId: b, reason: 'paid_not_confirmed' });
  });
});

describe('a change that waited for its extra payment and was dropped', () => {
  it('when booking drops it, then the booking\'s total goes back and its books balance again', async () => {
    const b = uid('b-mod');
    await bookingCreated(b);
    await capturedFor(b);
    await declaredPaid(b);
    await send('booking.confirmed.v1', { ...ref(b), quantity: 1, amount: 5000, currency: 'EUR' }, b, 'booking');
    const change = { modificationId: randomUUID(), kind: 'quantity' as const, fromMatchId: 'm-race', toMatchId: 'm-race', fromQuantity: 1, toQuantity: 2 };
    await send('booking.modified.v1', { ...ref(b), ...change, priceDelta: 5000, amount: 10000, currency: 'EUR' }, b, 'booking');
    await projected(b, (r) => Number(r.amount) === 10000);
    await send('modification.dropped.v1', { ...ref(b), modificationId: change.modificationId, status: 'EXPIRED', reason: 'payment_window_closed', amount: 5000, currency: 'EUR' }, b, 'booking');
    await projected(b, (r) => r.state === 'CONFIRMED' && Number(r.amount) === 5000);

    const report = await runSettled();
    expect(openedFor(report, b)).toEqual([]);
  });
});
