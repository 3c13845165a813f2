import { randomUUID } from 'node:crypto';
import type { EventData, EventType } from '@matchday/contracts';
import { metricsText } from '@matchday/observability';
import { eventually, probe, publishEvent, publishRaw, type EventProbe } from '@matchday/testkit';
import { createClient } from 'redis';
import { admissionKeys } from '../src/adapters/redis-admission';
import { admin, createMatch, expectInventoryConsistent, fan, inventory, key, startBooking, testClock, type Harness } from './harness';

const clock = testClock();
let h: Harness;
let events: EventProbe;
const redis = createClient({ url: process.env.REDIS_URL });

beforeAll(async () => {
  h = await startBooking(
    { HOLD_TTL_SECONDS: '600', PAYMENT_WINDOW_SECONDS: '900', HOT_MATCH_ATTEMPTS_PER_SECOND: '10', HOT_MATCH_COOLDOWN_SECONDS: '60' },
    { clock },
  );
  events = await probe(h.iso.topicPrefix, ['booking.events', 'inventory.events']);
  await redis.connect();
});

afterAll(async () => {
  await events.stop();
  await redis.close();
  await h.stop();
});

// ---- helpers -------------------------------------------------------------------------------

interface HoldBody {
  holdId: string;
  matchId: string;
  quantity: number;
  status: string;
  expiresAt: string;
}
interface BookingBody {
  bookingId: string;
  status: string;
  amount: number;
  currency: string;
  quantity: number;
  money: { captured: number; refunded: number; reversed: number; net: number; balanced: boolean };
}

async function hold(user: string, matchId: string, quantity = 2, headers: Record<string, string> = {}): Promise<HoldBody> {
  const res = await h.http().post('/v1/holds').set(fan(user, headers)).set('Idempotency-Key', key()).send({ matchId, quantity });
  expect([200, 201]).toContain(res.status);
  return res.body as HoldBody;
}

async function checkout(user: string, holdId: string, body: Record<string, unknown> = {}): Promise<BookingBody> {
  const res = await h.http().post('/v1/bookings').set(fan(user)).set('Idempotency-Key', key()).send({ holdId, ...body });
  expect(res.status).toBe(201);
  return res.body as BookingBody;
}

/** A PENDING_PAYMENT booking of `quantity` slots for `user`. */
async function pendingBooking(user: string, matchId: string, quantity = 2): Promise<BookingBody> {
  return checkout(user, (await hold(user, matchId, quantity)).holdId);
}

const asAdmin = async (bookingId: string): Promise<BookingBody> => (await h.http().get(`/v1/admin/bookings/${bookingId}`).set(admin)).body as BookingBody;

const pay = <T extends EventType>(type: T, data: EventData<T>, subject: string) => publishEvent(h.iso.topicPrefix, type, data, { subject, source: 'payment' });

async function payInFull(b: BookingBody): Promise<void> {
  const paymentId = randomUUID();
  await pay(
    'payment.captured.v1',
    {
      bookingId: b.bookingId,
      paymentId,
      payerId: 'p1',
      intentId: `pi_${paymentId}`,
      amount: b.amount,
      currency: b.currency,
      bookingCaptured: b.amount,
      bookingAmount: b.amount,
      bookingCurrency: b.currency,
    },
    b.bookingId,
  );
  await pay('payment.succeeded.v1', { bookingId: b.bookingId, amount: b.amount, currency: b.currency, paymentIds: [paymentId] }, b.bookingId);
}

const statusOf = (bookingId: string, status: string) =>
  eventually(async () => (await asAdmin(bookingId)).status === status, { what: `booking ${bookingId} ${status}`, timeoutMs: 30000 });

const metric = async (name: string): Promise<number> => {
  const line = (await metricsText()).split('\n').find((l) => l.startsWith(name));
  return line ? Number(line.split(' ').pop()) : 0;
};

const refundRequests = (bookingId: string) => events.events.filter((e) => e.type === 'refund.requested.v1' && e.subject === bookingId);

// ---- the API's edges -------------------------------------------------------------------------

