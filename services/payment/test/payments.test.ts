import { randomUUID } from 'node:crypto';
import { publishRaw, sleep } from '@matchday/testkit';
import request from 'supertest';
import { admin, capturesPerIntent, eventually, fan, startHarness, type Harness } from './harness';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

const confirm = (paymentId: string, userId: string, paymentMethod = 'pm_card_visa') =>
  request(h.service.app).post(`/v1/payments/${paymentId}/confirm`).set(fan(userId)).send({ paymentMethod });

describe('one payer', () => {
  it('when a booking is created with a card, then it is authorized but not captured until fraud allows; then captured once and paid', async () => {
    const { bookingId, amount } = await h.createBooking({ paymentMethod: 'pm_card_visa', amount: 9000 });
    const authorized = await h.waitFor('payment.authorized.v1', bookingId);
    expect(authorized.data).toMatchObject({ amount: 9000, currency: 'EUR', intentId: expect.stringMatching(/^pi_/) });
    const [intent] = h.intents(bookingId);
    expect(intent).toMatchObject({ status: 'requires_capture', amount: 9000, currency: 'eur' });
    // The idempotency key of the intent is the documented deterministic one.
    const created = [...h.sandbox.state.stripe.events.values()].find((e) => e.type === 'payment_intent.created' && (e.data.object as { id: string }).id === intent!.id);
    expect(created?.request.idempotency_key).toMatch(new RegExp(`^booking:${bookingId}:payer:.+:attempt:1$`));

    await sleep(700);
    expect(h.intents(bookingId)[0]!.status).toBe('requires_capture');
    expect(h.ofBooking(bookingId, 'payment.captured.v1')).toHaveLength(0);

    await h.fraud(bookingId, 'allow');
    const succeeded = await h.waitFor('payment.succeeded.v1', bookingId);
    expect(succeeded.data).toMatchObject({ amount, currency: 'EUR' });
    const captured = h.ofBooking(bookingId, 'payment.captured.v1');
    expect(captured).toHaveLength(1);
    expect(captured[0]!.data).toMatchObject({ amount: 9000, bookingCaptured: 9000, bookingAmount: 9000, bookingCurrency: 'EUR' });
    expect(h.intents(bookingId)).toEqual([expect.objectContaining({ status: 'succeeded', captured: 9000 })]);
    expect(capturesPerIntent(h.sandbox).get(intent!.id)).toBe(1);
    const picture = await h.picture(bookingId);
    expect(picture.money).toMatchObject({ amount: 9000, captured: 9000, refunded: 0, net: 9000 });
    expect(picture.booking.phase).toBe('paid');
  });

  it('when the card is declined, then the payer sees why and pays with another card', async () => {
    const { bookingId, userId } = await h.createBooking({ paymentMethod: 'pm_card_chargeDeclinedInsufficientFunds' });
    await h.fraud(bookingId, 'allow');
    const [declined] = await eventually(async () => {
      const ps = await h.paymentsOf(bookingId);
      return ps[0]?.failureReason === 'insufficient_funds' ? ps : undefined;
    }, { what: 'decline recorded' });
    expect(declined).toMatchObject({ status: 'requires_payment_method', intentId: expect.stringMatching(/^pi_/) });

    const mine = await request(h.service.app).get(`/v1/payments?bookingId=${bookingId}`).set(fan(userId));
    expect(mine.status).toBe(200);
    expect(mine.body.payments).toHaveLength(1);
    const stranger = await request(h.service.app).get(`/v1/payments?bookingId=${bookingId}`).set(fan('someone-else'));
    expect(stranger.status).toBe(404);

    const res = await confirm(declined!.paymentId, userId);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: expect.stringMatching(/authorized|captured/) });
    await h.waitFor('payment.succeeded.v1', bookingId);
    expect(h.intents(bookingId)).toHaveLength(1);
    expect(h.ofBooking(bookingId, 'payment.failed.v1')).toHaveLength(0);
  });

  it('when Stripe refuses to create the intent (an unknown payment method), then the booking\'s payment fails for good', async () => {
    const { bookingId } = await h.createBooking({ paymentMethod: 'card_from_nowhere' });
    const failed = await h.waitFor('payment.failed.v1', bookingId);
    expect(failed.data).toMatchObject({ reason: 'provider_rejected', code: 'resource_missing' });
    const [p] = await h.paymentsOf(bookingId);
    expect(p).toMatchObject({ status: 'canceled', failureReason: 'resource_missing' });
    expect(await h.metrics()).toMatch(/payment_attempts_total\{outcome="failed"\} [1-9]/);
  });

  it('when fraud blocks the booking, then the authorization is released, nothing is captured and the payment fails with fraud_block', async () => {
    const { bookingId } = await h.createBooking({ paymentMethod: 'pm_card_visa' });
    await h.waitFor('payment.authorized.v1', bookingId);
    await h.fraud(bookingId, 'review');
    await sleep(300);
    expect(h.intents(bookingId)[0]!.status).toBe('requires_capture');
    await h.fraud(bookingId, 'block');
    const failed = await h.waitFor('payment.failed.v1', bookingId);
    expect(failed.data).toMatchObject({ reason: 'fraud_block' });
    await eventually(() => h.intents(bookingId)[0]!.status === 'canceled', { what: 'authorization released' });
    // A late allow does not undo a block.
    await h.fraud(bookingId, 'allow');
    await sleep(500);
    expect(h.intents(bookingId)[0]).toMatchObject({ status: 'canceled', captured: 0 });
    expect(h.ofBooking(bookingId, 'payment.captured.v1')).toHaveLength(0);
  });
});

