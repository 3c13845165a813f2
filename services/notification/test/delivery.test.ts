import { randomUUID } from 'node:crypto';
import { buildEvent } from '@matchday/contracts';
import {
  closeTestKafka,
  eventually,
  probe,
  publishEvent,
  publishEvents,
  publishRaw,
  type EventProbe,
} from '@matchday/testkit';
import request from 'supertest';
import { admin, startHarness, waitForNotifications, type Harness } from './helpers';

let h: Harness;
let events: EventProbe;

beforeAll(async () => {
  h = await startHarness();
  events = await probe(h.iso.topicPrefix, ['notification.events']);
});

afterAll(async () => {
  await events?.stop();
  await h?.stop();
  await closeTestKafka();
});

const id = (p: string) => `${p}-${randomUUID().slice(0, 8)}`;
const as = (userId: string) => ({ 'X-User-Id': userId, 'X-User-Roles': 'fan' });

async function profile(
  userId: string,
  p: { email?: string; phone?: string; locale?: string; channels?: string[]; optOut?: boolean },
) {
  await request(h.service.app)
    .put('/v1/me/contacts')
    .set(as(userId))
    .send({ email: p.email ?? null, phone: p.phone ?? null, locale: p.locale ?? 'en' })
    .expect(200);
  if (p.channels) {
    await request(h.service.app)
      .put('/v1/me/preferences')
      .set(as(userId))
      .send({ channels: p.channels, optOutNonCritical: p.optOut ?? false })
      .expect(200);
  }
}

async function notificationsOf(userId: string, eventId?: string) {
  const res = await request(h.service.app)
    .get('/v1/admin/notifications')
    .query({ userId, ...(eventId && { eventId }) })
    .set(admin)
    .expect(200);
  return (
    res.body as {
      notifications: Array<{
        id: string;
        eventId: string;
        channel: string;
        status: string;
        provider: string | null;
        reason: string | null;
        fallbackTo: string | null;
        deliveries: Array<{
          provider: string;
          status: string;
          error: string | null;
          deviceId: string | null;
        }>;
      }>;
    }
  ).notifications;
}

const confirmed = (bookingId: string, matchId: string, userId: string) =>
  publishEvent(
    h.iso.topicPrefix,
    'booking.confirmed.v1',
    { bookingId, matchId, userId, quantity: 2, amount: 9000, currency: 'EUR' },
    { subject: bookingId, source: 'booking' },
  );

/**
 * A fan reachable on every channel (email, SMS and a push device) who opted out of non-critical
 * messages: only critical ones reach them. Returns their phone number.
 */
async function optedOutOnEveryChannel(userId: string, phonePrefix: string, locale?: string): Promise<string> {
  const phone = `${phonePrefix}${String(Math.floor(Math.random() * 100000)).padStart(5, '0')}`;
  await profile(userId, {
    email: `${userId}@example.com`,
    phone,
    ...(locale ? { locale } : {}),
    channels: ['email', 'sms', 'push'],
    optOut: true,
  });
  await request(h.service.app)
    .post('/v1/me/devices')
    .set(as(userId))
    .send({ kind: 'fcm', token: `tok-${userId}` })
    .expect(201);
  return phone;
}

/**
 * A match this service knows (its title is in the record) before the test goes on: match events
 * travel on another topic than booking and payment events, so their order is not given.
 */
async function knownMatch(matchId: string, title: string, venue: string, kickoffAt: string): Promise<void> {
  const created = await publishEvent(
    h.iso.topicPrefix,
    'match.created.v1',
    { matchId, title, venue, kickoffAt, capacity: 100, unitPrice: 4500, currency: 'EUR' },
    { subject: matchId, source: 'booking' },
  );
  await eventually(async () => Boolean(await h.sdb.db('inbox').where({ event_id: created.id }).first()), {
    what: 'match known',
  });
}

/**
 * A change of a booking `confirmed` made (2 places at 4500) that waits for its extra payment: to
 * `toQuantity` places, on another match when `toMatchId` is given. Returns the modification id.
 */
async function changeAwaitingPayment(
  bookingId: string,
  matchId: string,
  userId: string,
  to: { toQuantity: number; toMatchId?: string },
): Promise<string> {
  const modificationId = id('mod');
  await publishEvent(
    h.iso.topicPrefix,
    'booking.modified.v1',
    {
      bookingId,
      matchId,
      userId,
      modificationId,
      kind: to.toMatchId ? 'reschedule' : 'quantity',
      fromMatchId: matchId,
      toMatchId: to.toMatchId ?? matchId,
      fromQuantity: 2,
      toQuantity: to.toQuantity,
      priceDelta: (to.toQuantity - 2) * 4500,
      amount: to.toQuantity * 4500,
      currency: 'EUR',
      paymentDeadline: new Date(Date.now() + 900000).toISOString(),
    },
    { subject: bookingId, source: 'booking' },
  );
  return modificationId;
}

