import type { MatchdayEvent } from '@matchday/contracts';
import { sleep } from '@matchday/testkit';
import { capturesPerIntent, eventually, startHarness, type Harness } from './harness';
import { CAPTURE, change, chargeChangesWith, extraFor, paidBooking } from './modifications';

let h: Harness;

beforeAll(async () => {
  // Slow retries: a provider call that failed or timed out is tried again only after the test has
  // told payment that the change was dropped.
  h = await startHarness({ JOB_RETRY_BASE_MS: '4000', JOB_RETRY_MAX_MS: '8000' });
});

afterAll(async () => {
  await h?.close();
});

afterEach(() => h.sandbox.clearFaults('stripe'));

const succeeded = (bookingId: string) => h.ofBooking(bookingId, 'payment.succeeded.v1') as Array<MatchdayEvent<'payment.succeeded.v1'>>;

const extraOf = async (bookingId: string) => (await h.paymentsOf(bookingId)).find((p) => p.purpose === 'modification')!;

describe('a change dropped by booking after payment charged for it', () => {
  it('when the extra charge was captured before the change was dropped, then it is refunded (reason modification) and a later change is charged and reported paid again', async () => {
    const b = await paidBooking(h, 6000);
    const first = change(h, b, 6000, 3000);
    await first.request();
    await h.waitFor('payment.succeeded.v1', b.bookingId, (e) => e.data.amount === 9000);
    await first.drop('EXPIRED');

    const refunded = await h.waitFor('payment.refunded.v1', b.bookingId);
    const extra = await extraOf(b.bookingId);
    expect(refunded.data).toMatchObject({ paymentId: extra.paymentId, amount: 3000, reason: 'modification', bookingRefunded: 3000 });
    expect((await h.picture(b.bookingId)).money).toMatchObject({ amount: 6000, captured: 9000, refunded: 3000, net: 6000, refundsPending: 0 });
    expect(await h.metrics()).toMatch(/payment_modification_extras_dropped_total\{outcome="refunded"\} [1-9]/);

    // The total that stands is the one payment.succeeded covers: the next change is reported paid, for what the booking holds.
    await change(h, b, 6000, 2000).request();
    const paid = await h.waitFor('payment.succeeded.v1', b.bookingId, (e) => e.data.amount === 8000);
    expect(paid.data.paymentIds).toHaveLength(3);
    await sleep(300);
    expect(h.ofBooking(b.bookingId, 'payment.refunded.v1')).toHaveLength(1);
  });

  it('when the change is dropped before its extra charge is captured, then the authorization is released and nothing is captured or refunded', async () => {
    const b = await paidBooking(h, 6000);
    h.sandbox.addFault({ provider: 'stripe', endpoint: CAPTURE, errorRate: 1, status: 500, count: 1 });
    const c = change(h, b, 6000, 3000);
    await c.request();
    await h.waitFor('payment.authorized.v1', b.bookingId, (e) => e.data.amount === 3000);
    await c.drop('FAILED');

    const extra = await extraOf(b.bookingId);
    await eventually(() => h.intents(b.bookingId).find((i) => i.id === extra.intentId)?.status === 'canceled', { what: 'extra charge released', timeoutMs: 20_000 });
    expect(capturesPerIntent(h.sandbox).get(extra.intentId!)).toBeUndefined();
    const picture = await h.picture(b.bookingId);
    expect(picture.money).toMatchObject({ amount: 6000, captured: 6000, refunded: 0, net: 6000 });
    expect(picture.jobs.find((j) => j.kind === 'capture' && j.status === 'done')).toBeDefined();
    expect(h.ofBooking(b.bookingId, 'payment.succeeded.v1')).toHaveLength(1);
    expect(h.ofBooking(b.bookingId, 'payment.refunded.v1')).toHaveLength(0);
    expect(await h.metrics()).toMatch(/payment_modification_extras_dropped_total\{outcome="released"\} [1-9]/);
  });

  it('when the extra charge is captured at the provider after the change was dropped (its answer lost to a timeout), then it is refunded and never reported as paid', async () => {
    const b = await paidBooking(h, 6000);
    // Stripe captures 2 s after payment asked, long after payment stopped waiting (400 ms).
    h.sandbox.addFault({ provider: 'stripe', endpoint: CAPTURE, latencyMs: 2000, count: 1 });
    const c = change(h, b, 6000, 3000);
    await c.request();
    await h.waitFor('payment.authorized.v1', b.bookingId, (e) => e.data.amount === 3000);
    await c.drop('EXPIRED');

    const refunded = await h.waitFor('payment.refunded.v1', b.bookingId);
    const extra = await extraOf(b.bookingId);
    expect(refunded.data).toMatchObject({ paymentId: extra.paymentId, amount: 3000, reason: 'modification' });
    expect(capturesPerIntent(h.sandbox).get(extra.intentId!)).toBe(1);
    expect(h.intents(b.bookingId).find((i) => i.id === extra.intentId)).toMatchObject({ captured: 3000, refunded: 3000 });
    expect(h.ofBooking(b.bookingId, 'payment.succeeded.v1').map((e) => (e.data as { amount: number }).amount)).toEqual([6000]);
    await eventually(async () => (await h.picture(b.bookingId)).jobs.every((j) => j.status === 'done'), { what: 'payment work settled', timeoutMs: 20_000 });
    expect((await h.picture(b.bookingId)).money).toMatchObject({ amount: 6000, captured: 9000, refunded: 3000, net: 6000, refundsPending: 0 });
    expect(h.ofBooking(b.bookingId, 'payment.refunded.v1')).toHaveLength(1);
  });
});