describe('identity, idempotency and problems', () => {
  it('when the caller has no identity, then hold and booking endpoints answer 401 problem+json', async () => {
    const res = await h.http().post('/v1/holds').set('Idempotency-Key', key()).send({ matchId: randomUUID(), quantity: 1 });
    expect(res.status).toBe(401);
    expect(res.type).toBe('application/problem+json');
    expect(res.body).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  });

  it('when metrics are scraped, then the configured pool size is exported', async () => {
    const res = await h.http().get('/metrics');
    expect(res.text).toContain(`db_client_connection_max{pool="${h.config.DB_SCHEMA}"} 4`);
  });

  it('when a fan calls an admin endpoint, then 403', async () => {
    const res = await h.http().post('/v1/admin/matches').set(fan('u-x')).set('Idempotency-Key', key()).send({});
    expect(res.status).toBe(403);
  });

  it('when a POST has no Idempotency-Key, then 400; same key and body replay the response, another body is 422', async () => {
    const matchId = await createMatch(h, { capacity: 10 });
    expect((await h.http().post('/v1/holds').set(fan('idem-1')).send({ matchId, quantity: 1 })).status).toBe(400);
    const k = key();
    const first = await h.http().post('/v1/holds').set(fan('idem-1')).set('Idempotency-Key', k).send({ matchId, quantity: 1 });
    const again = await h.http().post('/v1/holds').set(fan('idem-1')).set('Idempotency-Key', k).send({ matchId, quantity: 1 });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.holdId).toBe(first.body.holdId);
    const other = await h.http().post('/v1/holds').set(fan('idem-1')).set('Idempotency-Key', k).send({ matchId, quantity: 2 });
    expect(other.status).toBe(422);
    expect((await inventory(h, matchId)).held).toBe(1);
  });

  it('when the match is unknown, sold out or the quantity is too big, then 404, 409 and 422 problems', async () => {
    const unknown = await h.http().post('/v1/holds').set(fan('p-1')).set('Idempotency-Key', key()).send({ matchId: randomUUID(), quantity: 1 });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('MATCH_NOT_FOUND');
    const matchId = await createMatch(h, { capacity: 2 });
    const tooMany = await h.http().post('/v1/holds').set(fan('p-1')).set('Idempotency-Key', key()).send({ matchId, quantity: 11 });
    expect(tooMany.status).toBe(422);
    await hold('p-2', matchId, 2);
    const soldOut = await h.http().post('/v1/holds').set(fan('p-1')).set('Idempotency-Key', key()).send({ matchId, quantity: 1 });
    expect(soldOut.status).toBe(409);
    expect(soldOut.body).toMatchObject({ code: 'SOLD_OUT', type: 'https://matchday.dev/problems/sold-out' });
  });
});

// ---- holds, sessions, cache ------------------------------------------------------------------

