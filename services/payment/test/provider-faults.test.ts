import { randomUUID } from 'node:crypto';
import { sleep } from '@matchday/testkit';
import request from 'supertest';
import { admin, capturesPerIntent, eventually, intentOf, startHarness, type Harness, type StripeWebhook } from './harness';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ STRIPE_BREAKER_VOLUME: '4', STRIPE_BREAKER_RESET_MS: '800' });
});

afterAll(async () => {
  await h?.close();
});

/** Fisher–Yates with a fixed seed, so a failure can be replayed. */
function shuffle<T>(xs: T[], seed = 7): T[] {
  const out = [...xs];
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('Stripe failing', () => {
  it('when half of the Stripe calls fail with 500s and timeouts, then the breaker opens, payments are deferred, and all complete once it recovers with exactly one capture each', async () => {
    h.sandbox.addFault({ provider: 'stripe', endpoint: '/v1/payment_intents', errorRate: 0.5, status: 500 });
    h.sandbox.addFault({ provider: 'stripe', endpoint: '/v1/payment_intents', timeoutRate: 0.5 });
    const bookings = await Promise.all(Array.from({ length: 6 }, () => h.createBooking({ paymentMethod: 'pm_card_visa', amount: 7000 })));
    for (const b of bookings) await h.fraud(b.bookingId, 'allow');

    // The breaker opens under the failures; payments report that they are deferred.
    await eventually(async () => /circuit_breaker_events_total\{breaker="payment\.stripe",event="open"\} [1-9]/.test(await h.metrics()), {
      what: 'breaker opened',
      timeoutMs: 30_000,
    });
    const deferred = await h.events.waitFor('payment.deferred.v1', (e) => bookings.some((b) => b.bookingId === e.subject));
    expect(deferred.data.reason).toMatch(/^provider_(server_error|timeout|breaker_open)$/);
    const states = await request(h.service.app).get('/v1/admin/breakers').set(admin);
    expect(states.body.breakers[0].stats.failures + states.body.breakers[0].stats.timeouts).toBeGreaterThan(0);

    await sleep(1000);
    h.sandbox.clearFaults('stripe');
    for (const b of bookings) await h.waitFor('payment.succeeded.v1', b.bookingId, undefined, 60_000);

    const perIntent = capturesPerIntent(h.sandbox);
    for (const b of bookings) {
      const intents = h.intents(b.bookingId);
      // One intent per share however often creation was retried (same idempotency key), captured once.
      expect(intents).toHaveLength(1);
      expect(perIntent.get(intents[0]!.id)).toBe(1);
      expect(h.ofBooking(b.bookingId, 'payment.captured.v1')).toHaveLength(1);
      expect((await h.picture(b.bookingId)).money).toMatchObject({ captured: 7000, net: 7000 });
    }
    await eventually(async () => /circuit_breaker_state\{breaker="payment\.stripe"\} 0/.test(await h.metrics()), { what: 'breaker closed again' });
  });

  it('when the capture answer is lost (Stripe processed it after our timeout), then the retry re-reads the intent and does not capture again', async () => {
    const b = await h.createBooking({ paymentMethod: 'pm_card_visa', amount: 5000 });
    await h.waitFor('payment.authorized.v1', b.bookingId);
    h.sandbox.addFault({ provider: 'stripe', endpoint: '^/v1/payment_intents/[^/]+/capture$', latencyMs: 700, count: 1 });
    await h.fraud(b.bookingId, 'allow');
    await h.waitFor('payment.succeeded.v1', b.bookingId);
    const [intent] = h.intents(b.bookingId);
    expect(capturesPerIntent(h.sandbox).get(intent!.id)).toBe(1);
    const capture = (await h.picture(b.bookingId)).jobs.find((j) => j.kind === 'capture');
    expect(capture).toMatchObject({ status: 'done', attempts: 2 });
    const retrieves = h.sandbox.state.stats.stripe.byStatus['200'] ?? 0;
    expect(retrieves).toBeGreaterThan(0);
  });
});

describe('provider events in any order', () => {
  it('when one payment\'s Stripe events arrive shuffled and each three times (charge.refunded first), then the payment ends captured and partially refunded, each reported once', async () => {
    h.relay.hold = true;
    const b = await h.createBooking({ paymentMethod: 'pm_card_visa', amount: 6000 });
    const authorized = await h.waitFor('payment.authorized.v1', b.bookingId);
    const intentId = authorized.data.intentId;
    // The provider captures and refunds without payment's API answers being seen (as if they were
    // lost): only the webhooks tell payment what happened.
    await h.stripe.paymentIntents.capture(intentId, {}, { idempotencyKey: `external-capture-${intentId}` });
    await h.stripe.refunds.create({ payment_intent: intentId, amount: 2500 }, { idempotencyKey: `external-refund-${intentId}` });
    await h.sandbox.flushWebhooks();
    const mine = h.relay.held.filter((w: StripeWebhook) => intentOf(w.data.object) === intentId);
    expect(mine.map((w) => w.type)).toEqual(
      expect.arrayContaining(['payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded', 'refund.created', 'charge.refunded']),
    );
    h.relay.hold = false;

    const refundedFirst = mine.filter((w) => w.type === 'charge.refunded');
    const rest = shuffle(mine.filter((w) => w.type !== 'charge.refunded'));
    const deliveries = [...refundedFirst, ...shuffle([...rest, ...rest, ...rest, ...refundedFirst, ...refundedFirst], 11)];
    for (const w of deliveries) await h.relay.publish(w);

    await h.waitFor('payment.refunded.v1', b.bookingId);
    await eventually(async () => {
      const [p] = await h.paymentsOf(b.bookingId);
      return p?.status === 'partially_refunded' && p.captured === 6000 && p.refunded === 2500 ? p : undefined;
    }, { what: 'final state', timeoutMs: 30_000 });
    await sleep(1500);
    expect(h.ofBooking(b.bookingId, 'payment.authorized.v1')).toHaveLength(1);
    expect(h.ofBooking(b.bookingId, 'payment.captured.v1')).toHaveLength(1);
    expect(h.ofBooking(b.bookingId, 'payment.succeeded.v1')).toHaveLength(1);
    const refunded = h.ofBooking(b.bookingId, 'payment.refunded.v1');
    expect(refunded).toHaveLength(1);
    expect(refunded[0]!.data).toMatchObject({ amount: 2500, bookingRefunded: 2500, reason: 'provider' });
    const picture = await h.picture(b.bookingId);
    expect(picture.money).toMatchObject({ captured: 6000, refunded: 2500, net: 3500 });
    expect(picture.refunds).toEqual([expect.objectContaining({ status: 'succeeded', amount: 2500 })]);
    // Never captured by payment itself: the provider's capture was applied, not repeated.
    expect(capturesPerIntent(h.sandbox).get(intentId)).toBe(1);
  });

  it('when a Stripe event names an intent payment cannot place, then the intent is re-read and linked by its metadata', async () => {
    h.relay.hold = true;
    const b = await h.createBooking({ paymentMethod: 'pm_card_visa', amount: 3000 });
    await h.waitFor('payment.authorized.v1', b.bookingId);
    const [p] = await h.paymentsOf(b.bookingId);
    h.relay.hold = false;
    // Forget the link (as if the create answer was lost), then deliver a refund-like event for it.
    await h.sdb.db('payments').where({ payment_id: p!.paymentId }).update({ intent_id: null });
    await h.relay.publish({
      id: `evt_${randomUUID().replace(/-/g, '').slice(0, 24)}`,
      type: 'charge.dispute.created',
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: 'dp_unknown', object: 'dispute', payment_intent: p!.intentId, amount: 3000, reason: 'fraudulent', status: 'needs_response' } },
    });
    await eventually(async () => (await h.paymentsOf(b.bookingId))[0]?.intentId === p!.intentId, { what: 'intent linked again' });
    expect(await h.metrics()).toMatch(/payment_provider_events_unmatched_total\{action="resynced"\} [1-9]/);
  });

  it('when a Stripe event is about an intent that is not ours, then it is re-read, found foreign, and ignored', async () => {
    const foreign = await h.stripe.paymentIntents.create({ amount: 1234, currency: 'eur' }, { idempotencyKey: `foreign-${randomUUID()}` });
    await eventually(async () => /payment_provider_events_unmatched_total\{action="ignored"\} [1-9]/.test(await h.metrics()), { what: 'foreign intent ignored' });
    expect(await h.sdb.db('payments').where({ intent_id: foreign.id })).toEqual([]);
  });
});
