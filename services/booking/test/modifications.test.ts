import { randomUUID } from 'node:crypto';
import { eventually, probe, type EventProbe } from '@matchday/testkit';
import { driver } from './driver';
import { createMatch, expectInventoryConsistent, fan, inventory, key, kickoffIn, startBooking, testClock, type Harness } from './harness';

const clock = testClock();
let h: Harness;
let d: ReturnType<typeof driver>;
let events: EventProbe;

beforeAll(async () => {
  h = await startBooking({ PAYMENT_WINDOW_SECONDS: '900', WAITLIST_OFFER_SECONDS: '120', TRANSFER_TTL_SECONDS: '3600' }, { clock });
  d = driver(h);
  events = await probe(h.iso.topicPrefix, ['booking.events']);
});

afterAll(async () => {
  await events.stop();
  await h.stop();
});

/** Three matches of one fixture: day 10 at 18:00 and 20:30, day 11 at 18:00. */
async function fixture(prices: [number, number, number], capacity = 10) {
  const fixtureId = `fx-${randomUUID()}`;
  const [a, b, c] = await Promise.all([
    createMatch(h, { fixtureId, kickoffAt: kickoffIn(10, 18), unitPrice: prices[0], capacity }),
    createMatch(h, { fixtureId, kickoffAt: kickoffIn(10, 20, 30), unitPrice: prices[1], capacity }),
    createMatch(h, { fixtureId, kickoffAt: kickoffIn(11, 18), unitPrice: prices[2], capacity }),
  ]);
  return { first: a, later: b, nextDay: c };
}

const post = (user: string, path: string, body: object) => h.http().post(path).set(fan(user)).set('Idempotency-Key', key()).send(body);

describe('changing the time or date of a booking', () => {
  it('when moved to a cheaper kickoff the same day, then it moves at once, the old slots return and the difference is refunded', async () => {
    const m = await fixture([5000, 4000, 5000]);
    const b = await d.confirmedBooking('mv-1', m.first, 2);
    const res = await post('mv-1', `/v1/bookings/${b.bookingId}/reschedule`, { newTime: kickoffIn(10, 20, 30) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'APPLIED', kind: 'reschedule', toMatchId: m.later, priceDelta: -2000, amount: 8000 });
    const modified = await events.waitFor('booking.modified.v1', (e) => e.data.bookingId === b.bookingId);
    expect(modified.data).toMatchObject({ priceDelta: -2000, fromMatchId: m.first, toMatchId: m.later, amount: 8000 });
    expect(await inventory(h, m.first)).toMatchObject({ confirmed: 0, available: 10 });
    expect(await inventory(h, m.later)).toMatchObject({ confirmed: 2, available: 8 });
    // Payment refunds the difference.
    await d.refundUpTo(b, 2000, 2000);
    const after = await d.until(b.bookingId, (x) => x.money.refunded === 2000, 'partial refund');
    expect(after).toMatchObject({ matchId: m.later, amount: 8000, status: 'CONFIRMED' });
    expect(after.money).toMatchObject({ net: 8000, balanced: true });
    await expectInventoryConsistent(h, m.first);
    await expectInventoryConsistent(h, m.later);
  });

  it('when moved to a dearer date, then the new slots wait reserved for the extra payment, and the move completes when it lands', async () => {
    const m = await fixture([5000, 5000, 6500]);
    const b = await d.confirmedBooking('mv-2', m.first, 2);
    const res = await post('mv-2', `/v1/bookings/${b.bookingId}/reschedule`, { newDate: kickoffIn(11, 0).slice(0, 10) });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'PENDING_PAYMENT', toMatchId: m.nextDay, priceDelta: 3000, amount: 13000 });
    const modified = await events.waitFor('booking.modified.v1', (e) => e.data.bookingId === b.bookingId);
    expect(modified.data.paymentDeadline).toBeDefined();
    expect(await inventory(h, m.first)).toMatchObject({ confirmed: 2 });
    expect(await inventory(h, m.nextDay)).toMatchObject({ held: 2, available: 8 });
    await expectInventoryConsistent(h, m.nextDay);

    await d.payUpTo(b, 13000);
    const moved = await d.until(b.bookingId, (x) => x.matchId === m.nextDay, 'moved');
    expect(moved).toMatchObject({ status: 'CONFIRMED', amount: 13000, pendingModificationId: null });
    expect(moved.money).toMatchObject({ captured: 13000, net: 13000, balanced: true });
    expect(await inventory(h, m.first)).toMatchObject({ confirmed: 0, available: 10 });
    expect(await inventory(h, m.nextDay)).toMatchObject({ confirmed: 2, held: 0 });
    await expectInventoryConsistent(h, m.first);
    await expectInventoryConsistent(h, m.nextDay);
  });

  it('when the target is sold out or nothing of the fixture is offered then, then the booking stays as it was', async () => {
    const m = await fixture([5000, 5000, 5000], 2);
    const b = await d.confirmedBooking('mv-3', m.first, 2);
    await d.hold('mv-4', m.later, 2);
    const soldOut = await post('mv-3', `/v1/bookings/${b.bookingId}/reschedule`, { matchId: m.later });
    expect(soldOut.status).toBe(409);
    expect(soldOut.body.code).toBe('SOLD_OUT');
    const nothing = await post('mv-3', `/v1/bookings/${b.bookingId}/reschedule`, { newTime: kickoffIn(10, 9) });
    expect(nothing.status).toBe(422);
    expect(nothing.body.code).toBe('NO_MATCH_AT_TIME');
    expect((await d.asAdmin(b.bookingId)).matchId).toBe(m.first);
    await expectInventoryConsistent(h, m.first);
    await expectInventoryConsistent(h, m.later);
  });
});