describe('holds across devices and sessions', () => {
  it('when a second device asks for the same match, then it gets the same hold (200), and both sessions recover it', async () => {
    const matchId = await createMatch(h, { capacity: 10 });
    const phone = await h
      .http()
      .post('/v1/holds')
      .set(fan('multi-1', { 'X-Session-Id': 'sess-phone', 'X-Device-Id': 'phone' }))
      .set('Idempotency-Key', key())
      .send({ matchId, quantity: 2 });
    expect(phone.status).toBe(201);
    const conflicts = await metric('booking_session_conflicts_total');
    const laptop = await h
      .http()
      .post('/v1/holds')
      .set(fan('multi-1', { 'X-Session-Id': 'sess-laptop', 'X-Device-Id': 'laptop' }))
      .set('Idempotency-Key', key())
      .send({ matchId, quantity: 2 });
    expect(laptop.status).toBe(200);
    expect(laptop.body.holdId).toBe(phone.body.holdId);
    expect(await metric('booking_session_conflicts_total')).toBe(conflicts + 1);
    expect((await inventory(h, matchId)).held).toBe(2);

    const recovered = await h.http().get('/v1/sessions/sess-laptop').set(fan('multi-1'));
    expect(recovered.status).toBe(200);
    expect(recovered.body).toMatchObject({ step: 'HOLDING', hold: { holdId: phone.body.holdId }, resume: { method: 'POST', path: '/v1/bookings' } });
    expect(recovered.body.recovery).toMatchObject({ kind: 'hold', resumable: true });

    const booking = await checkout('multi-1', phone.body.holdId);
    const paying = await h.http().get('/v1/sessions/sess-phone').set(fan('multi-1'));
    expect(paying.body).toMatchObject({ step: 'PAYING', booking: { bookingId: booking.bookingId, status: 'PENDING_PAYMENT' } });
    expect((await h.http().get('/v1/sessions/sess-phone').set(fan('someone-else'))).status).toBe(404);
  });

  it('when the client disconnects, then the hold stays until its TTL and then returns its slots (hold.expired)', async () => {
    const matchId = await createMatch(h, { capacity: 5 });
    const held = await hold('ttl-1', matchId, 3);
    clock.advance(300_000);
    await h.service.sweeper.sweepOnce();
    expect((await h.http().get(`/v1/holds/${held.holdId}`).set(fan('ttl-1'))).body.status).toBe('ACTIVE');
    clock.advance(301_000);
    await eventually(async () => (await h.http().get(`/v1/holds/${held.holdId}`).set(fan('ttl-1'))).body.status === 'EXPIRED', {
      what: 'hold expired',
    });
    await events.waitFor('hold.expired.v1', (e) => e.data.holdId === held.holdId);
    expect(await inventory(h, matchId)).toMatchObject({ available: 5, held: 0 });
    expect(await redis.get(admissionKeys(h.iso.redisPrefix, matchId).avail)).toBe('5');
    const late = await h.http().post('/v1/bookings').set(fan('ttl-1')).set('Idempotency-Key', key()).send({ holdId: held.holdId });
    expect(late.status).toBe(410);
    expect(late.body.code).toBe('HOLD_EXPIRED');
    // The slots are for sale again, to anybody.
    expect((await hold('ttl-2', matchId, 5)).status).toBe('ACTIVE');
    await expectInventoryConsistent(h, matchId);
  });

  it('when a fan releases a hold, then the slots are back at once and the availability cache shows it', async () => {
    const matchId = await createMatch(h, { capacity: 4 });
    const first = await h.http().get(`/v1/matches/${matchId}/availability`);
    expect(first.body).toMatchObject({ available: 4, onSale: true });
    const hits = await metric('booking_cache_requests_total{cache="availability",outcome="hit"}');
    await h.http().get(`/v1/matches/${matchId}/availability`);
    expect(await metric('booking_cache_requests_total{cache="availability",outcome="hit"}')).toBe(hits + 1);
    const held = await hold('rel-1', matchId, 3);
    expect((await h.http().get(`/v1/matches/${matchId}/availability`)).body).toMatchObject({ available: 1, held: 3 });
    const released = await h.http().delete(`/v1/holds/${held.holdId}`).set(fan('rel-1'));
    expect(released.body.status).toBe('RELEASED');
    expect((await h.http().get(`/v1/matches/${matchId}/availability`)).body).toMatchObject({ available: 4, held: 0 });
    await events.waitFor('hold.released.v1', (e) => e.data.holdId === held.holdId);
    expect((await h.http().delete(`/v1/holds/${held.holdId}`).set(fan('other'))).status).toBe(404);
  });
});

// ---- the booking state machine over Kafka ---------------------------------------------------