/** Booking's word that that change will not happen; the booking keeps its 9000. */
const changeDropped = (
  bookingId: string,
  matchId: string,
  userId: string,
  modificationId: string,
  status: 'FAILED' | 'EXPIRED',
  reason: string,
) =>
  buildEvent(
    'modification.dropped.v1',
    { bookingId, matchId, userId, modificationId, status, reason, amount: 9000, currency: 'EUR' },
    { subject: bookingId, source: 'booking' },
  );

describe('users manage their contacts, devices and preferences through the gateway', () => {
  it('when a fan sets contacts, devices and preferences, then they read them back, and bad input is refused', async () => {
    const user = id('fan');
    const empty = await request(h.service.app).get('/v1/me/contacts').set(as(user)).expect(200);
    expect(empty.body).toEqual({ email: null, phone: null, locale: 'en' });
    const defaults = await request(h.service.app).get('/v1/me/preferences').set(as(user)).expect(200);
    expect(defaults.body).toEqual({ channels: ['email', 'push'], optOutNonCritical: false });

    await request(h.service.app)
      .put('/v1/me/contacts')
      .set(as(user))
      .send({ email: 'fan@example.com', phone: '+447700900123', locale: 'fr-FR' })
      .expect(200);
    expect((await request(h.service.app).get('/v1/me/contacts').set(as(user))).body).toEqual({
      email: 'fan@example.com',
      phone: '+447700900123',
      locale: 'fr-FR',
    });
    const bad = await request(h.service.app)
      .put('/v1/me/contacts')
      .set(as(user))
      .send({ email: 'nope', phone: '0770', locale: 'en' })
      .expect(400);
    expect(bad.headers['content-type']).toMatch(/problem\+json/);
    expect((bad.body as { errors: Array<{ path: string }> }).errors.map((e) => e.path).sort()).toEqual([
      'body.email',
      'body.phone',
    ]);

    const put = await request(h.service.app)
      .put('/v1/me/preferences')
      .set(as(user))
      .send({ channels: ['sms', 'email', 'sms'], optOutNonCritical: true })
      .expect(200);
    expect(put.body).toEqual({ channels: ['email', 'sms'], optOutNonCritical: true });

    const fcm = await request(h.service.app)
      .post('/v1/me/devices')
      .set(as(user))
      .send({ kind: 'fcm', token: 'device-token-1' })
      .expect(201);
    const subscription = h.sandbox.createPushSubscription();
    const browser = await request(h.service.app)
      .post('/v1/me/devices')
      .set(as(user))
      .send({ kind: 'webpush', token: subscription.endpoint, subscription })
      .expect(201);
    await request(h.service.app)
      .post('/v1/me/devices')
      .set(as(user))
      .send({ kind: 'webpush', token: 'x' })
      .expect(400);
    const listed = await request(h.service.app).get('/v1/me/devices').set(as(user)).expect(200);
    expect((listed.body as { devices: Array<{ id: string }> }).devices.map((d) => d.id)).toEqual([
      fcm.body.id,
      browser.body.id,
    ]);

    await request(h.service.app)
      .delete(`/v1/me/devices/${fcm.body.id as string}`)
      .set(as('someone-else'))
      .expect(404);
    await request(h.service.app)
      .delete(`/v1/me/devices/${fcm.body.id as string}`)
      .set(as(user))
      .expect(204);
    await request(h.service.app)
      .delete(`/v1/me/devices/${fcm.body.id as string}`)
      .set(as(user))
      .expect(404);
  });

  it('when a request comes without a user, or an admin route without the role, then it is refused with 401 or 403', async () => {
    await request(h.service.app).get('/v1/me/contacts').expect(401);
    await request(h.service.app)
      .get('/v1/admin/notifications')
      .query({ userId: 'u' })
      .set(as('fan-1'))
      .expect(403);
    await request(h.service.app).get('/v1/admin/breakers').set(as('fan-1')).expect(403);
    const breakers = await request(h.service.app).get('/v1/admin/breakers').set(admin).expect(200);
    expect(
      (breakers.body as { breakers: Array<{ name: string }> }).breakers.map((b) => b.name).sort(),
    ).toEqual([
      'notification.fcm',
      'notification.sendgrid',
      'notification.smtp',
      'notification.twilio',
      'notification.vonage',
      'notification.webpush',
    ]);
  });
});

