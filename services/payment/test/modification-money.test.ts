import type { MatchdayEvent } from '@matchday/contracts';
import { sleep } from '@matchday/testkit';
import { eventually, startHarness, type Harness } from './harness';
import { CAPTURE, change, extraFor, paidBooking } from './modifications';

let h: Harness;

beforeAll(async () => {
  // Slow retries: a capture that failed is tried again only after the test has dropped its change.
  h = await startHarness({ JOB_RETRY_BASE_MS: '4000', JOB_RETRY_MAX_MS: '8000' });
});

afterAll(async () => {
  await h?.close();
});

afterEach(() => h.sandbox.clearFaults('stripe'));

const succeeded = (bookingId: string) => h.ofBooking(bookingId, 'payment.succeeded.v1') as Array<MatchdayEvent<'payment.succeeded.v1'>>;

/**
 * The money sums as booking records them from payment's events: the greatest running captured sum
 * (payment.captured, payment.succeeded, payment.partially_paid) and refunded sum seen.
 */
function bookingSums(bookingId: string): { captured: number; refunded: number; net: number } {
  let captured = 0;
  let refunded = 0;
  for (const e of h.ofBooking(bookingId)) {
    const d = e.data as { bookingCaptured?: number; amount?: number; paidAmount?: number; bookingRefunded?: number };
    if (e.type === 'payment.captured.v1') captured = Math.max(captured, d.bookingCaptured!);
    else if (e.type === 'payment.succeeded.v1') captured = Math.max(captured, d.amount!);
    else if (e.type === 'payment.partially_paid.v1') captured = Math.max(captured, d.paidAmount!);
    else if (e.type === 'payment.refunded.v1') refunded = Math.max(refunded, d.bookingRefunded!);
  }
  return { captured, refunded, net: captured - refunded };
}

/** payment.succeeded for the change came after the capture of its extra charge. */
function paidAfterCapture(bookingId: string, extraPaymentId: string, paid: MatchdayEvent) {
  const events = h.ofBooking(bookingId);
  const capturedAt = events.findIndex((e) => e.type === 'payment.captured.v1' && (e.data as { paymentId: string }).paymentId === extraPaymentId);
  expect(capturedAt).toBeGreaterThanOrEqual(0);
  expect(events.indexOf(paid)).toBeGreaterThan(capturedAt);
}