describe('bookings driven by payment, fraud and reconciliation events', () => {
  it('when payment succeeds, then the booking is confirmed once, even when events are duplicated or arrive out of order', async () => {
    const matchId = await createMatch(h, { capacity: 10, unitPrice: 4000 });
    const b = await pendingBooking('pay-1', matchId, 2);
    expect(b).toMatchObject({ status: 'PENDING_PAYMENT', amount: 8000, currency: 'EUR' });
    const created = await events.waitFor('booking.created.v1', (e) => e.data.bookingId === b.bookingId);
    expect(created.data.payers).toEqual([{ payerId: 'pay-1', userId: 'pay-1', amount: 8000, currency: 'EUR' }]);

    // Success, then a stale failure, the same event redelivered and a second success report.
    const succeeded = await pay('payment.succeeded.v1', { bookingId: b.bookingId, amount: 8000, currency: 'EUR', paymentIds: ['pay-a'] }, b.bookingId);
    await statusOf(b.bookingId, 'CONFIRMED');
    await pay('payment.failed.v1', { bookingId: b.bookingId, reason: 'card_declined' }, b.bookingId);
    await publishEvent(h.iso.topicPrefix, 'payment.succeeded.v1', succeeded.data, { subject: b.bookingId, id: succeeded.id });
    await pay('payment.succeeded.v1', { bookingId: b.bookingId, amount: 8000, currency: 'EUR', paymentIds: ['pay-a'] }, b.bookingId);
    const marker = await pay('payment.partially_paid.v1', { bookingId: b.bookingId, paidAmount: 8000, totalAmount: 8000, currency: 'EUR' }, b.bookingId);
    await eventually(async () => (await h.service.db('inbox').where({ event_id: marker.id }).first()) !== undefined, { what: 'marker applied' });

    const after = await asAdmin(b.bookingId);
    expect(after.status).toBe('CONFIRMED');
    expect(after.money).toMatchObject({ captured: 8000, net: 8000, balanced: true });
    expect(events.events.filter((e) => e.type === 'booking.confirmed.v1' && e.subject === b.bookingId)).toHaveLength(1);
    expect(await inventory(h, matchId)).toMatchObject({ confirmed: 2, held: 0, available: 8 });
    await expectInventoryConsistent(h, matchId);
  });

  it('when the payment window closes, then the booking expires and a late payment takes the slots again if they are free', async () => {
    const matchId = await createMatch(h, { capacity: 4 });
    const b = await pendingBooking('late-1', matchId, 2);
    clock.advance(901_000);
    await statusOf(b.bookingId, 'EXPIRED');
    await events.waitFor('booking.expired.v1', (e) => e.data.bookingId === b.bookingId);
    expect((await inventory(h, matchId)).available).toBe(4);
    await payInFull(b);
    await statusOf(b.bookingId, 'CONFIRMED');
    expect((await asAdmin(b.bookingId)).money.balanced).toBe(true);
    expect(refundRequests(b.bookingId)).toHaveLength(0);
    await expectInventoryConsistent(h, matchId);
  });

  it('when a split payment is only partly captured as the window closes, then the booking expires and the captured part is refunded to zero', async () => {
    const matchId = await createMatch(h, { capacity: 4, unitPrice: 3000 });
    const b = await checkout('split-1', (await hold('split-1', matchId, 2)).holdId, {
      payers: [
        { payerId: 'split-1', userId: 'split-1', amount: 3000 },
        { payerId: 'friend', userId: 'split-friend', amount: 3000 },
      ],
    });
    const created = await events.waitFor('booking.created.v1', (e) => e.data.bookingId === b.bookingId);
    expect(created.data.payers.map((p) => [p.payerId, p.amount])).toEqual([
      ['split-1', 3000],
      ['friend', 3000],
    ]);
    await pay('payment.partially_paid.v1', { bookingId: b.bookingId, paidAmount: 3000, totalAmount: 6000, currency: 'EUR' }, b.bookingId);
    await eventually(async () => (await asAdmin(b.bookingId)).money.captured === 3000, { what: 'partial capture recorded' });
    expect((await asAdmin(b.bookingId)).status).toBe('PENDING_PAYMENT');
    clock.advance(901_000);
    await statusOf(b.bookingId, 'EXPIRED');
    expect((await asAdmin(b.bookingId)).money.balanced).toBe(false);
    expect((await inventory(h, matchId)).available).toBe(4);
    await pay(
      'payment.refunded.v1',
      { bookingId: b.bookingId, paymentId: 'x', refundId: 're_split', amount: 3000, currency: 'EUR', reason: 'expired', bookingRefunded: 3000, bookingCurrency: 'EUR' },
      b.bookingId,
    );
    await eventually(async () => (await asAdmin(b.bookingId)).money.balanced, { what: 'refund recorded' });
  });

  it('when a late payment finds the match sold out, then the money is refunded and nothing is oversold', async () => {
    const matchId = await createMatch(h, { capacity: 2 });
    const b = await pendingBooking('late-2', matchId, 2);
    clock.advance(901_000);
    await statusOf(b.bookingId, 'EXPIRED');
    await hold('late-3', matchId, 2);
    await payInFull(b);
    const refund = await events.waitFor('refund.requested.v1', (e) => e.data.bookingId === b.bookingId);
    expect(refund.data).toMatchObject({ amount: null, reason: 'late_payment_no_slots' });
    expect((await asAdmin(b.bookingId)).status).toBe('EXPIRED');
    await pay(
      'payment.refunded.v1',
      { bookingId: b.bookingId, paymentId: 'x', refundId: 're_1', amount: b.amount, currency: 'EUR', reason: 'late', bookingRefunded: b.amount, bookingCurrency: 'EUR' },
      b.bookingId,
    );
    await eventually(async () => (await asAdmin(b.bookingId)).money.balanced, { what: 'refund recorded' });
    expect(await inventory(h, matchId)).toMatchObject({ held: 2, available: 0 });
    await expectInventoryConsistent(h, matchId);
  });

  it('when fraud blocks an unpaid booking, then it is cancelled and its slots return, with nothing to refund', async () => {
    const matchId = await createMatch(h, { capacity: 3 });
    const b = await pendingBooking('fraud-1', matchId, 3);
    await publishEvent(
      h.iso.topicPrefix,
      'fraud.assessed.v1',
      { assessmentId: randomUUID(), bookingId: b.bookingId, userId: 'fraud-1', decision: 'block', score: 97, reasons: [], rulesVersion: 1 },
      { subject: b.bookingId, source: 'fraud' },
    );
    await statusOf(b.bookingId, 'CANCELLED');
    const cancelled = await events.waitFor('booking.cancelled.v1', (e) => e.data.bookingId === b.bookingId);
    expect(cancelled.data).toMatchObject({ reason: 'fraud_block', refundAmount: 0 });
    expect(refundRequests(b.bookingId)).toHaveLength(0);
    expect((await inventory(h, matchId)).available).toBe(3);
    // Money arriving anyway is sent back.
    await payInFull(b);
    await events.waitFor('refund.requested.v1', (e) => e.data.bookingId === b.bookingId);
    expect((await asAdmin(b.bookingId)).status).toBe('CANCELLED');
  });

  it('when payment fails, then the booking ends PAYMENT_FAILED and its slots return', async () => {
    const matchId = await createMatch(h, { capacity: 2 });
    const b = await pendingBooking('fail-1', matchId, 2);
    await pay('payment.failed.v1', { bookingId: b.bookingId, reason: 'card_declined', code: 'card_declined' }, b.bookingId);
    await statusOf(b.bookingId, 'PAYMENT_FAILED');
    expect((await inventory(h, matchId)).available).toBe(2);
  });

  it('when a fan cancels a paid booking, then a refund is requested and, once refunded, the money balances at zero', async () => {
    const matchId = await createMatch(h, { capacity: 5 });
    const b = await pendingBooking('cancel-1', matchId, 2);
    await payInFull(b);
    await statusOf(b.bookingId, 'CONFIRMED');
    const res = await h.http().post(`/v1/bookings/${b.bookingId}/cancel`).set(fan('cancel-1')).set('Idempotency-Key', key()).send({});
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('CANCELLED');
    const refund = await events.waitFor('refund.requested.v1', (e) => e.data.bookingId === b.bookingId);
    expect(refund.data.amount).toBeNull();
    expect((await events.waitFor('booking.cancelled.v1', (e) => e.data.bookingId === b.bookingId)).data.refundAmount).toBe(b.amount);
    expect((await asAdmin(b.bookingId)).money.balanced).toBe(false);
    await pay(
      'payment.refunded.v1',
      { bookingId: b.bookingId, paymentId: 'x', refundId: 're_2', amount: b.amount, currency: 'EUR', reason: 'cancellation', bookingRefunded: b.amount, bookingCurrency: 'EUR' },
      b.bookingId,
    );
    await eventually(async () => (await asAdmin(b.bookingId)).money.balanced, { what: 'refund recorded' });
    expect((await inventory(h, matchId)).available).toBe(5);
    const again = await h.http().post(`/v1/bookings/${b.bookingId}/cancel`).set(fan('cancel-1')).set('Idempotency-Key', key()).send({});
    expect(again.status).toBe(409);
  });

  it('when the bank reverses a payment or a dispute is lost, then the booking is reversed and its slots return; a won dispute restores it', async () => {
    const matchId = await createMatch(h, { capacity: 6 });
    const reversed = await pendingBooking('rev-1', matchId, 2);
    const disputed = await pendingBooking('rev-2', matchId, 2);
    await payInFull(reversed);
    await payInFull(disputed);
    await statusOf(reversed.bookingId, 'CONFIRMED');
    await statusOf(disputed.bookingId, 'CONFIRMED');

    await pay('payment.reversed.v1', { bookingId: reversed.bookingId, paymentId: 'p', amount: reversed.amount, currency: 'EUR', reason: 'bank_reversal' }, reversed.bookingId);
    await statusOf(reversed.bookingId, 'REVERSED');
    await events.waitFor('booking.reversed.v1', (e) => e.data.bookingId === reversed.bookingId);
    expect((await asAdmin(reversed.bookingId)).money).toMatchObject({ reversed: reversed.amount, net: 0, balanced: true });

    const dispute = { bookingId: disputed.bookingId, paymentId: 'p', disputeId: 'dp_1', amount: disputed.amount, currency: 'EUR' };
    await pay('dispute.opened.v1', { ...dispute, reason: 'fraudulent' }, disputed.bookingId);
    await statusOf(disputed.bookingId, 'DISPUTED');
    await pay('dispute.closed.v1', { ...dispute, status: 'won' }, disputed.bookingId);
    await statusOf(disputed.bookingId, 'CONFIRMED');
    expect(await inventory(h, matchId)).toMatchObject({ confirmed: 2, available: 4 });
    await expectInventoryConsistent(h, matchId);
  });

  it('when reconciliation asks to reconfirm an expired but paid booking, then it is confirmed again', async () => {
    const matchId = await createMatch(h, { capacity: 3 });
    const b = await pendingBooking('recon-1', matchId, 1);
    clock.advance(901_000);
    await statusOf(b.bookingId, 'EXPIRED');
    await publishEvent(
      h.iso.topicPrefix,
      'reconciliation.reconfirm.requested.v1',
      { findingId: randomUUID(), bookingId: b.bookingId, reason: 'paid_not_confirmed' },
      { subject: b.bookingId, source: 'reconciliation' },
    );
    await statusOf(b.bookingId, 'CONFIRMED');
    await expectInventoryConsistent(h, matchId);
  });

  /** Publishes a reconfirm request and waits until booking has handled it (as a no-op). */
  async function reconfirmIgnored(bookingId: string): Promise<void> {
    const noops = 'booking_events_noop_total{type="reconciliation.reconfirm.requested.v1"}';
    const before = await metric(noops);
    await publishEvent(
      h.iso.topicPrefix,
      'reconciliation.reconfirm.requested.v1',
      { findingId: randomUUID(), bookingId, reason: 'paid_not_confirmed' },
      { subject: bookingId, source: 'reconciliation' },
    );
    await eventually(async () => (await metric(noops)) > before, { what: `reconfirm of ${bookingId} handled` });
  }

  const moneyReturned = async (bookingId: string) =>
    ((await h.sdb.db('bookings').where({ id: bookingId }).first('money_returned')) as { money_returned: boolean } | undefined)?.money_returned;

  it('when a capture raced the expiry and payment closed the booking, then a reconfirm request while the refund is on its way leaves it expired with its slots free', async () => {
    const matchId = await createMatch(h, { capacity: 3 });
    const b = await pendingBooking('race-1', matchId, 1);
    clock.advance(901_000);
    await statusOf(b.bookingId, 'EXPIRED');
    // Payment learned of the capture after it closed the booking: it refunds it and says so.
    const paymentId = randomUUID();
    await pay(
      'payment.captured.v1',
      { bookingId: b.bookingId, paymentId, payerId: 'p1', intentId: `pi_${paymentId}`, amount: b.amount, currency: 'EUR', bookingCaptured: b.amount, bookingAmount: b.amount, bookingCurrency: 'EUR' },
      b.bookingId,
    );
    await pay('payment.closed.v1', { bookingId: b.bookingId, reason: 'expired' }, b.bookingId);
    await eventually(() => moneyReturned(b.bookingId), { what: 'payment.closed recorded' });

    // Reconciliation saw the full amount at the provider before payment's refund landed.
    await reconfirmIgnored(b.bookingId);
    expect((await asAdmin(b.bookingId)).status).toBe('EXPIRED');
    expect((await inventory(h, matchId)).available).toBe(3);
    expect(events.events.filter((e) => e.type === 'booking.confirmed.v1' && e.subject === b.bookingId)).toHaveLength(0);
    expect(refundRequests(b.bookingId)).toHaveLength(0);

    await pay(
      'payment.refunded.v1',
      { bookingId: b.bookingId, paymentId, refundId: 're_race', amount: b.amount, currency: 'EUR', reason: 'late_payment', bookingRefunded: b.amount, bookingCurrency: 'EUR' },
      b.bookingId,
    );
    await eventually(async () => (await asAdmin(b.bookingId)).money.balanced, { what: 'refund recorded' });
    expect((await asAdmin(b.bookingId)).money).toMatchObject({ captured: b.amount, refunded: b.amount, net: 0 });
    await expectInventoryConsistent(h, matchId);
  });

  it('when a late payment was refunded for lack of slots, then a reconfirm request after slots free up does not confirm it', async () => {
    const matchId = await createMatch(h, { capacity: 2 });
    const b = await pendingBooking('late-4', matchId, 2);
    clock.advance(901_000);
    await statusOf(b.bookingId, 'EXPIRED');
    const other = await hold('late-5', matchId, 2);
    await payInFull(b);
    await events.waitFor('refund.requested.v1', (e) => e.data.bookingId === b.bookingId);
    expect((await h.http().delete(`/v1/holds/${other.holdId}`).set(fan('late-5'))).body.status).toBe('RELEASED');

    await reconfirmIgnored(b.bookingId);
    expect((await asAdmin(b.bookingId)).status).toBe('EXPIRED');
    expect(await inventory(h, matchId)).toMatchObject({ available: 2, confirmed: 0 });
    expect(refundRequests(b.bookingId)).toHaveLength(1);
    await expectInventoryConsistent(h, matchId);
  });

  it('when an admin cancels the match, then holds are released, bookings cancelled and refunds requested', async () => {
    const matchId = await createMatch(h, { capacity: 10 });
    const held = await hold('mc-1', matchId, 2);
    const b = await pendingBooking('mc-2', matchId, 3);
    const res = await h.http().post(`/v1/admin/matches/${matchId}/cancel`).set(admin).set('Idempotency-Key', key()).send({ reason: 'pitch flooded' });
    expect(res.body.status).toBe('CANCELLED');
    await events.waitFor('match.cancelled.v1', (e) => e.data.matchId === matchId);
    await events.waitFor('hold.released.v1', (e) => e.data.holdId === held.holdId && e.data.reason === 'match_cancelled');
    expect((await asAdmin(b.bookingId)).status).toBe('CANCELLED');
    await events.waitFor('refund.requested.v1', (e) => e.data.bookingId === b.bookingId);
    expect(await inventory(h, matchId)).toMatchObject({ available: 10, held: 0, confirmed: 0 });
  });

  it('when support lists a match’s bookings, then every booking comes with its money, page by page', async () => {
    const matchId = await createMatch(h, { capacity: 10 });
    const made = [await pendingBooking('list-1', matchId, 1), await pendingBooking('list-2', matchId, 1), await pendingBooking('list-3', matchId, 1)];
    const support = { 'X-User-Id': 'support-1', 'X-User-Roles': 'support' };
    const first = await h.http().get(`/v1/admin/bookings?matchId=${matchId}&limit=2`).set(support);
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.items[0].money).toMatchObject({ captured: 0, balanced: true });
    const second = await h.http().get(`/v1/admin/bookings?matchId=${matchId}&limit=2&cursor=${first.body.nextCursor}`).set(support);
    expect(second.body.nextCursor).toBeNull();
    const ids = [...first.body.items, ...second.body.items].map((b: { bookingId: string }) => b.bookingId);
    expect(ids.sort()).toEqual(made.map((b) => b.bookingId).sort());
    expect((await h.http().get(`/v1/admin/bookings?matchId=${matchId}`).set(fan('list-1'))).status).toBe(403);
  });

  it('when an admin reschedules a match, then match.rescheduled carries the old and new kickoff', async () => {
    const matchId = await createMatch(h);
    const kickoffAt = new Date(Date.now() + 20 * 86_400_000).toISOString();
    const res = await h.http().post(`/v1/admin/matches/${matchId}/reschedule`).set(admin).set('Idempotency-Key', key()).send({ kickoffAt });
    expect(res.status).toBe(200);
    const e = await events.waitFor('match.rescheduled.v1', (ev) => ev.data.matchId === matchId);
    expect(new Date(e.data.kickoffAt).toISOString()).toBe(kickoffAt);
  });
});