describe('a change dropped while a later change waits for its own extra payment', () => {
  it('when the dropped change\'s extra charge was captured before payment heard of the drop, then payment.succeeded names that change, and the later change is reported paid under its own id', async () => {
    const b = await paidBooking(h, 6000);
    const first = change(h, b, 6000, 3000);
    await first.request();
    // Booking may have dropped this change already (its window closed) and taken a cheaper one: the
    // event says which change it pays for, so booking does not apply the cheaper one on it.
    const early = await h.waitFor('payment.succeeded.v1', b.bookingId, (e) => e.data.amount === 9000);
    expect(early.data.modificationId).toBe(first.modificationId);
    await first.drop('EXPIRED');

    const second = change(h, b, 6000, 2000);
    await second.request();
    const paid = await h.waitFor('payment.succeeded.v1', b.bookingId, (e) => e.data.modificationId === second.modificationId);
    expect(paid.data.amount).toBe(8000);
    const secondExtra = await extraFor(h, b.bookingId, second.modificationId);
    expect(secondExtra.captured).toBe(2000);
    expect(paid.data.paymentIds).toContain(secondExtra.paymentId);

    const refunded = await h.waitFor('payment.refunded.v1', b.bookingId);
    expect(refunded.data).toMatchObject({ paymentId: (await extraFor(h, b.bookingId, first.modificationId)).paymentId, amount: 3000, reason: 'modification' });
    await sleep(300);
    expect(succeeded(b.bookingId).map((e) => [e.data.amount, e.data.modificationId])).toEqual([
      [6000, undefined],
      [9000, first.modificationId],
      [8000, second.modificationId],
    ]);
    expect(h.ofBooking(b.bookingId, 'payment.refunded.v1')).toHaveLength(1);
  });

  it('when the dropped change\'s extra charge is captured after the drop and is not yet refunded when the later change\'s is captured, then that money counts toward nothing: the later change is reported paid under its own id for what its own charge covers, and the dropped charge is refunded once', async () => {
    const b = await paidBooking(h, 6000);
    // Stripe captures the first change's charge 2 s after payment asked (after the drop), and its
    // refund is refused once (500), so that money is still held while the second change is paid.
    h.sandbox.addFault({ provider: 'stripe', endpoint: CAPTURE, latencyMs: 2000, count: 1 });
    h.sandbox.addFault({ provider: 'stripe', endpoint: '/v1/refunds', errorRate: 1, status: 500, count: 1 });
    const first = change(h, b, 6000, 3000);
    await first.request();
    await h.waitFor('payment.authorized.v1', b.bookingId, (e) => e.data.amount === 3000);
    await first.drop('EXPIRED');
    const firstExtra = await extraFor(h, b.bookingId, first.modificationId);
    await h.waitFor('payment.captured.v1', b.bookingId, (e) => e.data.paymentId === firstExtra.paymentId);
    expect(succeeded(b.bookingId)).toHaveLength(1);

    const second = change(h, b, 6000, 2000);
    await second.request();
    const paid = await h.waitFor('payment.succeeded.v1', b.bookingId, (e) => succeeded(b.bookingId).indexOf(e) > 0);
    // The dropped charge's 3000 was still held (its refund not through yet): it is not part of what pays for 8000.
    expect(h.ofBooking(b.bookingId, 'payment.refunded.v1')).toHaveLength(0);
    expect(paid.data).toMatchObject({ amount: 8000, modificationId: second.modificationId });
    expect((await extraFor(h, b.bookingId, second.modificationId)).captured).toBe(2000);

    const refunded = await h.waitFor('payment.refunded.v1', b.bookingId);
    expect(refunded.data).toMatchObject({ paymentId: firstExtra.paymentId, amount: 3000, reason: 'modification', bookingRefunded: 3000 });
    await eventually(async () => (await h.picture(b.bookingId)).jobs.every((j) => j.status === 'done'), { what: 'payment work settled', timeoutMs: 20_000 });
    expect((await h.picture(b.bookingId)).money).toMatchObject({ amount: 8000, captured: 11000, refunded: 3000, net: 8000, refundsPending: 0 });
    expect(h.intents(b.bookingId).find((i) => i.id === firstExtra.intentId)).toMatchObject({ captured: 3000, refunded: 3000 });
    expect(h.ofBooking(b.bookingId, 'payment.refunded.v1')).toHaveLength(1);
    expect(succeeded(b.bookingId).map((e) => e.data.amount)).toEqual([6000, 8000]);
  });
});

