import { randomUUID } from 'node:crypto';
import type { MatchdayEvent } from '@matchday/contracts';
import { metricsText } from '@matchday/observability';
import { startSandbox, stripeClient, type Sandbox } from '@matchday/provider-sandbox';
import {
  closeTestKafka,
  deleteTopics,
  eventually,
  isolation,
  probe,
  publishEvent,
  publishRaw,
  serviceDb,
  setupTopics,
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

const iso = isolation();
let sdb: ServiceDb;
let svc: ReconciliationService;
let sandbox: Sandbox;
let stripe: Stripe;
let events: EventProbe;

const admin = { 'x-user-roles': 'admin', 'x-user-id': 'ops-1' };
const support = { 'x-user-roles': 'support', 'x-user-id': 'support-1' };
const uid = (p: string) => `${p}-${randomUUID().slice(0, 8)}`;
const prefix = () => iso.topicPrefix;

// ---- the other services, played by the test: booking's and payment's events, Stripe through the SDK ----

async function bookingCreated(bookingId: string, amount = 5000, currency = 'EUR') {
  await publishEvent(
    prefix(),
    'booking.created.v1',
    {
      bookingId,
      matchId: 'm-recon',
      userId: `u-${bookingId}`,
      holdId: uid('h'),
      quantity: 1,
      unitPrice: amount,
      amount,
      currency,
      paymentDeadline: new Date(Date.now() + 900_000).toISOString(),
      payers: [{ payerId: `p-${bookingId}`, amount, currency }],
    },
    { subject: bookingId, source: 'booking' },
  );
}

const bookingConfirmed = (bookingId: string, amount = 5000, currency = 'EUR') =>
  publishEvent(prefix(), 'booking.confirmed.v1', { bookingId, matchId: 'm-recon', userId: `u-${bookingId}`, quantity: 1, amount, currency }, { subject: bookingId, source: 'booking' });

const paymentCaptured = (bookingId: string, intentId: string, amount: number, currency: string, bookingCaptured: number, bookingCurrency = 'EUR') =>
  publishEvent(
    prefix(),
    'payment.captured.v1',
    {
      bookingId,
      paymentId: `pay-${intentId}`,
      payerId: `p-${bookingId}`,
      intentId,
      amount,
      currency,
      bookingCaptured,
      bookingAmount: 5000,
      bookingCurrency,
    },
    { subject: bookingId, source: 'payment' },
  );

/** Payment declared the booking paid (its captured sum reached the amount). */
const paymentSucceeded = (bookingId: string, amount = 5000, currency = 'EUR') =>
  publishEvent(prefix(), 'payment.succeeded.v1', { bookingId, amount, currency, paymentIds: [`pay-${bookingId}`] }, { subject: bookingId, source: 'payment' });

/** A real charge at the provider: an automatically captured payment intent, as payment would create it. */
async function charge(opts: { bookingId?: string; payerId?: string; amount?: number; currency?: string; capture?: boolean }) {
  const pi = await stripe.paymentIntents.create(
    {
      amount: opts.amount ?? 5000,
      currency: (opts.currency ?? 'EUR').toLowerCase(),
      confirm: true,
      payment_method: 'pm_card_visa',
      capture_method: opts.capture === false ? 'manual' : 'automatic',
      metadata: {
        ...(opts.bookingId && { booking_id: opts.bookingId }),
        ...(opts.payerId && { payer_id: opts.payerId }),
      },
    },
    { idempotencyKey: uid('idem') },
  );
  return pi.id;
}

const state = async (bookingId: string) => (await sdb.db('bookings').where({ booking_id: bookingId }).first<{ state: string } | undefined>('state'))?.state;

async function runNow(): Promise<RunReport> {
  const res = await request(svc.app).post('/v1/admin/reconciliation/runs?wait=true').set(admin).expect(201);
  return res.body as RunReport;
}

const openedKinds = (r: RunReport) => r.opened.map((f) => `${f.kind}:${f.bookingId ?? f.intentId}`).sort();

beforeAll(async () => {
  const infra = await testInfra();
  await setupTopics(iso.topicPrefix, ['reconciliation']);
  sandbox = await startSandbox({ port: 0 });
  stripe = stripeClient({ apiKey: sandbox.secrets.stripeApiKey, baseUrl: sandbox.url });
  const schema = iso.schema('reconciliation');
  sdb = await serviceDb('reconciliation', schema, { migrations: migrations(schema) });
  const config = loadReconciliationConfig({
    DATABASE_URL: sdb.url,
    DB_SCHEMA: schema,
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    TOPIC_PREFIX: iso.topicPrefix,
    STRIPE_API_KEY: sandbox.secrets.stripeApiKey,
    STRIPE_API_BASE: sandbox.url,
    STRIPE_TIMEOUT_MS: '3000',
    RECON_INTERVAL_SECONDS: '0',
    RECON_GRACE_SECONDS: '0',
    RECON_LOOKBACK_HOURS: '1',
    RECON_PAGE_SIZE: '3',
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

describe('finding every kind of mismatch and healing the safe ones', () => {
  const b = {
    ok: uid('b-ok'),
    paidNotConfirmed: uid('b-pnc'),
    confirmedNotPaid: uid('b-cnp'),
    amount: uid('b-amt'),
    currency: uid('b-cur'),
    refund: uid('b-ref'),
    double: uid('b-dbl'),
  };
  const intents: Record<string, string> = {};
  let first: RunReport;

  it('when each mismatch is created deliberately (sandbox charges, dropped and duplicated events), then one run finds each of them', async () => {
    // A booking whose books balance: never a finding.
    await bookingCreated(b.ok);
    intents.ok = await charge({ bookingId: b.ok, payerId: `p-${b.ok}` });
    await paymentCaptured(b.ok, intents.ok, 5000, 'EUR', 5000);
    await bookingConfirmed(b.ok);

    // Paid at the provider and payment reported it paid; payment.captured and the confirmation were lost.
    await bookingCreated(b.paidNotConfirmed);
    intents.paidNotConfirmed = await charge({ bookingId: b.paidNotConfirmed, payerId: `p-${b.paidNotConfirmed}` });
    await paymentSucceeded(b.paidNotConfirmed);

    // Confirmed, but the provider only ever authorised the card.
    await bookingCreated(b.confirmedNotPaid);
    intents.confirmedNotPaid = await charge({ bookingId: b.confirmedNotPaid, capture: false });
    await bookingConfirmed(b.confirmedNotPaid);

    // Confirmed for 50.00, the provider captured 40.00.
    await bookingCreated(b.amount);
    intents.amount = await charge({ bookingId: b.amount, amount: 4000 });
    await paymentCaptured(b.amount, intents.amount, 4000, 'EUR', 4000);
    await bookingConfirmed(b.amount);

    // Payment recorded EUR, the provider charged USD.
    await bookingCreated(b.currency);
    intents.currency = await charge({ bookingId: b.currency, currency: 'USD' });
    await paymentCaptured(b.currency, intents.currency, 5000, 'EUR', 5000);
    await bookingConfirmed(b.currency);

    // Cancelled with a full refund owed; payment's refund never happened (its event dropped).
    await bookingCreated(b.refund);
    intents.refund = await charge({ bookingId: b.refund, payerId: `p-${b.refund}` });
    await paymentCaptured(b.refund, intents.refund, 5000, 'EUR', 5000);
    await bookingConfirmed(b.refund);
    await publishEvent(
      prefix(),
      'booking.cancelled.v1',
      { bookingId: b.refund, matchId: 'm-recon', userId: `u-${b.refund}`, quantity: 1, reason: 'fan_cancelled', refundAmount: 5000, currency: 'EUR' },
      { subject: b.refund, source: 'booking' },
    );

    // A charge no booking knows about.
    intents.orphan = await charge({ amount: 3000 });

    // The same payer charged twice (a retried payment with a new idempotency key; its capture event duplicated).
    await bookingCreated(b.double);
    intents.double1 = await charge({ bookingId: b.double, payerId: `p-${b.double}` });
    intents.double2 = await charge({ bookingId: b.double, payerId: `p-${b.double}` });
    await paymentCaptured(b.double, intents.double1, 5000, 'EUR', 5000);
    await paymentCaptured(b.double, intents.double2, 5000, 'EUR', 10000);
    await bookingConfirmed(b.double);

    await eventually(
      async () =>
        (await state(b.ok)) === 'CONFIRMED' &&
        (await state(b.paidNotConfirmed)) === 'PENDING_PAYMENT' &&
        (await state(b.confirmedNotPaid)) === 'CONFIRMED' &&
        (await state(b.amount)) === 'CONFIRMED' &&
        (await state(b.currency)) === 'CONFIRMED' &&
        (await state(b.refund)) === 'CANCELLED' &&
        (await state(b.double)) === 'CONFIRMED' &&
        (await sdb.db('payment_outcomes').where({ booking_id: b.paidNotConfirmed }).first('succeeded_amount')) !== undefined,
      { what: 'projections caught up', timeoutMs: 30_000 },
    );

    first = await runNow();
    expect(openedKinds(first)).toEqual(
      [
        `paid_not_confirmed:${b.paidNotConfirmed}`,
        `confirmed_not_paid:${b.confirmedNotPaid}`,
        `amount_mismatch:${b.amount}`,
        `currency_mismatch:${b.currency}`,
        `refund_missing:${b.refund}`,
        `charge_without_booking:${intents.orphan}`,
        `double_charge:${b.double}`,
      ].sort(),
    );
    expect(first.scanned).toMatchObject({ providerIntents: 9, balanceTransactions: 8 });
    expect(first.scanned.providerPages).toBeGreaterThan(4);
    expect(first.opened.find((f) => f.kind === 'double_charge')).toMatchObject({ intentId: intents.double2, amount: 5000 });
    expect(first.opened.find((f) => f.kind === 'amount_mismatch')).toMatchObject({ amount: 1000, currency: 'EUR' });
    expect(first.opened.find((f) => f.kind === 'currency_mismatch')).toMatchObject({ intentId: intents.currency, currency: 'USD' });
    expect([...first.amountAtRisk].sort((x, y) => x.currency.localeCompare(y.currency))).toEqual([
      { currency: 'EUR', amount: 5000 + 5000 + 1000 + 5000 + 3000 + 5000 },
      { currency: 'USD', amount: 5000 },
    ]);

    // Safe kinds asked payment and booking to heal them; the others wait for a person.
    const refunds = await events.waitForCount((e) => e.type === 'reconciliation.refund.requested.v1', 3);
    expect(refunds.map((e) => (e as MatchdayEvent<'reconciliation.refund.requested.v1'>).data).map((d) => `${d.reason}:${d.intentId}:${d.amount}${d.currency}`).sort()).toEqual(
      [`refund_missing:${intents.refund}:5000EUR`, `charge_without_booking:${intents.orphan}:3000EUR`, `double_charge:${intents.double2}:5000EUR`].sort(),
    );
    const reconfirm = await events.waitFor('reconciliation.reconfirm.requested.v1');
    expect(reconfirm.data).toMatchObject({ bookingId: b.paidNotConfirmed, reason: 'paid_not_confirmed' });
    expect(reconfirm.subject).toBe(b.paidNotConfirmed);
    await events.waitForCount((e) => e.type === 'finding.opened.v1', 7);
  });

  it('when payment and booking carry out the requests, then the next run resolves those findings and finds nothing new', async () => {
    // Payment's part: refund each requested intent at the provider (idempotency key per finding).
    for (const e of events.events.filter((x): x is MatchdayEvent<'reconciliation.refund.requested.v1'> => x.type === 'reconciliation.refund.requested.v1')) {
      await stripe.refunds.create({ payment_intent: e.data.intentId, amount: e.data.amount }, { idempotencyKey: `reconciliation:${e.data.findingId}` });
    }
    // Booking's part: confirm the paid booking.
    await bookingConfirmed(b.paidNotConfirmed);
    await eventually(async () => (await state(b.paidNotConfirmed)) === 'CONFIRMED', { what: 'reconfirmation projected' });

    const second = await runNow();
    expect(second.summary).toMatchObject({ opened: 0, resolved: 4, stillOpen: 3 });
    expect(second.resolved.map((f) => f.kind).sort()).toEqual(['charge_without_booking', 'double_charge', 'paid_not_confirmed', 'refund_missing']);
    expect(second.resolved.every((f) => f.resolution?.startsWith('healed after'))).toBe(true);
    expect(second.stillOpen.map((f) => f.kind).sort()).toEqual(['amount_mismatch', 'confirmed_not_paid', 'currency_mismatch']);
    await events.waitForCount((e) => e.type === 'finding.resolved.v1', 4);

    // Idempotent: running again changes nothing and asks for nothing again.
    const third = await runNow();
    expect(third.summary).toMatchObject({ opened: 0, resolved: 0, stillOpen: 3, openTotal: 3 });
    expect(events.events.filter((e) => e.type === 'reconciliation.refund.requested.v1')).toHaveLength(3);
    expect(events.events.filter((e) => e.type === 'finding.opened.v1')).toHaveLength(7);

    const open = await request(svc.app).get('/v1/admin/reconciliation/findings?status=open').set(support).expect(200);
    expect(open.body.findings).toHaveLength(3);
    // Page by page with the cursor: every finding once.
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await request(svc.app)
        .get(`/v1/admin/reconciliation/findings?status=all&limit=3${cursor ? `&cursor=${cursor}` : ''}`)
        .set(admin)
        .expect(200);
      seen.push(...page.body.findings.map((f: { id: string }) => f.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
    await request(svc.app).get('/v1/admin/reconciliation/findings?cursor=bm9wZQ').set(admin).expect(400);
    const metrics = await metricsText();
    expect(metrics).toContain('reconciliation_findings_open{kind="confirmed_not_paid"} 1');
    expect(metrics).toContain('reconciliation_findings_open{kind="double_charge"} 0');
    expect(metrics).toMatch(/reconciliation_findings_total\{kind="double_charge"\} 1/);
    expect(metrics).toContain('reconciliation_amount_at_risk{currency="EUR"} 6000');
    expect(metrics).toContain('reconciliation_amount_at_risk{currency="USD"} 5000');
  });

  it('when a person resolves a finding, then it is closed with an audit trail and later runs do not reopen the same mismatch', async () => {
    const finding = first.opened.find((f) => f.kind === 'amount_mismatch')!;
    const resolved = await request(svc.app)
      .post(`/v1/admin/reconciliation/findings/${finding.id}/resolve`)
      .set(admin)
      .send({ resolution: 'accepted', note: 'goodwill discount agreed with the fan' })
      .expect(200);
    expect(resolved.body).toMatchObject({ status: 'resolved', resolution: 'accepted', resolvedBy: 'user:ops-1' });
    const event = await events.waitFor('finding.resolved.v1', (e) => e.data.findingId === finding.id);
    expect(event.data).toMatchObject({ resolution: 'accepted', bookingId: b.amount });

    const again = await request(svc.app).post(`/v1/admin/reconciliation/findings/${finding.id}/resolve`).set(admin).send({ resolution: 'x' }).expect(409);
    expect(again.body.code).toBe('FINDING_ALREADY_RESOLVED');
    const detail = await request(svc.app).get(`/v1/admin/reconciliation/findings/${finding.id}`).set(admin).expect(200);
    expect(detail.body.audit.map((a: { action: string; actor: string }) => `${a.action}:${a.actor}`)).toEqual([
      'opened:system:reconciliation',
      'resolved:user:ops-1',
    ]);

    const next = await runNow();
    expect(next.summary).toMatchObject({ opened: 0, acknowledged: 1, stillOpen: 2 });
  });

  it('when a run is read back, then its report is served as JSON and as a readable HTML summary', async () => {
    const list = await request(svc.app).get('/v1/admin/reconciliation/runs').set(admin).expect(200);
    expect(list.body.runs.length).toBeGreaterThanOrEqual(4);
    expect(list.body.runs.at(-1)).toMatchObject({ id: first.id, status: 'completed', summary: { opened: 7 } });

    const json = await request(svc.app).get(`/v1/admin/reconciliation/runs/${first.id}`).set(admin).expect(200);
    expect(json.body.byKind.double_charge).toEqual({ opened: 1, stillOpen: 0, resolved: 0 });
    const html = await request(svc.app).get(`/v1/admin/reconciliation/runs/${first.id}/report.html`).set(admin).expect(200);
    expect(html.headers['content-type']).toMatch(/text\/html/);
    expect(html.text).toContain('7 new, 0 still open, 0 resolved in this run');
    expect(html.text).toContain('confirmed_not_paid');
    expect(html.text).toContain(intents.orphan);
    await request(svc.app).get(`/v1/admin/reconciliation/runs/${randomUUID()}`).set(admin).expect(404);
    await request(svc.app).post('/v1/admin/reconciliation/runs').set(support).expect(403);
  });
});

describe('running safely', () => {
  it('when a run is in progress, then another is refused with 409 naming it, and the first completes', async () => {
    sandbox.addFault({ provider: 'stripe', endpoint: '/v1/payment_intents', method: 'GET', latencyMs: 1500, count: 1 });
    const started = await request(svc.app).post('/v1/admin/reconciliation/runs').set(admin).expect(202);
    const refused = await request(svc.app).post('/v1/admin/reconciliation/runs').set(admin).expect(409);
    expect(refused.body).toMatchObject({ code: 'RUN_IN_PROGRESS', details: { runningRunId: started.body.id } });
    await expect(svc.runScheduled()).rejects.toMatchObject({ code: 'RUN_IN_PROGRESS' });
    await eventually(async () => (await request(svc.app).get(`/v1/admin/reconciliation/runs/${started.body.id}`).set(admin)).body.status === 'completed', {
      what: 'first run completed',
    });
    sandbox.clearFaults();
  });

  it('when a poisoned event arrives, then it reaches the dead-letter topic and the projections carry on', async () => {
    const bookingId = uid('b-poison');
    await publishRaw(`${iso.topicPrefix}payment.events`, {
      key: bookingId,
      value: JSON.stringify({ bookingId, amount: 'a lot' }),
      headers: { ce_id: uid('evt'), ce_type: 'payment.captured.v1', ce_source: 'payment', ce_specversion: '1.0' },
    });
    const after = uid('b-after');
    await bookingCreated(after);
    await eventually(async () => (await state(after)) === 'PENDING_PAYMENT', { what: 'later event projected' });
    await eventually(
      async () => {
        const res = await request(svc.app).get('/v1/admin/dlq').set(admin).expect(200);
        return res.body.deadLetters.some((d: { key: string }) => d.key === bookingId);
      },
      { what: 'dead letter listed', intervalMs: 500 },
    );
  });

  it('when a run was left running by a dead process, then the next run marks it failed and goes ahead', async () => {
    const dead = randomUUID();
    await sdb.db('runs').insert({
      id: dead,
      trigger: 'scheduled',
      requested_by: 'system:scheduler',
      status: 'running',
      started_at: new Date(Date.now() - 3 * 3600_000),
      window_from: new Date(Date.now() - 4 * 3600_000),
    });
    await runNow();
    const abandoned = await request(svc.app).get(`/v1/admin/reconciliation/runs/${dead}`).set(admin).expect(200);
    expect(abandoned.body).toMatchObject({ status: 'failed', error: expect.stringMatching(/abandoned/) });
  });

  it('when an event names a booking the projection never saw, then it is counted and logged as a gap, not applied', async () => {
    const ghost = uid('b-ghost');
    await publishEvent(prefix(), 'booking.expired.v1', { bookingId: ghost, matchId: 'm-recon', userId: 'u-ghost', quantity: 1, reason: 'payment_window' }, { subject: ghost });
    await eventually(async () => /reconciliation_projection_gaps_total\{event_type="booking.expired.v1"\} [1-9]/.test(await metricsText()), { what: 'gap counted' });
    expect(await state(ghost)).toBeUndefined();
  });

  it('when Stripe keeps failing, then runs fail without touching findings, and the breaker opens', async () => {
    const before = (await request(svc.app).get('/v1/admin/reconciliation/findings?status=all&limit=1000').set(admin)).body.findings;
    sandbox.addFault({ provider: 'stripe', endpoint: '/v1/', errorRate: 1, status: 500 });
    try {
      const failed = await request(svc.app).post('/v1/admin/reconciliation/runs?wait=true').set(admin).expect(502);
      expect(failed.body).toMatchObject({ code: 'RUN_FAILED', run: { status: 'failed' } });
      expect(failed.body.run.error).toMatch(/Stripe|500|error/i);
      // Earlier successes are still in the breaker's rolling window: it opens once failures dominate.
      const breakerState = async () =>
        ((await request(svc.app).get('/v1/admin/breakers').set(admin).expect(200)).body.breakers as Array<{ name: string; state: string }>).find(
          (x) => x.name === 'stripe.reconciliation',
        )?.state;
      for (let i = 0; i < 6 && (await breakerState()) !== 'open'; i++) {
        await request(svc.app).post('/v1/admin/reconciliation/runs?wait=true').set(admin).expect(502);
      }
      expect(await breakerState()).toBe('open');
      const started = Date.now();
      const fast = await request(svc.app).post('/v1/admin/reconciliation/runs?wait=true').set(admin).expect(502);
      expect(fast.body.run.error).toMatch(/open/i);
      expect(Date.now() - started).toBeLessThan(1000);
      const metrics = await metricsText();
      expect(metrics).toMatch(/reconciliation_runs_total\{outcome="error"\} [2-9]/);
      expect(metrics).toContain('circuit_breaker_state{breaker="stripe.reconciliation"} 2');
    } finally {
      sandbox.clearFaults();
    }
    const after = (await request(svc.app).get('/v1/admin/reconciliation/findings?status=all&limit=1000').set(admin)).body.findings;
    expect(after).toEqual(before);
  });
});