describe('changing the slot count', () => {
  it('when a fan asks for more slots and the extra payment fails, then the reserved slots return and the booking is unchanged', async () => {
    const matchId = await createMatch(h, { capacity: 10 });
    const b = await d.confirmedBooking('qty-1', matchId, 2);
    const res = await post('qty-1', `/v1/bookings/${b.bookingId}/quantity`, { quantity: 4 });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'PENDING_PAYMENT', priceDelta: 10000, amount: 20000 });
    expect(await inventory(h, matchId)).toMatchObject({ confirmed: 2, held: 2, available: 6 });
    const busy = await post('qty-1', `/v1/bookings/${b.bookingId}/quantity`, { quantity: 3 });
    expect(busy.status).toBe(409);
    expect(busy.body.code).toBe('MODIFICATION_PENDING');
    await d.pay('payment.failed.v1', { bookingId: b.bookingId, reason: 'card_declined' }, b.bookingId);
    const after = await d.until(b.bookingId, (x) => x.pendingModificationId === null, 'modification dropped');
    expect(after).toMatchObject({ status: 'CONFIRMED', quantity: 2, amount: 10000 });
    const dropped = await events.waitFor('modification.dropped.v1', (e) => e.data.bookingId === b.bookingId);
    expect(dropped.data).toMatchObject({ modificationId: res.body.modificationId, status: 'FAILED', amount: 10000, currency: 'EUR' });
    expect(after.money.balanced).toBe(true);
    expect(await inventory(h, matchId)).toMatchObject({ confirmed: 2, held: 0, available: 8 });
    await expectInventoryConsistent(h, matchId);
  });

  it('when the extra payment comes after its window closed, then the change is dropped, payment is told so (it refunds that payment) and the booking stays as it was', async () => {
    const matchId = await createMatch(h, { capacity: 10 });
    const b = await d.confirmedBooking('qty-2', matchId, 1);
    const res = await post('qty-2', `/v1/bookings/${b.bookingId}/quantity`, { quantity: 2 });
    expect(res.status).toBe(202);
    clock.advance(901_000);
    await d.until(b.bookingId, (x) => x.pendingModificationId === null, 'modification expired');
    expect((await inventory(h, matchId)).held).toBe(0);
    const dropped = await events.waitFor('modification.dropped.v1', (e) => e.data.bookingId === b.bookingId);
    expect(dropped.data).toMatchObject({ modificationId: res.body.modificationId, status: 'EXPIRED', reason: 'payment_window_closed', amount: 5000, currency: 'EUR' });

    // The extra charge landed anyway: booking records it; payment refunds it (modification.dropped), booking asks nothing.
    const lateExtras = 'booking_late_payments_total{outcome="dropped_modification"}';
    const before = await d.metric(lateExtras);
    await d.payUpTo(b, 10000);
    await eventually(async () => (await d.metric(lateExtras)) > before, { what: 'payment.succeeded for the dropped total handled' });
    const paid = await d.until(b.bookingId, (x) => x.money.captured === 10000, 'late extra payment recorded');
    expect(paid).toMatchObject({ status: 'CONFIRMED', quantity: 1, amount: 5000 });
    expect(events.events.filter((e) => e.type === 'refund.requested.v1' && e.subject === b.bookingId)).toHaveLength(0);
    await d.refundUpTo(b, 5000, 5000);
    const after = await d.until(b.bookingId, (x) => x.money.refunded === 5000, 'refund');
    expect(after).toMatchObject({ quantity: 1, amount: 5000 });
    expect(after.money).toMatchObject({ net: 5000, balanced: true });
    await expectInventoryConsistent(h, matchId);
  });

  it('when the extra payment of a dropped change lands while a later change waits for its own, then the later change is not applied on it, and is applied once its own payment lands', async () => {
    const matchId = await createMatch(h, { capacity: 10 });
    const b = await d.confirmedBooking('qty-4', matchId, 1);
    const first = await post('qty-4', `/v1/bookings/${b.bookingId}/quantity`, { quantity: 3 });
    expect(first.body).toMatchObject({ status: 'PENDING_PAYMENT', priceDelta: 10000, amount: 15000 });
    clock.advance(901_000);
    await d.until(b.bookingId, (x) => x.pendingModificationId === null, 'first change expired');
    const second = await post('qty-4', `/v1/bookings/${b.bookingId}/quantity`, { quantity: 2 });
    expect(second.body).toMatchObject({ status: 'PENDING_PAYMENT', priceDelta: 5000, amount: 10000 });

    // The first change's extra charge was captured before payment heard of the drop: payment reports
    // 15000 paid for the first change, more than the second change's total.
    const lateExtras = 'booking_late_payments_total{outcome="dropped_modification"}';
    const before = await d.metric(lateExtras);
    await d.payUpTo(b, 15000, { modificationId: first.body.modificationId });
    const recorded = await d.until(b.bookingId, (x) => x.money.captured === 15000, 'the dropped change\'s money recorded');
    expect(recorded).toMatchObject({ status: 'CONFIRMED', quantity: 1, amount: 5000, pendingModificationId: second.body.modificationId });
    // The money is recorded from the capture; the late total is counted when payment.succeeded is handled, which may come after.
    await eventually(async () => (await d.metric(lateExtras)) > before, { what: 'payment.succeeded for the dropped change handled' });
    // The same news in an event published before payment named the change: not trusted either, a change was dropped.
    await d.pay('payment.succeeded.v1', { bookingId: b.bookingId, amount: 15000, currency: 'EUR', paymentIds: ['pay'] }, b.bookingId);
    await eventually(async () => (await d.metric(lateExtras)) > before + 1, { what: 'payment.succeeded naming no change handled' });
    expect(await d.asAdmin(b.bookingId)).toMatchObject({ quantity: 1, amount: 5000, pendingModificationId: second.body.modificationId });
    expect(await inventory(h, matchId)).toMatchObject({ confirmed: 1, held: 1 });

    // Payment refunds the dropped change's charge, then the second change's own extra payment lands.
    await d.refundUpTo(b, 10000, 10000);
    await d.payUpTo(b, 20000, { held: 10000, modificationId: second.body.modificationId });
    const moved = await d.until(b.bookingId, (x) => x.quantity === 2, 'second change applied');
    expect(moved).toMatchObject({ status: 'CONFIRMED', amount: 10000, pendingModificationId: null });
    expect(moved.money).toMatchObject({ captured: 20000, refunded: 10000, net: 10000, balanced: true });
    expect(await inventory(h, matchId)).toMatchObject({ confirmed: 2, held: 0 });
    await expectInventoryConsistent(h, matchId);
  });

  it('when the extra charge of a dropped change is declined late while a later change waits for its own payment, then the later change is not dropped, and is applied once its own payment lands', async () => {
    const matchId = await createMatch(h, { capacity: 10 });
    const b = await d.confirmedBooking('qty-5', matchId, 1);
    const first = await post('qty-5', `/v1/bookings/${b.bookingId}/quantity`, { quantity: 3 });
    expect(first.body).toMatchObject({ status: 'PENDING_PAYMENT', priceDelta: 10000, amount: 15000 });
    clock.advance(901_000);
    await d.until(b.bookingId, (x) => x.pendingModificationId === null, 'first change expired');
    await events.waitFor('modification.dropped.v1', (e) => e.data.modificationId === first.body.modificationId);
    const second = await post('qty-5', `/v1/bookings/${b.bookingId}/quantity`, { quantity: 2 });
    expect(second.body).toMatchObject({ status: 'PENDING_PAYMENT', priceDelta: 5000, amount: 10000 });

    // The payer's card was declined for the first change's extra charge, reported after that change was dropped.
    const ignored = 'booking_events_noop_total{type="payment.failed.v1"}';
    const before = await d.metric(ignored);
    // Handled: ignored (counted), or taken for the second change's failure (which drops it).
    const handled = (n: number, what: string) =>
      eventually(async () => (await d.metric(ignored)) >= before + n || (await d.asAdmin(b.bookingId)).pendingModificationId !== second.body.modificationId, { what });
    const lateDecline = { bookingId: b.bookingId, paymentId: randomUUID(), reason: 'card_declined', code: 'generic_decline' };
    await d.pay('payment.failed.v1', { ...lateDecline, modificationId: first.body.modificationId }, b.bookingId);
    await handled(1, 'late decline of the dropped change handled');
    expect(await d.asAdmin(b.bookingId)).toMatchObject({ status: 'CONFIRMED', quantity: 1, amount: 5000, pendingModificationId: second.body.modificationId });
    // The same news in an event published before payment named the change: not trusted either, a change was dropped.
    await d.pay('payment.failed.v1', lateDecline, b.bookingId);
    await handled(2, 'payment.failed naming no change handled');
    expect(await d.asAdmin(b.bookingId)).toMatchObject({ quantity: 1, amount: 5000, pendingModificationId: second.body.modificationId });
    expect(await inventory(h, matchId)).toMatchObject({ confirmed: 1, held: 1 });

    // The second change's own extra payment lands: it is applied.
    await d.payUpTo(b, 10000, { modificationId: second.body.modificationId });
    const moved = await d.until(b.bookingId, (x) => x.quantity === 2, 'second change applied');
    expect(moved).toMatchObject({ status: 'CONFIRMED', amount: 10000, pendingModificationId: null });
    expect(moved.money).toMatchObject({ captured: 10000, net: 10000, balanced: true });
    expect(await inventory(h, matchId)).toMatchObject({ confirmed: 2, held: 0 });
    // Only the first change was ever dropped.
    const dropped = events.events.filter((e) => e.type === 'modification.dropped.v1' && e.subject === b.bookingId);
    expect(dropped.map((e) => e.data)).toEqual([expect.objectContaining({ modificationId: first.body.modificationId, status: 'EXPIRED' })]);
    await expectInventoryConsistent(h, matchId);
  });

  it('when fans change the same booking at once, then the changes are applied one after the other and the counters stay exact', async () => {
    const matchId = await createMatch(h, { capacity: 20 });
    const b = await d.confirmedBooking('qty-3', matchId, 8);
    const results = await Promise.all([7, 6, 5, 4, 3].map((q) => post('qty-3', `/v1/bookings/${b.bookingId}/quantity`, { quantity: q })));
    // Serialised on the booking's row: each applies to what the previous one left, or is refused while one waits for payment.
    expect(results.every((r) => [200, 202].includes(r.status) || r.body.code === 'MODIFICATION_PENDING')).toBe(true);
    expect(results.some((r) => r.status === 200)).toBe(true);
    const after = await d.asAdmin(b.bookingId);
    expect((await inventory(h, matchId)).confirmed).toBe(after.quantity);
    await expectInventoryConsistent(h, matchId);
  });
});