describe('a change dropped while its extra charge waits for the payer, and a later change waits for its own', () => {
  it('when the payer\'s card is declined for the dropped change\'s charge after the later change was asked for, then payment.failed names the dropped change, the later change keeps its total and is reported paid under its own id', async () => {
    const b = await paidBooking(h, 6000);
    // The first change's extra charge waits for the payer's 3-D Secure; the second one's goes through at once.
    await chargeChangesWith(h, b.bookingId, 'pm_card_authenticationRequired');
    const first = change(h, b, 6000, 3000);
    await first.request();
    const firstExtra = await eventually(async () => {
      const x = await extraFor(h, b.bookingId, first.modificationId).catch(() => undefined);
      return x?.state === 'requires_action' ? x : undefined;
    }, { what: 'first extra charge waiting for authentication', timeoutMs: 20_000 });
    await chargeChangesWith(h, b.bookingId, 'pm_card_visa');

    // Payment's calls to Stripe lag behind: the first charge is not released yet when the payer's
    // bank declines it, after the second change was asked for.
    const second = change(h, b, 6000, 2000);
    await h.service.queue.stop();
    try {
      await first.drop('EXPIRED');
      await second.request();
      await eventually(async () => (await h.paymentsOf(b.bookingId)).some((p) => p.modificationId === second.modificationId), { what: 'second change taken by payment' });
      await expect(h.stripe.paymentIntents.confirm(firstExtra.intentId!, { payment_method: 'pm_card_chargeDeclined' })).rejects.toThrow();

      const failed = await h.waitFor('payment.failed.v1', b.bookingId, (e) => e.data.paymentId === firstExtra.paymentId);
      expect(failed.data).toMatchObject({ reason: 'card_declined', modificationId: first.modificationId });
      // The second change still stands: its total is not put back by the first change's failure.
      expect((await h.picture(b.bookingId)).money).toMatchObject({ amount: 8000, captured: 6000 });
    } finally {
      h.service.queue.start();
    }

    const paid = await h.waitFor('payment.succeeded.v1', b.bookingId, (e) => e.data.modificationId === second.modificationId);
    expect(paid.data.amount).toBe(8000);
    expect((await extraFor(h, b.bookingId, second.modificationId)).captured).toBe(2000);
    await eventually(() => h.intents(b.bookingId).find((i) => i.id === firstExtra.intentId)?.status === 'canceled', { what: 'first extra charge released', timeoutMs: 20_000 });
    await sleep(300);
    expect(succeeded(b.bookingId).map((e) => [e.data.amount, e.data.modificationId])).toEqual([
      [6000, undefined],
      [8000, second.modificationId],
    ]);
    expect(h.ofBooking(b.bookingId, 'payment.failed.v1')).toHaveLength(1);
    expect(h.ofBooking(b.bookingId, 'payment.refunded.v1')).toHaveLength(0);
  });
});
