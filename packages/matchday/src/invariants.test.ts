import {
  checkAll,
  checkCaptures,
  checkEventsApplied,
  checkFindings,
  checkMoneyEquation,
  checkNotificationsDelivered,
  checkNotificationsUnique,
  checkOversell,
  checkProviderMoney,
  checkSettled,
  checkWebhooksStored,
  type BookingRecord,
  type Snapshot,
} from './invariants';
import type { SandboxState } from './sandbox';

const booking = (o: Partial<BookingRecord> = {}): BookingRecord => ({
  bookingId: 'b1',
  matchId: 'm1',
  userId: 'u1',
  status: 'CONFIRMED',
  quantity: 2,
  amount: 9000,
  currency: 'EUR',
  captured: 9000,
  refunded: 0,
  reversed: 0,
  ...o,
});

const emptySandbox = (): SandboxState => ({
  stripe: { paymentIntents: [], charges: [], refunds: [], disputes: [], balanceTransactions: [], events: [] },
  twilio: { messages: [] },
  sendgrid: { messages: [] },
  fcm: { messages: [] },
  webhooks: { deliveries: [] },
});

/** A provider that captured `amount` for booking `bookingId` on intent `id` (refunded `refunded`). */
const paid = (s: SandboxState, id: string, bookingId: string, amount: number, o: { refunded?: number; currency?: string; payerId?: string } = {}) => {
  s.stripe.paymentIntents.push({
    id,
    amount,
    amount_received: amount,
    currency: (o.currency ?? 'eur').toLowerCase(),
    status: 'succeeded',
    capture_method: 'manual',
    latest_charge: `ch_${id}`,
    metadata: { bookingId, ...(o.payerId && { payerId: o.payerId }) },
    created: 1,
  });
  s.stripe.charges.push({
    id: `ch_${id}`,
    amount,
    amount_captured: amount,
    amount_refunded: o.refunded ?? 0,
    captured: true,
    disputed: false,
    currency: (o.currency ?? 'eur').toLowerCase(),
    payment_intent: id,
    status: 'succeeded',
  });
};

const snapshot = (o: Partial<Snapshot> = {}): Snapshot => ({
  matches: [{ matchId: 'm1', capacity: 10, available: 8, held: 0, confirmed: 2 }],
  bookings: [booking()],
  notes: [],
  gaps: [],
  ...o,
});