describe('events become messages', () => {
  it('when a booking is confirmed, then its owner gets one email and one push in their language, recorded with their deliveries and events', async () => {
    const user = id('owner');
    await profile(user, { email: `${user}@example.com`, locale: 'fr' });
    await request(h.service.app)
      .post('/v1/me/devices')
      .set(as(user))
      .send({ kind: 'fcm', token: `tok-${user}` })
      .expect(201);
    const match = id('m');
    await publishEvent(
      h.iso.topicPrefix,
      'match.created.v1',
      {
        matchId: match,
        title: 'Lyon – Nantes',
        venue: 'Groupama',
        kickoffAt: '2026-12-05T19:00:00Z',
        capacity: 100,
        unitPrice: 4500,
        currency: 'EUR',
      },
      { subject: match, source: 'booking' },
    );
    const booking = await confirmed(id('b'), match, user);
    await waitForNotifications(h, `event_id = ? AND status IN ('sent', 'delivered')`, [booking.id], 2);

    const mail = [...h.sandbox.state.sendgrid.messages.values()].find((m) =>
      m.recipients.some((r) => r.email === `${user}@example.com`),
    )!;
    expect(mail.request.subject).toBe('Réservation confirmée : Lyon – Nantes');
    expect(JSON.stringify(mail.request.content)).toContain('90,00');
    const push = [...h.sandbox.state.fcm.messages.values()].find((m) => m.message.token === `tok-${user}`)!;
    expect(push.message.notification).toMatchObject({ title: 'Réservation confirmée' });

    const list = await notificationsOf(user);
    expect(list.map((n) => [n.channel, n.provider]).sort()).toEqual([
      ['email', 'sendgrid'],
      ['push', 'fcm'],
    ]);
    await eventually(
      async () => (await notificationsOf(user)).find((n) => n.channel === 'email')?.status === 'delivered',
      {
        what: 'email delivered (SendGrid event)',
      },
    );
    const sent = await events.waitForCount(
      (e) => e.type === 'notification.sent.v1' && (e.data as { userId: string }).userId === user,
      2,
    );
    expect(sent.map((e) => (e.data as { sourceEventId: string }).sourceEventId)).toEqual([
      booking.id,
      booking.id,
    ]);
    await events.waitFor(
      'notification.delivered.v1',
      (e) => e.data.userId === user && e.data.channel === 'email',
    );
  });

  it('when a match is cancelled, then only its current bookers hear about it (cancelled and transferred bookings follow the projection)', async () => {
    const match = id('m');
    const [stay, cancel, from, to] = [id('stay'), id('cancel'), id('from'), id('to')];
    for (const u of [stay, cancel, from, to])
      await profile(u, { email: `${u}@example.com`, channels: ['email'], optOut: true });
    const [b1, b2, b3] = [id('b'), id('b'), id('b')];
    await confirmed(b1, match, stay);
    await confirmed(b2, match, cancel);
    await confirmed(b3, match, from);
    await publishEvent(
      h.iso.topicPrefix,
      'booking.cancelled.v1',
      {
        bookingId: b2,
        matchId: match,
        userId: cancel,
        quantity: 2,
        reason: 'fan_request',
        refundAmount: 9000,
        currency: 'EUR',
      },
      { subject: b2 },
    );
    const transfer = await publishEvent(
      h.iso.topicPrefix,
      'transfer.accepted.v1',
      { transferId: id('t'), bookingId: b3, fromUserId: from, toUserId: to },
      { subject: b3 },
    );
    // Booking and inventory events travel on different topics: the bookings are long settled when a
    // match is called off, so let the projection catch up first.
    await eventually(async () => Boolean(await h.sdb.db('inbox').where({ event_id: transfer.id }).first()), {
      what: 'transfer applied',
    });
    const cancelled = await publishEvent(
      h.iso.topicPrefix,
      'match.cancelled.v1',
      { matchId: match, reason: 'storm' },
      { subject: match },
    );
    await waitForNotifications(h, `event_id = ? AND status IN ('sent', 'delivered')`, [cancelled.id], 2);
    const { rows } = (await h.sdb.db.raw(
      `SELECT user_id FROM notifications WHERE event_id = ? ORDER BY user_id`,
      [cancelled.id],
    )) as {
      rows: Array<{ user_id: string }>;
    };
    expect(rows.map((r) => r.user_id)).toEqual([stay, to].sort());
    // The cancellation itself was critical (sent despite the opt-out); the transfer was not.
    const told = await notificationsOf(cancel);
    expect(told).toHaveLength(1);
    expect(['sent', 'delivered']).toContain(told[0]!.status);
    expect(await notificationsOf(from)).toHaveLength(0);
  });

  it('when a share is quoted again at a new exchange rate, then its payer is asked in their language, by email and push, to confirm the new amount (the owner when the payer has no account)', async () => {
    const owner = id('owner');
    const friend = id('friend');
    await profile(owner, { email: `${owner}@example.com` });
    await profile(friend, { email: `${friend}@example.com`, locale: 'de-CH' });
    await request(h.service.app)
      .post('/v1/me/devices')
      .set(as(friend))
      .send({ kind: 'fcm', token: `tok-${friend}` })
      .expect(201);
    const bookingId = id('b');
    await publishEvent(
      h.iso.topicPrefix,
      'booking.created.v1',
      {
        bookingId,
        matchId: id('m'),
        userId: owner,
        holdId: id('h'),
        quantity: 3,
        unitPrice: 3000,
        amount: 9000,
        currency: 'EUR',
        paymentDeadline: new Date(Date.now() + 900000).toISOString(),
        payers: [
          { payerId: owner, userId: owner, amount: 3000, currency: 'EUR' },
          {
            payerId: `${friend}-share`,
            userId: friend,
            amount: 3000,
            currency: 'EUR',
            paymentCurrency: 'CHF',
          },
          { payerId: `${owner}:3`, amount: 3000, currency: 'EUR', paymentCurrency: 'GBP' },
        ],
      },
      { subject: bookingId, source: 'booking' },
    );
    const requoted = (payerId: string, paymentId: string, amount: number, currency: string) =>
      publishEvent(
        h.iso.topicPrefix,
        'payment.requoted.v1',
        {
          bookingId,
          paymentId,
          payerId,
          quoteId: id('q'),
          previousRate: 0.94,
          rate: 0.99,
          amount,
          currency,
          expiresAt: '2026-12-01T18:00:00Z',
        },
        { subject: bookingId, source: 'payment' },
      );
    const friendPayment = id('p');
    const forFriend = await requoted(`${friend}-share`, friendPayment, 2970, 'CHF');
    const forGuest = await requoted(`${owner}:3`, id('p'), 2580, 'GBP');
    await waitForNotifications(h, `event_id = ? AND status IN ('sent', 'delivered')`, [forFriend.id], 2);
    await waitForNotifications(h, `event_id = ? AND status IN ('sent', 'delivered')`, [forGuest.id], 1);

    const mailTo = (user: string) =>
      [...h.sandbox.state.sendgrid.messages.values()].find((m) =>
        m.recipients.some((r) => r.email === `${user}@example.com`),
      )!;
    expect(mailTo(friend).request.subject).toBe('Bitte bestätigen Sie Ihren neuen Betrag: Ihr Spiel');
    const push = [...h.sandbox.state.fcm.messages.values()].find((m) => m.message.token === `tok-${friend}`)!;
    expect(push.message.notification).toMatchObject({ title: 'Neuer Betrag zu bestätigen' });
    const body = (push.message.notification as { body: string }).body;
    expect(body).toContain(friendPayment);
    expect(body).toMatch(/CHF.29\.70/);
    expect(body).toContain('1. Dezember 2026');
    expect((await notificationsOf(friend)).map((n) => [n.eventId, n.channel]).sort()).toEqual([
      [forFriend.id, 'email'],
      [forFriend.id, 'push'],
    ]);

    expect(mailTo(owner).request.subject).toBe('Please confirm your new amount: your match');
    expect(JSON.stringify(mailTo(owner).request.content)).toContain('£25.80');
    expect((await notificationsOf(owner)).map((n) => [n.eventId, n.channel])).toEqual([
      [forGuest.id, 'email'],
    ]);
  });

  it('when a payment event arrives before the booking is known, then it is retried until the booking arrives', async () => {
    const user = id('late');
    await profile(user, { email: `${user}@example.com`, channels: ['email'] });
    const bookingId = id('b');
    const reversal = await publishEvent(
      h.iso.topicPrefix,
      'payment.reversed.v1',
      { bookingId, paymentId: id('p'), amount: 9000, currency: 'EUR', reason: 'bank_reversal' },
      { subject: bookingId, source: 'payment' },
    );
    await new Promise((r) => setTimeout(r, 50));
    await publishEvent(
      h.iso.topicPrefix,
      'booking.created.v1',
      {
        bookingId,
        matchId: id('m'),
        userId: user,
        holdId: id('h'),
        quantity: 1,
        unitPrice: 9000,
        amount: 9000,
        currency: 'EUR',
        paymentDeadline: new Date(Date.now() + 900000).toISOString(),
        payers: [{ payerId: user, amount: 9000, currency: 'EUR' }],
      },
      { subject: bookingId, source: 'booking' },
    );
    await waitForNotifications(h, `event_id = ? AND status IN ('sent', 'delivered')`, [reversal.id], 1);
    const mail = [...h.sandbox.state.sendgrid.messages.values()].find((m) =>
      m.recipients.some((r) => r.email === `${user}@example.com`),
    )!;
    expect(mail.request.subject).toBe('Payment reversed: €90.00');
  });
});

