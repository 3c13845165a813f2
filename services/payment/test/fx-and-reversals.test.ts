import { sleep } from '@matchday/testkit';
import request from 'supertest';
import { eventually, fan, startHarness, type Harness } from './harness';

let h: Harness;

beforeAll(async () => {
  // Quotes expire after a second here, so a capture that waits for fraud meets an expired quote.
  h = await startHarness({ FX_QUOTE_TTL_SECONDS: '1', FX_TOLERANCE: '0.02' });
});

afterAll(async () => {
  await h?.close();
});

const usdPayer = (userId: string, amount: number, paymentMethod?: string) => [
  { payerId: `${userId}-p`, userId, amount, currency: 'EUR', paymentCurrency: 'USD', ...(paymentMethod ? { paymentMethod } : {}) },
];

describe('paying in another currency', () => {
  it('when the rate moves within the tolerance after the quote expired, then the quoted amount is captured and the platform absorbs the difference', async () => {
    h.rates.update({ USD: 1.08 });
    const { bookingId } = await h.createBooking({ amount: 10000, payers: usdPayer('fx-in', 10000, 'pm_card_visa'), userId: 'fx-in' });
    const authorized = await h.waitFor('payment.authorized.v1', bookingId);
    expect(authorized.data).toMatchObject({ amount: 10800, currency: 'USD' });
    await sleep(1200);
    h.rates.update({ USD: 1.09 }); // +0.9 %
    await h.fraud(bookingId, 'allow');
    const paid = await h.waitFor('payment.succeeded.v1', bookingId);
    expect(paid.data).toMatchObject({ amount: 10000, currency: 'EUR' });
    const [captured] = h.ofBooking(bookingId, 'payment.captured.v1');
    expect(captured!.data).toMatchObject({ amount: 10800, currency: 'USD', bookingCaptured: 10000, bookingCurrency: 'EUR' });
    expect(await h.metrics()).toMatch(/payment_fx_decisions_total\{decision="within_tolerance"\} [1-9]/);
  });

  it('when the rate moves beyond the tolerance after the quote expired, then the authorization is released, the share is quoted again and the payer confirms the new amount', async () => {
    h.rates.update({ USD: 1.08 });
    const { bookingId } = await h.createBooking({ amount: 10000, payers: usdPayer('fx-out', 10000, 'pm_card_visa'), userId: 'fx-out' });
    const authorized = await h.waitFor('payment.authorized.v1', bookingId);
    await sleep(1200);
    h.rates.update({ USD: 1.2 }); // +11 %
    await h.fraud(bookingId, 'allow');
    const requoted = await h.waitFor('payment.requoted.v1', bookingId);
    expect(requoted.data).toMatchObject({ previousRate: 1.08, rate: 1.2, amount: 12000, currency: 'USD' });
    await eventually(() => h.intents(bookingId).find((i) => i.id === authorized.data.intentId)?.status === 'canceled', { what: 'stale authorization released' });
    expect(h.ofBooking(bookingId, 'payment.captured.v1')).toHaveLength(0);

    const next = await eventually(async () => {
      const ps = await h.paymentsOf(bookingId);
      return ps.find((p) => p.paymentId === requoted.data.paymentId && p.intentId) ?? undefined;
    }, { what: 'new intent at the new rate' });
    expect(next).toMatchObject({ status: 'requires_payment_method', amount: 12000, currency: 'USD' });
    const res = await request(h.service.app).post(`/v1/payments/${next.paymentId}/confirm`).set(fan('fx-out')).send({ paymentMethod: 'pm_card_visa' });
    expect(res.status).toBe(200);
    const paid = await h.waitFor('payment.succeeded.v1', bookingId);
    expect(paid.data).toMatchObject({ amount: 10000, currency: 'EUR', paymentIds: [next.paymentId] });
    const picture = await h.picture(bookingId);
    expect(picture.money).toMatchObject({ captured: 10000, net: 10000 });
    expect(picture.payments.map((p) => [p.status, p.amount])).toEqual([
      ['canceled', 10800],
      ['captured', 12000],
    ]);
  });

  it('when a payer asks for an unsupported currency, then the booking\'s payment fails without any intent', async () => {
    const { bookingId } = await h.createBooking({ amount: 5000, payers: [{ payerId: 'x-p', userId: 'x', amount: 5000, currency: 'EUR', paymentCurrency: 'XAU' }] });
    const failed = await h.waitFor('payment.failed.v1', bookingId);
    expect(failed.data).toMatchObject({ reason: 'unsupported_currency', code: 'XAU' });
    expect(h.intents(bookingId)).toHaveLength(0);
  });
});

