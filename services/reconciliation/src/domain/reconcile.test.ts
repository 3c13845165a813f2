import type { BookingRecord, PaymentRecord, ProviderIntent } from './ledger';
import { reconcile, type ReconcileInput } from './reconcile';

const now = new Date('2026-05-01T12:00:00Z');
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);

const buildBooking = (overrides: Partial<BookingRecord> = {}): BookingRecord => ({
  bookingId: 'b-1',
  state: 'CONFIRMED',
  amount: 5000,
  currency: 'EUR',
  disputed: false,
  paidDeclared: 0,
  createdAt: minutesAgo(60),
  updatedAt: minutesAgo(50),
  ...overrides,
});

const buildIntent = (overrides: Partial<ProviderIntent> = {}): ProviderIntent => ({
  intentId: 'pi_1',
  bookingId: 'b-1',
  payerId: 'p-1',
  status: 'succeeded',
  amount: 5000,
  currency: 'EUR',
  created: minutesAgo(55),
  captured: 5000,
  refunded: 0,
  reversed: 0,
  lastActivity: minutesAgo(55),
  ...overrides,
});

const buildPayment = (overrides: Partial<PaymentRecord> = {}): PaymentRecord => ({
  paymentId: 'pay-1',
  bookingId: 'b-1',
  intentId: 'pi_1',
  payerId: 'p-1',
  currency: 'EUR',
  captured: 5000,
  refunded: 0,
  bookingCaptured: 5000,
  ...overrides,
});

const run = (parts: Partial<ReconcileInput>) =>
  reconcile({ bookings: [], payments: [], intents: [], now, graceSeconds: 300, fxToleranceMinor: 2, ...parts });

const kinds = (parts: Partial<ReconcileInput>) => run(parts).mismatches.map((m) => m.kind);