describe('events in another order', () => {
  it('when fraud allows before the booking arrives, then the payment is captured as soon as it is authorized', async () => {
    const bookingId = `b-${randomUUID()}`;
    await h.fraud(bookingId, 'allow');
    // Two topics, no order between them: wait until the decision is in before the booking arrives.
    await eventually(async () => (await h.picture(bookingId).catch(() => undefined))?.booking.fraud === 'allow', { what: 'allow recorded' });
    await h.publish(
      'booking.created.v1',
      {
        bookingId,
        matchId: 'm-1',
        userId: 'early',
        holdId: 'h-early',
        quantity: 1,
        unitPrice: 2500,
        amount: 2500,
        currency: 'EUR',
        paymentDeadline: new Date(Date.now() + 900_000).toISOString(),
        payers: [{ payerId: 'early-p', userId: 'early', amount: 2500, currency: 'EUR', paymentMethod: 'pm_card_visa' }],
      },
      bookingId,
    );
    await h.waitFor('payment.succeeded.v1', bookingId);
    expect(h.intents(bookingId)).toEqual([expect.objectContaining({ status: 'succeeded', captured: 2500 })]);
  });

  it('when fraud blocks before the booking arrives, then no intent is ever created and the payment fails', async () => {
    const bookingId = `b-${randomUUID()}`;
    await h.fraud(bookingId, 'block');
    await eventually(async () => (await h.picture(bookingId).catch(() => undefined))?.booking.fraud === 'block', { what: 'block recorded' });
    await h.publish(
      'booking.created.v1',
      {
        bookingId,
        matchId: 'm-1',
        userId: 'late',
        holdId: 'h-late',
        quantity: 1,
        unitPrice: 2500,
        amount: 2500,
        currency: 'EUR',
        paymentDeadline: new Date(Date.now() + 900_000).toISOString(),
        payers: [{ payerId: 'late-p', userId: 'late', amount: 2500, currency: 'EUR', paymentMethod: 'pm_card_visa' }],
      },
      bookingId,
    );
    await h.waitFor('payment.failed.v1', bookingId, (e) => e.data.reason === 'fraud_block');
    await sleep(500);
    expect(h.intents(bookingId)).toHaveLength(0);
    expect(h.ofBooking(bookingId, 'payment.failed.v1')).toHaveLength(1);
  });

  it('when the card needs 3-D Secure, then the payment waits for the payer, who completes it by confirming again', async () => {
    const { bookingId, userId } = await h.createBooking({ paymentMethod: 'pm_card_authenticationRequired', amount: 4500 });
    await h.fraud(bookingId, 'allow');
    const [waiting] = await eventually(async () => {
      const ps = await h.paymentsOf(bookingId);
      return ps[0]?.status === 'requires_action' ? ps : undefined;
    }, { what: 'waiting for authentication' });
    const res = await confirm(waiting!.paymentId, userId, 'pm_card_authenticationRequired');
    expect(res.status).toBe(200);
    await h.waitFor('payment.succeeded.v1', bookingId);
  });
});