describe('disputes and bank reversals', () => {
  async function paid(paymentMethod: string, amount = 7000) {
    const b = await h.createBooking({ paymentMethod, amount });
    await h.fraud(b.bookingId, 'allow');
    await h.waitFor('payment.succeeded.v1', b.bookingId);
    return b;
  }

  it('when a captured payment is disputed and the dispute is lost, then the dispute opens, closes lost, and payment.reversed tells the user and the booking', async () => {
    const { bookingId } = await paid('pm_card_disputed');
    const opened = await h.waitFor('dispute.opened.v1', bookingId);
    expect(opened.data).toMatchObject({ amount: 7000, currency: 'EUR', reason: 'fraudulent' });
    let picture = await h.picture(bookingId);
    expect(picture.payments[0]!.status).toBe('disputed');

    // A refund asked for while the charge is disputed is refused by Stripe: recorded as failed, for a person.
    await h.publish('refund.requested.v1', { refundRequestId: `r-${bookingId}`, bookingId, amount: null, currency: 'EUR', reason: 'fan_cancelled' }, bookingId);
    await eventually(async () => (await h.picture(bookingId)).refunds.find((r) => r.status === 'failed'), { what: 'refund refused' });
    expect(await h.metrics()).toMatch(/payment_refund_failures_total\{reason="cancellation"\} [1-9]/);

    h.sandbox.closeDispute(opened.data.disputeId, 'lost');
    const closed = await h.waitFor('dispute.closed.v1', bookingId);
    expect(closed.data).toMatchObject({ status: 'lost', amount: 7000 });
    const reversed = await h.waitFor('payment.reversed.v1', bookingId);
    expect(reversed.data).toMatchObject({ reason: 'dispute', amount: 7000, currency: 'EUR' });
    picture = await h.picture(bookingId);
    expect(picture.money).toMatchObject({ captured: 7000, reversed: 7000, net: 0 });
    expect(picture.disputes).toEqual([expect.objectContaining({ kind: 'dispute', status: 'lost' })]);
    expect(await h.metrics()).toMatch(/payment_disputes_total\{outcome="lost"\} [1-9]/);
  });

  it('when a dispute is won, then the booking is told and no money is reversed', async () => {
    const { bookingId } = await paid('pm_card_visa', 3000);
    const [intent] = h.intents(bookingId);
    const dispute = h.sandbox.openDispute(intent!.id);
    await h.waitFor('dispute.opened.v1', bookingId);
    h.sandbox.closeDispute(dispute.id, 'won');
    const closed = await h.waitFor('dispute.closed.v1', bookingId);
    expect(closed.data.status).toBe('won');
    await sleep(500);
    expect(h.ofBooking(bookingId, 'payment.reversed.v1')).toHaveLength(0);
    expect((await h.picture(bookingId)).money).toMatchObject({ reversed: 0, net: 3000 });
  });

  it('when the bank reverses a succeeded charge, then the payment is reversed at once (no dispute to answer) and the user is told', async () => {
    const { bookingId } = await paid('pm_card_bankReversal', 6500);
    const reversed = await h.waitFor('payment.reversed.v1', bookingId);
    expect(reversed.data).toMatchObject({ reason: 'bank_reversal', amount: 6500, currency: 'EUR' });
    await sleep(500);
    expect(h.ofBooking(bookingId, 'dispute.opened.v1')).toHaveLength(0);
    expect(h.ofBooking(bookingId, 'payment.reversed.v1')).toHaveLength(1);
    const picture = await h.picture(bookingId);
    expect(picture.money).toMatchObject({ captured: 6500, reversed: 6500, net: 0 });
    expect(picture.payments[0]!.status).toBe('reversed');
    expect(await h.metrics()).toMatch(/payment_disputes_total\{outcome="bank_reversal"\} [1-9]/);
  });
});