describe('invariants over a snapshot', () => {
  it('when everything adds up, then every invariant passes', () => {
    const sandbox = emptySandbox();
    paid(sandbox, 'pi_1', 'b1', 9000);
    sandbox.webhooks.deliveries.push({
      id: 'd1',
      provider: 'stripe',
      refs: ['evt_1'],
      duplicate: false,
      status: 'delivered',
      attempts: [{ at: 1, outcome: 'delivered', status: 200 }],
      createdAt: 1,
    });
    const results = checkAll(
      snapshot({
        sandbox,
        payments: [{ paymentId: 'p1', bookingId: 'b1', intentId: 'pi_1' }],
        notifications: [{ notificationId: 'n1', userId: 'u1', channel: 'email', sourceEventId: 'e1', sourceEventType: 'booking.confirmed.v1', bookingId: 'b1' }],
        expectedNotifications: [{ userId: 'u1', eventType: 'booking.confirmed.v1', ref: 'b1', bookingId: 'b1' }],
        findings: [],
        outbox: [{ service: 'booking', eventId: 'e1', type: 'booking.confirmed.v1', topic: 'booking.events', published: true }],
        inbox: [{ group: 'notification', eventId: 'e1', type: 'booking.confirmed.v1', topic: 'booking.events' }],
        deadLetters: [],
        webhooks: [{ provider: 'stripe', dedupeKey: 'evt_1' }],
      }),
    );
    expect(results.filter((r) => r.verdict !== 'PASS')).toEqual([]);
  });

  it('when confirmed and held slots exceed the capacity, then the match is reported oversold', () => {
    const r = checkOversell(
      snapshot({
        matches: [{ matchId: 'm1', capacity: 3 }],
        bookings: [booking({ quantity: 2 }), booking({ bookingId: 'b2', quantity: 2, status: 'PENDING_PAYMENT' })],
      }),
    );
    expect(r.verdict).toBe('FAIL');
    expect(r.offenders).toEqual(['m1: 2 confirmed + 2 held > 3']);
  });

  it('when the match counters disagree with the bookings, then the counter drift is reported', () => {
    const r = checkOversell(snapshot({ matches: [{ matchId: 'm1', capacity: 10, available: 6, held: 0, confirmed: 3 }] }));
    expect(r.offenders).toEqual(['m1: counter says 3 confirmed, bookings say 2', 'm1: 6 available + 0 held + 3 confirmed ≠ 10']);
  });

  it('when a cancelled booking kept money or a confirmed one lacks it, then the money equation names both', () => {
    const r = checkMoneyEquation(
      snapshot({
        bookings: [
          booking({ bookingId: 'kept', status: 'CANCELLED', captured: 9000, refunded: 4500 }),
          booking({ bookingId: 'short', status: 'CONFIRMED', captured: 4500 }),
          booking({ bookingId: 'reversed', status: 'REVERSED', captured: 9000, reversed: 9000 }),
          booking({ bookingId: 'pending', status: 'PENDING_PAYMENT', captured: 0 }),
        ],
      }),
    );
    expect(r.checked).toBe(3);
    expect(r.offenders).toEqual([
      'kept CANCELLED: 9000 − 4500 − 0 = 4500, expected 0 EUR',
      'short CONFIRMED: 4500 − 0 − 0 = 4500, expected 9000 EUR',
    ]);
  });

  it('when a booking is still pending payment at the end, then it is reported unsettled', () => {
    expect(checkSettled(snapshot({ bookings: [booking({ status: 'PENDING_PAYMENT' })] })).offenders).toEqual(['b1 PENDING_PAYMENT']);
  });

  it('when the provider kept money for an expired booking, then the provider check fails even if the booking says 0', () => {
    const sandbox = emptySandbox();
    paid(sandbox, 'pi_1', 'b1', 9000, { refunded: 4500 });
    const r = checkProviderMoney(snapshot({ sandbox, bookings: [booking({ status: 'EXPIRED', captured: 9000, refunded: 9000 })] }));
    expect(r.offenders).toEqual(['b1 EXPIRED: provider still holds 4500 EUR']);
  });

  it('when a share paid in another currency is kept for a confirmed booking, then the provider check accepts it', () => {
    const sandbox = emptySandbox();
    paid(sandbox, 'pi_1', 'b1', 9800, { currency: 'usd' });
    expect(checkProviderMoney(snapshot({ sandbox })).verdict).toBe('PASS');
  });

  it('when the provider holds money for no booking, then that intent is reported', () => {
    const sandbox = emptySandbox();
    paid(sandbox, 'pi_1', 'b1', 9000);
    sandbox.stripe.paymentIntents.push({ ...sandbox.stripe.paymentIntents[0]!, id: 'pi_orphan', metadata: {} });
    sandbox.stripe.charges.push({ ...sandbox.stripe.charges[0]!, id: 'ch_orphan', payment_intent: 'pi_orphan' });
    expect(checkProviderMoney(snapshot({ sandbox })).offenders).toEqual(['pi_orphan: provider holds 9000 EUR for no known booking']);
  });

  it('when one payer share is kept by two intents, then a double charge is reported', () => {
    const sandbox = emptySandbox();
    paid(sandbox, 'pi_1', 'b1', 4500, { payerId: 'p0' });
    paid(sandbox, 'pi_2', 'b1', 4500, { payerId: 'p0' });
    const r = checkCaptures(snapshot({ sandbox }));
    expect(r.offenders).toEqual(['b1/p0/booking: kept by 2 intents (pi_1, pi_2)']);
  });

  it('when a charge was refunded more than captured, then it is reported', () => {
    const sandbox = emptySandbox();
    paid(sandbox, 'pi_1', 'b1', 4500, { refunded: 5000 });
    expect(checkCaptures(snapshot({ sandbox })).offenders).toEqual(['pi_1: refunded more than captured']);
  });

  it('when an authorisation was released before capture, then its refunded amount is not a refund above the capture', () => {
    const sandbox = emptySandbox();
    paid(sandbox, 'pi_1', 'b1', 4500);
    Object.assign(sandbox.stripe.charges[0]!, { captured: false, amount_captured: 0, amount_refunded: 4500 });
    expect(checkCaptures(snapshot({ sandbox })).offenders).toEqual([]);
  });

  it('when an event stays unpublished or a consumer never applied it, then both are reported, and dead letters are not counted as lost', () => {
    const r = checkEventsApplied(
      snapshot({
        outbox: [
          { service: 'booking', eventId: 'e1', type: 'booking.confirmed.v1', topic: 'booking.events', published: true },
          { service: 'booking', eventId: 'e2', type: 'booking.confirmed.v1', topic: 'booking.events', published: true },
          { service: 'booking', eventId: 'e3', type: 'booking.confirmed.v1', topic: 'booking.events', published: false },
          { service: 'booking', eventId: 'e4', type: 'booking.confirmed.v1', topic: 'booking.events', published: true },
        ],
        inbox: [
          { group: 'notification', eventId: 'e1', type: 'booking.confirmed.v1', topic: 'booking.events' },
          { group: 'notification', eventId: 'e3', type: 'booking.confirmed.v1', topic: 'booking.events' },
        ],
        deadLetters: [{ group: 'notification', eventId: 'e4' }],
      }),
    );
    expect(r.offenders).toEqual(['notification never applied booking.confirmed.v1 e2', 'booking outbox: booking.confirmed.v1 e3 never published']);
  });

  it('when a webhook was acknowledged to the provider but is not stored, then it is reported lost', () => {
    const sandbox = emptySandbox();
    sandbox.webhooks.deliveries.push(
      { id: 'd1', provider: 'stripe', refs: ['evt_1'], duplicate: false, status: 'delivered', attempts: [{ at: 1, outcome: 'delivered', status: 200 }], createdAt: 1 },
      { id: 'd2', provider: 'stripe', refs: ['evt_2'], duplicate: false, status: 'pending', attempts: [{ at: 1, outcome: 'http_error', status: 503 }], createdAt: 1 },
    );
    expect(checkWebhooksStored(snapshot({ sandbox, webhooks: [] })).offenders).toEqual(['stripe evt_1: acknowledged but not stored']);
  });

  it('when a user got two notifications for one event on one channel, then the duplicate is reported', () => {
    const n = { notificationId: 'n1', userId: 'u1', channel: 'email', sourceEventId: 'e1', sourceEventType: 'booking.confirmed.v1' };
    const r = checkNotificationsUnique(snapshot({ notifications: [n, { ...n, notificationId: 'n2' }, { ...n, notificationId: 'n3', channel: 'sms' }] }));
    expect(r.offenders).toEqual(['e1 u1 email: 2 notifications']);
  });

  it('when the provider accepted one notification twice, then the duplicate delivery is reported', () => {
    const sandbox = emptySandbox();
    const mail = { messageId: 'm', receivedAt: 1, request: { custom_args: { notificationId: 'n1' } } };
    sandbox.sendgrid.messages.push(mail, { ...mail, messageId: 'm2' });
    expect(checkNotificationsUnique(snapshot({ sandbox, notifications: [] })).offenders).toEqual(['provider accepted notification n1 via email 2 times']);
  });

  it('when a booker of a rescheduled match was never told, then that user is reported', () => {
    const r = checkNotificationsDelivered(
      snapshot({
        notifications: [{ notificationId: 'n1', userId: 'u1', channel: 'email', sourceEventType: 'match.rescheduled.v1' }],
        expectedNotifications: [
          { userId: 'u1', eventType: 'match.rescheduled.v1', ref: 'm1' },
          { userId: 'u2', eventType: 'match.rescheduled.v1', ref: 'm1' },
        ],
      }),
    );
    expect(r.offenders).toEqual(['u2: no match.rescheduled.v1 notification (m1)']);
  });

  it('when a finding the platform could heal is left open, then it fails; one needing a person is only noted', () => {
    const r = checkFindings(
      snapshot({
        findings: [
          { findingId: 'f1', kind: 'paid_not_confirmed', status: 'open', bookingId: 'b1' },
          { findingId: 'f2', kind: 'amount_mismatch', status: 'open', bookingId: 'b2' },
          { findingId: 'f3', kind: 'double_charge', status: 'resolved', bookingId: 'b3' },
        ],
      }),
    );
    expect(r.offenders).toEqual(['f1 paid_not_confirmed b1']);
    expect(r.detail).toContain('amount_mismatch b2');
  });

  it('when reconciliation planned its own action on a finding that is still open, then it fails whatever the kind', () => {
    const r = checkFindings(snapshot({ findings: [{ findingId: 'f9', kind: 'amount_mismatch', status: 'open', bookingId: 'b9', autoAction: 'refund' }] }));
    expect(r.offenders).toEqual(['f9 amount_mismatch (refund not done) b9']);
  });

  it('when a data source could not be read, then its invariants are UNKNOWN, never PASS', () => {
    const results = checkAll(snapshot());
    const unknown = results.filter((r) => r.verdict === 'UNKNOWN').map((r) => r.name);
    expect(unknown).toEqual(
      expect.arrayContaining([
        'money at the provider matches each booking',
        'events: outbox published and applied once per consumer',
        'one notification per (event, user, channel)',
        'no open self-healable reconciliation finding',
      ]),
    );
  });
});