describe('a failed payment: the booking’s own, or a change’s extra charge', () => {
  it('when the extra charge of a change to a confirmed booking fails, then its owner is told on every channel, despite the opt-out, that the change was not made and the booking stands; a booking’s own failed payment keeps its message', async () => {
    const user = id('changer');
    const phone = await optedOutOnEveryChannel(user, '+4477009');
    const match = id('m');
    await knownMatch(match, 'Leeds v Hull', 'Elland Road', '2026-12-12T15:00:00Z');
    const changed = id('b');
    await confirmed(changed, match, user);
    const modificationId = await changeAwaitingPayment(changed, match, user, { toQuantity: 3 });
    const changeFailed = await publishEvent(
      h.iso.topicPrefix,
      'payment.failed.v1',
      {
        bookingId: changed,
        paymentId: id('p'),
        reason: 'card_declined',
        code: 'card_declined',
        modificationId,
      },
      { subject: changed, source: 'payment' },
    );

    const unpaid = id('b');
    await publishEvent(
      h.iso.topicPrefix,
      'booking.created.v1',
      {
        bookingId: unpaid,
        matchId: match,
        userId: user,
        holdId: id('h'),
        quantity: 1,
        unitPrice: 4500,
        amount: 4500,
        currency: 'EUR',
        paymentDeadline: new Date(Date.now() + 900000).toISOString(),
        payers: [{ payerId: user, userId: user, amount: 4500, currency: 'EUR' }],
      },
      { subject: unpaid, source: 'booking' },
    );
    const bookingFailed = await publishEvent(
      h.iso.topicPrefix,
      'payment.failed.v1',
      { bookingId: unpaid, reason: 'card_declined' },
      { subject: unpaid, source: 'payment' },
    );
    await waitForNotifications(h, `event_id = ? AND status IN ('sent', 'delivered')`, [changeFailed.id], 3);
    await waitForNotifications(h, `event_id = ? AND status IN ('sent', 'delivered')`, [bookingFailed.id], 3);

    // One message per channel for each event, and nothing for the confirmation the fan opted out of.
    expect((await notificationsOf(user)).map((n) => [n.eventId, n.channel]).sort()).toEqual(
      [
        [changeFailed.id, 'email'],
        [changeFailed.id, 'push'],
        [changeFailed.id, 'sms'],
        [bookingFailed.id, 'email'],
        [bookingFailed.id, 'push'],
        [bookingFailed.id, 'sms'],
      ].sort(),
    );

    const mails = [...h.sandbox.state.sendgrid.messages.values()].filter((m) =>
      m.recipients.some((r) => r.email === `${user}@example.com`),
    );
    expect(mails.map((m) => m.request.subject).sort()).toEqual([
      'Payment failed: Leeds v Hull',
      'Your booking change could not be paid',
    ]);
    const changeMail = mails.find((m) => m.request.subject === 'Your booking change could not be paid')!;
    const text = changeMail.request.content!.find((c) => c.type === 'text/plain')!.value;
    expect(text).toContain(
      `The extra payment for the change to your booking ${changed} did not go through (card declined), so the change was not made. Your booking stays as it was.`,
    );
    const html = changeMail.request.content!.find((c) => c.type === 'text/html')!.value;
    expect(html).toContain('<h1 style="font-size:20px">Booking change not made</h1>');

    const sms = [...h.sandbox.state.twilio.messages.values()]
      .filter((m) => m.resource.to === phone)
      .map((m) => m.resource.body)
      .sort();
    expect(sms).toEqual([
      `Matchday: The extra payment for the change to your booking ${changed} did not go through (card declined), so the change was not made. Your booking stays as it was.`,
      `Matchday: The payment for your booking ${unpaid} did not go through (card declined).`,
    ]);

    const pushed = [...h.sandbox.state.fcm.messages.values()]
      .filter((m) => m.message.token === `tok-${user}`)
      .map((m) => m.message.notification as { title: string; body: string });
    expect(pushed.map((n) => n.title).sort()).toEqual(['Booking change not made', 'Payment failed']);
    expect(pushed.find((n) => n.title === 'Booking change not made')!.body).toContain(
      'Your booking stays as it was.',
    );
  });
});