describe('split payments', () => {
  const threePayers = (amount: number) => {
    const share = Math.floor(amount / 3);
    return [0, 1, 2].map((i) => ({ payerId: `friend-${i}-${randomUUID().slice(0, 6)}`, userId: `friend-${i}`, amount: i === 0 ? amount - 2 * share : share, currency: 'EUR' }));
  };

  it('when three payers each pay their share, then the booking is partially paid twice and paid on the third, one capture each', async () => {
    const payers = threePayers(10000);
    const { bookingId } = await h.createBooking({ amount: 10000, payers });
    await h.fraud(bookingId, 'allow');
    const payments = await eventually(async () => {
      const ps = await h.paymentsOf(bookingId);
      return ps.length === 3 && ps.every((p) => p.intentId) ? ps : undefined;
    }, { what: 'three intents waiting for their payers' });
    expect(payments.map((p) => p.status)).toEqual(['requires_payment_method', 'requires_payment_method', 'requires_payment_method']);
    expect(payments.map((p) => p.amount).sort()).toEqual([3333, 3333, 3334]);

    for (const [i, p] of payments.entries()) {
      const res = await confirm(p.paymentId, `friend-${i}`);
      expect(res.status).toBe(200);
      if (i < 2) await h.waitFor('payment.partially_paid.v1', bookingId, (e) => e.data.paidAmount === payments.slice(0, i + 1).reduce((n, x) => n + x.amount, 0));
    }
    const succeeded = await h.waitFor('payment.succeeded.v1', bookingId);
    expect(succeeded.data.amount).toBe(10000);
    expect(succeeded.data.paymentIds.sort()).toEqual(payments.map((p) => p.paymentId).sort());
    expect(h.ofBooking(bookingId, 'payment.captured.v1').map((e) => (e.data as { bookingCaptured: number }).bookingCaptured)).toEqual([
      payments[0]!.amount,
      payments[0]!.amount + payments[1]!.amount,
      10000,
    ]);
    for (const i of h.intents(bookingId)) expect(capturesPerIntent(h.sandbox).get(i.id)).toBe(1);
  });

  it('when one payer never pays and the payment window closes, then the others are refunded and the unpaid share is released', async () => {
    const payers = threePayers(9000);
    const { bookingId } = await h.createBooking({ amount: 9000, payers });
    await h.fraud(bookingId, 'allow');
    const payments = await eventually(async () => {
      const ps = await h.paymentsOf(bookingId);
      return ps.length === 3 && ps.every((p) => p.intentId) ? ps : undefined;
    }, { what: 'three intents' });
    await confirm(payments[0]!.paymentId, 'friend-0');
    await confirm(payments[1]!.paymentId, 'friend-1');
    await h.waitFor('payment.partially_paid.v1', bookingId, (e) => e.data.paidAmount === 6000);

    await h.publish('booking.expired.v1', { bookingId, matchId: 'm-1', userId: 'u', quantity: 2, reason: 'payment_window_closed' }, bookingId);
    const refunded = await h.events.waitForCount((e) => e.subject === bookingId && e.type === 'payment.refunded.v1', 2);
    expect(refunded.map((e) => (e.data as { amount: number; reason: string }).reason)).toEqual(['expired', 'expired']);
    expect(Math.max(...refunded.map((e) => (e.data as { bookingRefunded: number }).bookingRefunded))).toBe(6000);
    await eventually(() => h.intents(bookingId).find((i) => i.id === payments[2]!.intentId)?.status === 'canceled', { what: 'unpaid share released' });
    const picture = await h.picture(bookingId);
    expect(picture.money).toMatchObject({ captured: 6000, refunded: 6000, net: 0 });
    expect(picture.booking).toMatchObject({ phase: 'closed', closeReason: 'expired' });
    expect(h.ofBooking(bookingId, 'payment.succeeded.v1')).toHaveLength(0);
    expect(h.ofBooking(bookingId, 'payment.closed.v1').map((e) => (e.data as { reason: string }).reason)).toEqual(['expired']);

    // The late payer can no longer pay.
    const late = await confirm(payments[2]!.paymentId, 'friend-2');
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ code: 'BOOKING_CLOSED' });
  });
});