describe('the waiting list', () => {
  it('when slots free up on a sold-out match, then the first in line gets a time-limited hold and can book it; an unused offer passes on', async () => {
    const matchId = await createMatch(h, { capacity: 3 });
    const b = await d.confirmedBooking('wl-owner', matchId, 3);
    const notNeeded = await createMatch(h, { capacity: 3 });
    expect((await post('wl-x', '/v1/waitlist', { matchId: notNeeded, quantity: 1 })).body.code).toBe('WAITLIST_NOT_NEEDED');

    const first = await post('wl-1', '/v1/waitlist', { matchId, quantity: 1 });
    const second = await post('wl-2', '/v1/waitlist', { matchId, quantity: 1 });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ status: 'WAITING', position: 1 });
    expect(second.body.position).toBe(2);

    // The owner gives one slot back: it goes to wl-1, not to the public.
    expect((await post('wl-owner', `/v1/bookings/${b.bookingId}/quantity`, { quantity: 2 })).status).toBe(200);
    const offer = await events.waitFor('hold.placed.v1', (e) => e.data.waitlistEntryId === first.body.entryId);
    expect(offer.data.userId).toBe('wl-1');
    const entry = await h.http().get(`/v1/waitlist/${first.body.entryId}`).set(fan('wl-1'));
    expect(entry.body).toMatchObject({ status: 'OFFERED', holdId: offer.data.holdId });
    expect((await inventory(h, matchId)).available).toBe(0);
    const stranger = await h.http().post('/v1/holds').set(fan('public-1')).set('Idempotency-Key', key()).send({ matchId, quantity: 1 });
    expect(stranger.status).toBe(409);

    // wl-1 lets the offer lapse: it passes to wl-2, who books it.
    clock.advance(121_000);
    const next = await events.waitFor('hold.placed.v1', (e) => e.data.waitlistEntryId === second.body.entryId);
    expect((await h.http().get(`/v1/waitlist/${first.body.entryId}`).set(fan('wl-1'))).body.status).toBe('EXPIRED');
    const booking = await d.checkout('wl-2', next.data.holdId);
    expect(booking.status).toBe('PENDING_PAYMENT');
    expect((await h.http().get(`/v1/waitlist/${second.body.entryId}`).set(fan('wl-2'))).body.status).toBe('FULFILLED');
    await expectInventoryConsistent(h, matchId);
  });
});