describe('a change waiting for its extra payment is dropped', () => {
  it('when a fan’s change to another match is dropped, then their booking is back at its match: its reschedule tells them, the other match’s does not', async () => {
    const [fan, other] = [id('fan'), id('other')];
    for (const u of [fan, other])
      await profile(u, { email: `${u}@example.com`, channels: ['email'], optOut: true });
    const [kept, wanted] = [id('m'), id('m')];
    await knownMatch(kept, 'Derby v Stoke', 'Home ground', '2026-12-19T15:00:00Z');
    await knownMatch(wanted, 'Bristol v Luton', 'Home ground', '2026-12-19T15:00:00Z');
    const booking = id('b');
    await confirmed(booking, kept, fan);
    await confirmed(id('b'), wanted, other);
    const modificationId = await changeAwaitingPayment(booking, kept, fan, { toQuantity: 3, toMatchId: wanted });
    // Its window closed without the extra payment; the drop arrives twice.
    const dropped = changeDropped(booking, kept, fan, modificationId, 'EXPIRED', 'payment window closed');
    await publishEvents(h.iso.topicPrefix, [dropped, dropped]);
    // Match events travel on another topic than booking events: the drop is long settled when a
    // match moves, so let it arrive first.
    await eventually(async () => Boolean(await h.sdb.db('inbox').where({ event_id: dropped.id }).first()), {
      what: 'drop applied',
    });
    expect(await h.sdb.db('bookings').where({ booking_id: booking }).first()).toMatchObject({
      match_id: kept,
      quantity: 2,
    });

    const movedWanted = await publishEvent(
      h.iso.topicPrefix,
      'match.rescheduled.v1',
      { matchId: wanted, previousKickoffAt: '2026-12-19T15:00:00Z', kickoffAt: '2026-12-20T15:00:00Z' },
      { subject: wanted, source: 'booking' },
    );
    const movedKept = await publishEvent(
      h.iso.topicPrefix,
      'match.rescheduled.v1',
      { matchId: kept, previousKickoffAt: '2026-12-19T15:00:00Z', kickoffAt: '2026-12-20T17:30:00Z' },
      { subject: kept, source: 'booking' },
    );
    await waitForNotifications(h, `event_id = ? AND status IN ('sent', 'delivered')`, [movedWanted.id], 1);
    await waitForNotifications(h, `event_id = ? AND status IN ('sent', 'delivered')`, [movedKept.id], 1);
    await waitForNotifications(h, `event_id = ? AND status IN ('sent', 'delivered')`, [dropped.id], 1);

    // The lapsed change is told once (critical, so despite the opt-out), and only the kept match's reschedule.
    expect((await notificationsOf(fan)).map((n) => [n.eventId, n.channel]).sort()).toEqual(
      [
        [dropped.id, 'email'],
        [movedKept.id, 'email'],
      ].sort(),
    );
    expect((await notificationsOf(other)).map((n) => [n.eventId, n.channel])).toEqual([
      [movedWanted.id, 'email'],
    ]);
    const subjects = (email: string) =>
      [...h.sandbox.state.sendgrid.messages.values()]
        .filter((m) => m.recipients.some((r) => r.email === email))
        .map((m) => m.request.subject);
    expect(subjects(`${fan}@example.com`).sort()).toEqual(
      ['New date for Derby v Stoke', 'Your booking change was not made'].sort(),
    );
  });

  it('when a change’s extra payment does not arrive before its deadline, then the booking’s owner is told once on every channel, in their language and despite the opt-out, that the change was not made and the booking stands', async () => {
    const fan = id('late');
    const phone = await optedOutOnEveryChannel(fan, '+336120', 'fr-FR');
    const match = id('m');
    const booking = id('b');
    await confirmed(booking, match, fan);
    const modificationId = await changeAwaitingPayment(booking, match, fan, { toQuantity: 4 });
    const dropped = changeDropped(booking, match, fan, modificationId, 'EXPIRED', 'payment_window_closed');
    await publishEvents(h.iso.topicPrefix, [dropped, dropped]);
    await waitForNotifications(h, `event_id = ? AND status IN ('sent', 'delivered')`, [dropped.id], 3);

    // One per channel, though the drop arrived twice; nothing for the confirmation the fan opted out of.
    expect((await notificationsOf(fan)).map((n) => [n.eventId, n.channel]).sort()).toEqual(
      [
        [dropped.id, 'email'],
        [dropped.id, 'push'],
        [dropped.id, 'sms'],
      ].sort(),
    );
    const body = `La modification demandée pour votre réservation ${booking} n’a pas été effectuée, car son paiement complémentaire n’est pas arrivé à temps. Votre réservation reste inchangée.`;
    const mails = [...h.sandbox.state.sendgrid.messages.values()].filter((m) =>
      m.recipients.some((r) => r.email === `${fan}@example.com`),
    );
    expect(mails.map((m) => m.request.subject)).toEqual([
      'La modification de votre réservation n’a pas été effectuée',
    ]);
    expect(mails[0]!.request.content!.find((c) => c.type === 'text/plain')!.value).toContain(body);
    expect(mails[0]!.request.content!.find((c) => c.type === 'text/html')!.value).toContain(
      '<h1 style="font-size:20px">Modification non effectuée</h1>',
    );
    expect(
      [...h.sandbox.state.twilio.messages.values()]
        .filter((m) => m.resource.to === phone)
        .map((m) => m.resource.body),
    ).toEqual([`Matchday: ${body}`]);
    expect(
      [...h.sandbox.state.fcm.messages.values()]
        .filter((m) => m.message.token === `tok-${fan}`)
        .map((m) => m.message.notification),
    ).toEqual([{ title: 'Modification non effectuée', body }]);
    // The booking is back at the places it had.
    expect(await h.sdb.db('bookings').where({ booking_id: booking }).first()).toMatchObject({ quantity: 2 });
  });

  it('when a change is dropped because its extra charge failed, then the fan hears it once, from the failed payment, and the drop adds nothing', async () => {
    const fan = id('declined');
    await profile(fan, { email: `${fan}@example.com`, channels: ['email'], optOut: true });
    const match = id('m');
    const booking = id('b');
    await confirmed(booking, match, fan);
    const modificationId = await changeAwaitingPayment(booking, match, fan, { toQuantity: 3 });
    const failed = await publishEvent(
      h.iso.topicPrefix,
      'payment.failed.v1',
      {
        bookingId: booking,
        paymentId: id('p'),
        reason: 'card_declined',
        code: 'card_declined',
        modificationId,
      },
      { subject: booking, source: 'payment' },
    );
    const dropped = changeDropped(booking, match, fan, modificationId, 'FAILED', 'card_declined');
    await publishEvents(h.iso.topicPrefix, [dropped]);
    await waitForNotifications(h, `event_id = ? AND status IN ('sent', 'delivered')`, [failed.id], 1);
    await eventually(async () => Boolean(await h.sdb.db('inbox').where({ event_id: dropped.id }).first()), {
      what: 'drop applied',
    });
    // The drop was handled (the booking is back at its places) and told nobody anything.
    expect(await h.sdb.db('bookings').where({ booking_id: booking }).first()).toMatchObject({ quantity: 2 });
    expect(await h.sdb.db('source_events').where({ event_id: dropped.id }).first()).toBeUndefined();

    expect((await notificationsOf(fan)).map((n) => [n.eventId, n.channel])).toEqual([[failed.id, 'email']]);
    expect(
      [...h.sandbox.state.sendgrid.messages.values()]
        .filter((m) => m.recipients.some((r) => r.email === `${fan}@example.com`))
        .map((m) => m.request.subject),
    ).toEqual(['Your booking change could not be paid']);
  });
});