// ---- hot matches ------------------------------------------------------------------------------

describe('hot matches', () => {
  it('when fans flood a match with hold attempts, then it turns hot (match.hot) and cools down once quiet', async () => {
    const matchId = await createMatch(h, { capacity: 5 });
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => h.http().post('/v1/holds').set(fan(`heat-${i}`)).set('Idempotency-Key', key()).send({ matchId, quantity: 1 })),
    );
    await events.waitFor('match.hot.v1', (e) => e.data.matchId === matchId && e.data.hot);
    clock.advance(61_000);
    await events.waitFor('match.hot.v1', (e) => e.data.matchId === matchId && !e.data.hot);
  });

  it('when an admin switches a match hot, then match.hot carries the admission rate, once', async () => {
    const matchId = await createMatch(h, { capacity: 5 });
    const on = () => h.http().post(`/v1/admin/matches/${matchId}/hot`).set(admin).set('Idempotency-Key', key()).send({ hot: true, admissionRatePerSecond: 25 });
    expect((await on()).body).toEqual({ matchId, hot: true, changed: true });
    expect((await on()).body.changed).toBe(false);
    const e = await events.waitFor('match.hot.v1', (ev) => ev.data.matchId === matchId);
    expect(e.data).toEqual({ matchId, hot: true, admissionRatePerSecond: 25 });
    expect((await h.http().post(`/v1/admin/matches/${matchId}/hot`).set(fan('x')).set('Idempotency-Key', key()).send({ hot: false })).status).toBe(403);
  });
});