describe('refunds and modifications', () => {
  async function paidBooking(amount = 8000) {
    const b = await h.createBooking({ paymentMethod: 'pm_card_visa', amount });
    await h.fraud(b.bookingId, 'allow');
    await h.waitFor('payment.succeeded.v1', b.bookingId);
    return b;
  }

  it('when booking asks for a partial and then a full refund, then each is refunded once and the running sum reaches the captured amount', async () => {
    const { bookingId } = await paidBooking(8000);
    const requestId = randomUUID();
    const partial = { refundRequestId: requestId, bookingId, amount: 3000, currency: 'EUR', reason: 'fan_cancelled' };
    await h.publish('refund.requested.v1', partial, bookingId);
    await h.publish('refund.requested.v1', partial, bookingId); // the same request again (a new event id)
    const first = await h.waitFor('payment.refunded.v1', bookingId);
    expect(first.data).toMatchObject({ amount: 3000, bookingRefunded: 3000, reason: 'cancellation' });
    await h.publish('refund.requested.v1', { refundRequestId: randomUUID(), bookingId, amount: null, currency: 'EUR', reason: 'fan_cancelled' }, bookingId);
    await h.waitFor('payment.refunded.v1', bookingId, (e) => e.data.bookingRefunded === 8000);
    await sleep(300);
    expect(h.ofBooking(bookingId, 'payment.refunded.v1')).toHaveLength(2);
    expect(h.intents(bookingId)[0]).toMatchObject({ captured: 8000, refunded: 8000 });
    expect((await h.picture(bookingId)).money).toMatchObject({ captured: 8000, refunded: 8000, net: 0 });
  });

  it('when a change costs more, then the difference is charged to the same card and payment succeeds for the new total; when it costs less, the difference is refunded', async () => {
    const { bookingId, userId } = await paidBooking(6000);
    const base = { bookingId, matchId: 'm-1', userId, kind: 'quantity' as const, fromMatchId: 'm-1', toMatchId: 'm-1', currency: 'EUR' };
    await h.publish('booking.modified.v1', { ...base, modificationId: randomUUID(), fromQuantity: 2, toQuantity: 3, priceDelta: 3000, amount: 9000 }, bookingId);
    const paid = await h.waitFor('payment.succeeded.v1', bookingId, (e) => e.data.amount === 9000);
    expect(paid.data.paymentIds).toHaveLength(2);
    const intents = h.intents(bookingId);
    expect(intents.map((i) => i.captured).sort()).toEqual([3000, 6000]);

    await h.publish('booking.modified.v1', { ...base, modificationId: randomUUID(), fromQuantity: 3, toQuantity: 1, priceDelta: -6000, amount: 3000 }, bookingId);
    await h.waitFor('payment.refunded.v1', bookingId, (e) => e.data.bookingRefunded === 6000);
    const picture = await h.picture(bookingId);
    expect(picture.money).toMatchObject({ amount: 3000, captured: 9000, refunded: 6000, net: 3000 });
    expect(picture.refunds.every((r) => r.reason === 'modification' && r.status === 'succeeded')).toBe(true);
  });

  it('when a change must be charged and the card is declined, then payment fails for that payment, naming the change, and the total goes back', async () => {
    const b = await h.createBooking({ paymentMethod: 'pm_card_visa', amount: 4000 });
    await h.fraud(b.bookingId, 'allow');
    await h.waitFor('payment.succeeded.v1', b.bookingId);
    const [original] = await h.paymentsOf(b.bookingId);
    await h.sdb.db('payments').where({ payment_id: original!.paymentId }).update({ payment_method: 'pm_card_chargeDeclined' });
    const modificationId = randomUUID();
    await h.publish(
      'booking.modified.v1',
      { bookingId: b.bookingId, matchId: 'm-1', userId: b.userId, modificationId, kind: 'quantity', fromMatchId: 'm-1', toMatchId: 'm-1', fromQuantity: 2, toQuantity: 3, priceDelta: 2000, amount: 6000, currency: 'EUR' },
      b.bookingId,
    );
    const failed = await h.waitFor('payment.failed.v1', b.bookingId);
    expect(failed.data).toMatchObject({ reason: 'card_declined', paymentId: expect.any(String), modificationId });
    expect((await h.picture(b.bookingId)).money).toMatchObject({ amount: 4000, captured: 4000, net: 4000 });
  });

  it('when an admin refunds part of a payment, then it is refunded once per idempotency key', async () => {
    const { bookingId } = await paidBooking(5000);
    const [p] = await h.paymentsOf(bookingId);
    const key = randomUUID();
    const send = () => request(h.service.app).post(`/v1/admin/payments/${p!.paymentId}/refund`).set(admin).set('idempotency-key', key).send({ amount: 1500, reason: 'goodwill' });
    expect((await send()).status).toBe(202);
    expect((await send()).status).toBe(202);
    await h.waitFor('payment.refunded.v1', bookingId, (e) => e.data.reason === 'admin');
    await sleep(300);
    expect(h.ofBooking(bookingId, 'payment.refunded.v1')).toHaveLength(1);
    const fanTry = await request(h.service.app).post(`/v1/admin/payments/${p!.paymentId}/refund`).set(fan('u1')).send({ amount: 1, reason: 'x' });
    expect(fanTry.status).toBe(403);
  });
});