describe('reconciling bookings, payments and the provider', () => {
  it('when a confirmed booking is paid exactly, then nothing is found', () => {
    const r = run({ bookings: [buildBooking()], intents: [buildIntent()], payments: [buildPayment()] });
    expect(r.mismatches).toEqual([]);
    expect([...r.judgedBookings]).toEqual(['b-1']);
  });

  it('when payment declared the booking paid and the provider holds the full amount but the booking is still pending, then paid_not_confirmed asks booking to re-confirm', () => {
    const [m] = run({ bookings: [buildBooking({ state: 'PENDING_PAYMENT', paidDeclared: 5000 })], intents: [buildIntent()] }).mismatches;
    expect(m).toMatchObject({ kind: 'paid_not_confirmed', key: 'paid_not_confirmed:b-1', amount: 5000, action: { type: 'reconfirm', bookingId: 'b-1' } });
  });

  it('when the provider holds the full amount of a pending booking that payment has not declared paid, then nothing is asked (payment is still collecting)', () => {
    expect(kinds({ bookings: [buildBooking({ state: 'PENDING_PAYMENT' })], intents: [buildIntent()] })).toEqual([]);
    expect(kinds({ bookings: [buildBooking({ state: 'PENDING_PAYMENT', paidDeclared: 2500 })], intents: [buildIntent()] })).toEqual([]);
  });

  it('when a pending booking is only partly paid, then it is left alone (payment still in progress)', () => {
    expect(kinds({ bookings: [buildBooking({ state: 'PENDING_PAYMENT' })], intents: [buildIntent({ amount: 2500, captured: 2500 })] })).toEqual([]);
  });

  it('when a confirmed booking has nothing captured (only an authorisation), then confirmed_not_paid is left for a person', () => {
    const [m] = run({ bookings: [buildBooking()], intents: [buildIntent({ status: 'requires_capture', captured: 0 })] }).mismatches;
    expect(m).toMatchObject({ kind: 'confirmed_not_paid', amount: 5000, currency: 'EUR' });
    expect(m!.action).toBeUndefined();
  });

  it('when the provider holds another amount than the booking, then amount_mismatch carries the difference', () => {
    const [m] = run({ bookings: [buildBooking()], intents: [buildIntent({ amount: 4000, captured: 4000 })] }).mismatches;
    expect(m).toMatchObject({ kind: 'amount_mismatch', amount: 1000, detail: 'booking is confirmed for 5000 EUR but the provider holds 4000 EUR' });
    expect(m!.action).toBeUndefined();
  });

  it('when the payer paid in another currency, then the recorded rate converts it and FX rounding within tolerance is fine', () => {
    const intent = buildIntent({ currency: 'USD', amount: 5431, captured: 5431 });
    const ok = buildPayment({ currency: 'USD', captured: 5431, bookingCaptured: 5001 });
    expect(kinds({ bookings: [buildBooking()], intents: [intent], payments: [ok] })).toEqual([]);
    const off = buildPayment({ currency: 'USD', captured: 5431, bookingCaptured: 4900 });
    expect(kinds({ bookings: [buildBooking()], intents: [intent], payments: [off] })).toEqual(['amount_mismatch']);
  });

  it('when the provider charged in another currency than payment recorded, or with no rate at all, then currency_mismatch', () => {
    const intent = buildIntent({ currency: 'USD' });
    const [m] = run({ bookings: [buildBooking()], intents: [intent], payments: [buildPayment({ currency: 'EUR' })] }).mismatches;
    expect(m).toMatchObject({ kind: 'currency_mismatch', key: 'currency_mismatch:b-1:pi_1', amount: 5000, currency: 'USD' });
    expect(kinds({ bookings: [buildBooking()], intents: [intent] })).toEqual(['currency_mismatch']);
  });

  it('when the same payer was charged the amount twice, then the later intent is a double charge to refund', () => {
    const first = buildIntent({ intentId: 'pi_1', created: minutesAgo(55) });
    const second = buildIntent({ intentId: 'pi_2', created: minutesAgo(54) });
    const [m, ...rest] = run({ bookings: [buildBooking()], intents: [second, first] }).mismatches;
    expect(rest).toEqual([]);
    expect(m).toMatchObject({
      kind: 'double_charge',
      intentId: 'pi_2',
      amount: 5000,
      action: { type: 'refund', intentId: 'pi_2', amount: 5000, currency: 'EUR', bookingId: 'b-1' },
    });
  });

  it('when two payers split a booking with equal shares, then that is not a double charge', () => {
    const a = buildIntent({ intentId: 'pi_a', payerId: 'p-a', amount: 2500, captured: 2500 });
    const b = buildIntent({ intentId: 'pi_b', payerId: 'p-b', amount: 2500, captured: 2500 });
    expect(kinds({ bookings: [buildBooking()], intents: [a, b] })).toEqual([]);
  });

  it('when a cancelled or reversed booking still has money at the provider, then a refund is owed per intent', () => {
    const r = run({ bookings: [buildBooking({ state: 'CANCELLED' })], intents: [buildIntent({ refunded: 1000 })] });
    expect(r.mismatches).toEqual([
      expect.objectContaining({ kind: 'refund_missing', amount: 4000, action: { type: 'refund', intentId: 'pi_1', amount: 4000, currency: 'EUR', bookingId: 'b-1' } }),
    ]);
    expect(kinds({ bookings: [buildBooking({ state: 'CANCELLED' })], intents: [buildIntent({ refunded: 5000 })] })).toEqual([]);
    expect(kinds({ bookings: [buildBooking({ state: 'REVERSED' })], intents: [buildIntent({ reversed: 5000 })] })).toEqual([]);
  });

  it('when payment closed an expired booking, then whatever the provider holds (partly or fully paid) is a refund owed, never a re-confirmation', () => {
    const closed = { state: 'EXPIRED' as const, paymentClosed: { at: minutesAgo(40), reason: 'expired' } };
    expect(kinds({ bookings: [buildBooking(closed)], intents: [buildIntent({ amount: 2000, captured: 2000 })] })).toEqual(['refund_missing']);
    const [m, ...rest] = run({ bookings: [buildBooking(closed)], intents: [buildIntent()] }).mismatches;
    expect(rest).toEqual([]);
    expect(m).toMatchObject({
      kind: 'refund_missing',
      amount: 5000,
      detail: 'booking is expired and payment closed it (expired) but the provider still holds 5000 EUR on intent pi_1',
      action: { type: 'refund', intentId: 'pi_1', amount: 5000, currency: 'EUR', bookingId: 'b-1' },
    });
    // A capture that raced the closure, as payment refunds it.
    expect(kinds({ bookings: [buildBooking(closed)], intents: [buildIntent({ refunded: 5000 })] })).toEqual([]);
    // Closed after it was declared paid (a cancellation racing): still money to give back.
    expect(kinds({ bookings: [buildBooking({ ...closed, paidDeclared: 5000 })], intents: [buildIntent()] })).toEqual(['refund_missing']);
    // Fraud blocked it while pending: the same.
    expect(kinds({ bookings: [buildBooking({ state: 'PENDING_PAYMENT', paymentClosed: { at: minutesAgo(40), reason: 'fraud_block' } })], intents: [buildIntent()] })).toEqual(['refund_missing']);
  });

  it('when payment closed an expired booking within the grace period, then it is not judged yet (payment\'s own refunds are on their way)', () => {
    const r = run({ bookings: [buildBooking({ state: 'EXPIRED', paymentClosed: { at: minutesAgo(1), reason: 'expired' } })], intents: [buildIntent()] });
    expect(r).toMatchObject({ mismatches: [], skipped: 1 });
    expect(r.judgedBookings.size).toBe(0);
  });

  it('when payment declared an expired booking paid, then the full payment is for booking to decide (re-confirm); partly paid, nothing', () => {
    expect(kinds({ bookings: [buildBooking({ state: 'EXPIRED', paidDeclared: 5000 })], intents: [buildIntent()] })).toEqual(['paid_not_confirmed']);
    expect(kinds({ bookings: [buildBooking({ state: 'EXPIRED', paidDeclared: 5000 })], intents: [buildIntent({ refunded: 5000 })] })).toEqual([]);
  });

  it('when payment has neither declared an expired booking paid nor closed it, then it is not judged yet, whatever the provider holds', () => {
    for (const intent of [buildIntent(), buildIntent({ amount: 2000, captured: 2000 })]) {
      const r = run({ bookings: [buildBooking({ state: 'EXPIRED' })], intents: [intent] });
      expect(r).toMatchObject({ mismatches: [], skipped: 1 });
      expect(r.judgedBookings.size).toBe(0);
    }
  });

  it('when the provider holds money for no known booking, then it is refunded as charge_without_booking', () => {
    const [m] = run({ intents: [buildIntent({ bookingId: undefined, intentId: 'pi_x' })] }).mismatches;
    expect(m).toMatchObject({ kind: 'charge_without_booking', intentId: 'pi_x', action: { type: 'refund', intentId: 'pi_x', amount: 5000 } });
    expect(kinds({ intents: [buildIntent({ bookingId: 'b-unknown' })] })).toEqual(['charge_without_booking']);
    expect(kinds({ intents: [buildIntent({ bookingId: undefined, captured: 5000, refunded: 5000 })] })).toEqual([]);
  });

  it('when a booking or its intents changed within the grace period, or it is disputed, then it is not judged yet', () => {
    const fresh = run({ bookings: [buildBooking({ updatedAt: minutesAgo(1) })], intents: [buildIntent({ captured: 0 })] });
    expect(fresh).toMatchObject({ mismatches: [], skipped: 1 });
    expect(fresh.judgedBookings.size).toBe(0);
    expect(run({ bookings: [buildBooking()], intents: [buildIntent({ captured: 0, lastActivity: minutesAgo(2) })] }).mismatches).toEqual([]);
    expect(run({ bookings: [buildBooking({ disputed: true })], intents: [buildIntent({ captured: 0 })] }).mismatches).toEqual([]);
    expect(run({ intents: [buildIntent({ bookingId: undefined, lastActivity: minutesAgo(1) })] }).mismatches).toEqual([]);
  });
});