describe('the sweeper', () => {
  it('when one of its tasks fails, then the failure is counted and the other tasks go on', async () => {
    const failures = await d.metric('booking_sweeper_errors_total{task="transfers"}');
    await h.service.db.raw('ALTER TABLE booking_transfers RENAME TO booking_transfers_away');
    try {
      await eventually(async () => (await d.metric('booking_sweeper_errors_total{task="transfers"}')) > failures, { what: 'failure counted' });
      const matchId = await createMatch(h, { capacity: 2 });
      const held = await d.hold('sweep-1', matchId, 2);
      clock.advance(601_000);
      await eventually(async () => (await h.http().get(`/v1/holds/${held.holdId}`).set(fan('sweep-1'))).body.status === 'EXPIRED', {
        what: 'holds still expire',
      });
    } finally {
      await h.service.db.raw('ALTER TABLE booking_transfers_away RENAME TO booking_transfers');
    }
  });
});

describe('transferring a booking', () => {
  it('when the recipient accepts, then the booking changes hands and the former owner loses access', async () => {
    const matchId = await createMatch(h, { capacity: 5 });
    const b = await d.confirmedBooking('tr-from', matchId, 2);
    const requested = await post('tr-from', `/v1/bookings/${b.bookingId}/transfer`, { toUserId: 'tr-to' });
    expect(requested.status).toBe(201);
    expect(requested.body).toMatchObject({ status: 'PENDING', fromUserId: 'tr-from', toUserId: 'tr-to' });
    await events.waitFor('transfer.requested.v1', (e) => e.data.transferId === requested.body.transferId);
    expect((await post('intruder', `/v1/transfers/${requested.body.transferId}/accept`, {})).status).toBe(404);
    // Until acceptance the owner still has it.
    expect((await h.http().get(`/v1/bookings/${b.bookingId}`).set(fan('tr-from'))).status).toBe(200);

    const accepted = await post('tr-to', `/v1/transfers/${requested.body.transferId}/accept`, {});
    expect(accepted.status).toBe(200);
    expect(accepted.body.status).toBe('ACCEPTED');
    await events.waitFor('transfer.accepted.v1', (e) => e.data.transferId === requested.body.transferId);
    expect((await h.http().get(`/v1/bookings/${b.bookingId}`).set(fan('tr-from'))).status).toBe(404);
    expect((await post('tr-from', `/v1/bookings/${b.bookingId}/cancel`, {})).status).toBe(404);
    const mine = await h.http().get(`/v1/bookings/${b.bookingId}`).set(fan('tr-to'));
    expect(mine.body).toMatchObject({ userId: 'tr-to', status: 'CONFIRMED', quantity: 2 });
    expect((await d.asAdmin(b.bookingId)).money.balanced).toBe(true);
    await expectInventoryConsistent(h, matchId);
  });

  it('when the recipient does not accept in time, then the request expires (410) and the booking stays', async () => {
    const matchId = await createMatch(h, { capacity: 5 });
    const b = await d.confirmedBooking('tr-2', matchId, 1);
    const requested = await post('tr-2', `/v1/bookings/${b.bookingId}/transfer`, { toUserId: 'tr-3' });
    clock.advance(3_601_000);
    const late = await post('tr-3', `/v1/transfers/${requested.body.transferId}/accept`, {});
    expect(late.status).toBe(410);
    await eventually(async () => (await h.http().get(`/v1/transfers/${requested.body.transferId}`).set(fan('tr-2'))).body.status === 'EXPIRED', {
      what: 'transfer expired by the sweeper',
    });
    expect((await h.http().get(`/v1/bookings/${b.bookingId}`).set(fan('tr-2'))).body.userId).toBe('tr-2');
  });
});