describe('operations', () => {
  it('when a poisoned message arrives, then it lands in the payment dead-letter topic and the admin API lists it', async () => {
    await publishRaw(`${h.prefix}booking.events`, { key: 'poison', value: '{"not":"an event"}', headers: { ce_id: randomUUID(), ce_type: 'booking.created.v1', ce_source: 'x', ce_specversion: '1.0' } });
    const res = await eventually(async () => {
      const r = await request(h.service.app).get('/v1/admin/dlq').set(admin);
      return r.body.count > 0 ? r : undefined;
    }, { what: 'dead letter listed', timeoutMs: 60_000 });
    expect(res.body.deadLetters[0]).toMatchObject({ eventType: 'booking.created.v1', error: expect.stringContaining('ContractError') });
    const breakers = await request(h.service.app).get('/v1/admin/breakers').set(admin);
    expect(breakers.body.breakers).toEqual([expect.objectContaining({ name: 'payment.stripe', state: 'closed' })]);
  });

  it('when a fan asks for the money picture or a quote without identity, then it is refused', async () => {
    expect((await request(h.service.app).get('/v1/admin/payments/b-x').set(fan('u'))).status).toBe(403);
    expect((await request(h.service.app).post('/v1/fx/quotes').send({ from: 'EUR', to: 'USD' })).status).toBe(401);
    const quote = await request(h.service.app).post('/v1/fx/quotes').set(fan('u')).send({ from: 'EUR', to: 'USD', amount: 10000 });
    expect(quote.status).toBe(201);
    expect(quote.body).toMatchObject({ rate: 1.08, convertedAmount: 10800, expiresAt: expect.any(String) });
    const unsupported = await request(h.service.app).post('/v1/fx/quotes').set(fan('u')).send({ from: 'EUR', to: 'XAU' });
    expect(unsupported.status).toBe(422);
    expect(unsupported.body.code).toBe('CURRENCY_NOT_SUPPORTED');
  });
});