describe('delivery status from the providers', () => {
  it('when an email bounces, then the notification is bounced with the reason and a notification.bounced event', async () => {
    const user = id('bouncy');
    await profile(user, { email: 'bounce@example.com', channels: ['email'] });
    const booking = await confirmed(id('b'), id('m'), user);
    await eventually(async () => (await notificationsOf(user, booking.id))[0]?.status === 'bounced', {
      what: 'bounced',
    });
    const [n] = await notificationsOf(user, booking.id);
    expect(n!.reason).toMatch(/^bounce: 550 5\.1\.1/);
    expect(n!.deliveries).toEqual([expect.objectContaining({ provider: 'sendgrid', status: 'bounced' })]);
    const e = await events.waitFor('notification.bounced.v1', (x) => x.data.notificationId === n!.id);
    expect(e.data.reason).toMatch(/bounce/);
  });

  it('when an SMS is undelivered, then the notification fails with the carrier code and the user gets the message by email instead', async () => {
    const user = id('sms');
    await profile(user, { email: `${user}@example.com`, phone: '+15005550001', channels: ['sms'] });
    const booking = await confirmed(id('b'), id('m'), user);
    await eventually(
      async () => {
        const list = await notificationsOf(user, booking.id);
        const email = list.find((n) => n.channel === 'email')?.status;
        return (
          list.find((n) => n.channel === 'sms')?.status === 'failed' &&
          (email === 'sent' || email === 'delivered')
        );
      },
      { what: 'sms failed and email sent' },
    );
    const list = await notificationsOf(user, booking.id);
    const sms = list.find((n) => n.channel === 'sms')!;
    expect(sms).toMatchObject({ provider: 'twilio', fallbackTo: 'email' });
    expect(sms.reason).toContain('twilio undelivered (error 30003)');
    expect(sms.deliveries).toEqual([expect.objectContaining({ provider: 'twilio', status: 'failed' })]);
    await events.waitFor('notification.failed.v1', (e) => e.data.notificationId === sms.id);
  });

  it('when a push token is unregistered and a browser subscription is gone, then both devices are dropped and the email still goes out once (no SMS fallback: email reaches them)', async () => {
    const user = id('stale');
    await profile(user, {
      email: `${user}@example.com`,
      phone: '+447700900555',
      channels: ['push', 'email'],
    });
    await request(h.service.app)
      .post('/v1/me/devices')
      .set(as(user))
      .send({ kind: 'fcm', token: `unregistered-${user}` })
      .expect(201);
    const gone = {
      endpoint: `${h.sandbox.url}/wpush/gone-${user}`,
      keys: h.sandbox.createPushSubscription().keys,
    };
    await request(h.service.app)
      .post('/v1/me/devices')
      .set(as(user))
      .send({ kind: 'webpush', token: gone.endpoint, subscription: gone })
      .expect(201);
    const booking = await confirmed(id('b'), id('m'), user);
    await eventually(
      async () =>
        (await notificationsOf(user, booking.id)).find((n) => n.channel === 'push')?.status === 'failed',
      {
        what: 'push failed',
      },
    );
    const devices = await request(h.service.app).get('/v1/me/devices').set(as(user)).expect(200);
    expect(devices.body).toEqual({ devices: [] });
    const list = await notificationsOf(user, booking.id);
    const push = list.find((n) => n.channel === 'push')!;
    expect(push.deliveries.map((d) => [d.provider, d.status]).sort()).toEqual([
      ['fcm', 'failed'],
      ['webpush', 'failed'],
    ]);
    expect(push.reason).toMatch(/registration-token-not-registered|subscription gone/);
    expect(push.fallbackTo).toBeNull();
    expect(list.map((n) => n.channel).sort()).toEqual(['email', 'push']);
    await waitForNotifications(
      h,
      `event_id = ? AND channel = 'email' AND status IN ('sent', 'delivered')`,
      [booking.id],
      1,
    );
    expect(list.filter((n) => n.channel === 'email')).toHaveLength(1);
    const emails = [...h.sandbox.state.sendgrid.messages.values()]
      .flatMap((m) => m.recipients)
      .filter((r) => r.email === `${user}@example.com`);
    expect(emails).toHaveLength(1);
  });
});