// ---- failures reaching the dead-letter topic -------------------------------------------------

describe('dead letters', () => {
  it('when a poisoned message or an event for an unknown booking arrives, then it lands in booking.dlq and the admin API lists it', async () => {
    await publishRaw(`${h.iso.topicPrefix}payment.events`, { key: 'x', value: 'not json', headers: { ce_id: 'poison-1', ce_type: 'payment.succeeded.v1' } });
    const unknown = await pay('payment.failed.v1', { bookingId: randomUUID(), reason: 'card_declined' }, 'nobody');
    const listed = await eventually(
      async () => {
        const res = await h.http().get('/v1/admin/dlq').set(admin);
        const ids = (res.body.deadLetters as Array<{ eventId?: string }>).map((d) => d.eventId);
        return ids.includes('poison-1') && ids.includes(unknown.id) ? res.body : undefined;
      },
      { what: 'both dead letters listed', timeoutMs: 60000, intervalMs: 1000 },
    );
    expect(listed.count).toBe(listed.deadLetters.length);
    const unknownLetter = (listed.deadLetters as Array<{ eventId?: string; error?: string }>).find((d) => d.eventId === unknown.id);
    expect(unknownLetter?.error).toMatch(/unknown booking/);
    // Replayed once the cause is fixed — here it is not, so they come back to the dead-letter topic.
    const replay = await h.http().post('/v1/admin/dlq/replay').set(admin).set('Idempotency-Key', key()).send();
    expect(replay.status).toBe(200);
    expect(replay.body.replayed).toBeGreaterThanOrEqual(2);
  });
});