describe('a booking whose total goes down and up again', () => {
  it('when a change lowers the total (refunded) and a later one raises it above the first total, then the booking is reported paid once, for the new total, after the extra charge is captured', async () => {
    const b = await paidBooking(h, 10000);
    await change(h, b, 10000, -3000).request();
    await h.waitFor('payment.refunded.v1', b.bookingId, (e) => e.data.bookingRefunded === 3000);

    const raise = change(h, b, 7000, 5000);
    await raise.request();
    const paid = await h.waitFor('payment.succeeded.v1', b.bookingId, (e) => succeeded(b.bookingId).indexOf(e) > 0);
    const extra = await extraFor(h, b.bookingId, raise.modificationId);
    expect(extra.captured).toBe(5000);
    paidAfterCapture(b.bookingId, extra.paymentId, paid);
    expect(paid.data.amount).toBe(12000);

    await sleep(500);
    expect(succeeded(b.bookingId).map((e) => e.data.amount)).toEqual([10000, 12000]);
    expect(bookingSums(b.bookingId)).toEqual({ captured: 15000, refunded: 3000, net: 12000 });
    expect((await h.picture(b.bookingId)).money).toMatchObject({ amount: 12000, captured: 15000, refunded: 3000, net: 12000 });
  });

  it('when a change lowers the total (refunded) and a later one raises it again but not above the first total, then the booking is reported paid for the new total once the extra charge is captured', async () => {
    const b = await paidBooking(h, 10000);
    await change(h, b, 10000, -3000).request();
    await h.waitFor('payment.refunded.v1', b.bookingId, (e) => e.data.bookingRefunded === 3000);

    const raise = change(h, b, 7000, 2000);
    await raise.request();
    await eventually(async () => (await extraFor(h, b.bookingId, raise.modificationId)).captured === 2000, { what: 'extra charge captured', timeoutMs: 20_000 });
    const extra = await extraFor(h, b.bookingId, raise.modificationId);
    const paid = await h.waitFor('payment.succeeded.v1', b.bookingId, (e) => succeeded(b.bookingId).indexOf(e) > 0, 5_000);
    paidAfterCapture(b.bookingId, extra.paymentId, paid);
    expect(paid.data.amount).toBe(9000);

    await sleep(500);
    expect(succeeded(b.bookingId)).toHaveLength(2);
    expect(bookingSums(b.bookingId)).toEqual({ captured: 12000, refunded: 3000, net: 9000 });
    expect((await h.picture(b.bookingId)).money).toMatchObject({ amount: 9000, captured: 12000, refunded: 3000, net: 9000 });
  });

  it('when a change raises the total and a later one lowers it, then the booking is reported paid for the raised total only, and the lowering is refunded', async () => {
    const b = await paidBooking(h, 10000);
    const raise = change(h, b, 10000, 5000);
    await raise.request();
    const paid = await h.waitFor('payment.succeeded.v1', b.bookingId, (e) => succeeded(b.bookingId).indexOf(e) > 0);
    paidAfterCapture(b.bookingId, (await extraFor(h, b.bookingId, raise.modificationId)).paymentId, paid);
    expect(paid.data.amount).toBe(15000);

    await change(h, b, 15000, -3000).request();
    await h.waitFor('payment.refunded.v1', b.bookingId, (e) => e.data.bookingRefunded === 3000);
    await sleep(500);
    expect(succeeded(b.bookingId).map((e) => e.data.amount)).toEqual([10000, 15000]);
    expect(bookingSums(b.bookingId)).toEqual({ captured: 15000, refunded: 3000, net: 12000 });
    expect((await h.picture(b.bookingId)).money).toMatchObject({ amount: 12000, captured: 15000, refunded: 3000, net: 12000 });
  });

  it('when a change lowers the total, a raise is dropped before its charge is captured and another raise follows, then only the last raise is reported paid, for its total', async () => {
    const b = await paidBooking(h, 10000);
    await change(h, b, 10000, -3000).request();
    await h.waitFor('payment.refunded.v1', b.bookingId, (e) => e.data.bookingRefunded === 3000);

    h.sandbox.addFault({ provider: 'stripe', endpoint: CAPTURE, errorRate: 1, status: 500, count: 1 });
    const dropped = change(h, b, 7000, 5000);
    await dropped.request();
    await h.waitFor('payment.authorized.v1', b.bookingId, (e) => e.data.amount === 5000);
    await dropped.drop('FAILED');
    const released = await extraFor(h, b.bookingId, dropped.modificationId);
    await eventually(() => h.intents(b.bookingId).find((i) => i.id === released.intentId)?.status === 'canceled', { what: 'dropped extra charge released', timeoutMs: 20_000 });
    expect(succeeded(b.bookingId)).toHaveLength(1);

    const raise = change(h, b, 7000, 2000);
    await raise.request();
    const paid = await h.waitFor('payment.succeeded.v1', b.bookingId, (e) => succeeded(b.bookingId).indexOf(e) > 0);
    paidAfterCapture(b.bookingId, (await extraFor(h, b.bookingId, raise.modificationId)).paymentId, paid);
    expect(paid.data.amount).toBe(9000);

    await sleep(500);
    expect(succeeded(b.bookingId)).toHaveLength(2);
    expect(bookingSums(b.bookingId)).toEqual({ captured: 12000, refunded: 3000, net: 9000 });
    expect((await h.picture(b.bookingId)).money).toMatchObject({ amount: 9000, captured: 12000, refunded: 3000, net: 9000 });
  });
});