describe('poisoned and repeated messages', () => {
  it('when the same event arrives twice, then the user is told once', async () => {
    const user = id('twice');
    await profile(user, { email: `${user}@example.com`, channels: ['email'] });
    const bookingId = id('b');
    const event = buildEvent(
      'booking.confirmed.v1',
      { bookingId, matchId: id('m'), userId: user, quantity: 1, amount: 100, currency: 'EUR' },
      { source: 'booking', subject: bookingId },
    );
    await publishEvents(h.iso.topicPrefix, [event, event]);
    const marker = await confirmed(id('b'), id('m'), user);
    await waitForNotifications(h, `event_id = ? AND status IN ('sent', 'delivered')`, [marker.id], 1);
    await waitForNotifications(h, `event_id = ? AND status IN ('sent', 'delivered')`, [event.id], 1);
    expect(await notificationsOf(user, event.id)).toHaveLength(1);
    const emails = [...h.sandbox.state.sendgrid.messages.values()]
      .flatMap((m) => m.recipients)
      .filter((r) => r.email === `${user}@example.com`);
    expect(emails).toHaveLength(2);
  });

  it('when a message breaks the contract, then it lands in the dead-letter topic, visible and replayable by an admin', async () => {
    await publishRaw(`${h.iso.topicPrefix}booking.events`, {
      key: 'poison',
      value: '{"bookingId": 42}',
      headers: { ce_id: 'poison-1', ce_type: 'booking.confirmed.v1', ce_source: 'x', ce_specversion: '1.0' },
    });
    const dead = await eventually(
      async () => {
        const res = await request(h.service.app).get('/v1/admin/dlq').set(admin).expect(200);
        return (res.body as { deadLetters: Array<{ eventId: string; error: string }> }).deadLetters.find(
          (d) => d.eventId === 'poison-1',
        );
      },
      { what: 'dead letter', intervalMs: 500 },
    );
    expect(dead.error).toMatch(/ContractError/);
    await request(h.service.app).post('/v1/admin/dlq/replay').set(as('fan-1')).send({}).expect(403);
    const replay = await request(h.service.app).post('/v1/admin/dlq/replay').set(admin).send({}).expect(200);
    expect(replay.body).toMatchObject({ group: 'notification', replayed: 1 });
  });
});
