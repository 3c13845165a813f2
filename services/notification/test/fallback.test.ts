import { randomUUID } from 'node:crypto';
import { buildEvent } from '@matchday/contracts';
import { closeTestKafka, eventually, publishEvent, publishEvents } from '@matchday/testkit';
import request from 'supertest';
import { admin, startHarness, waitForNotifications, type Harness } from './helpers';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    // Breakers open after two failed calls and stay open for the whole test.
    env: { BREAKER_VOLUME_THRESHOLD: '2', BREAKER_RESET_MS: '600000', MAX_ATTEMPTS: '2' },
  });
});

afterAll(async () => {
  await h?.stop();
  await closeTestKafka();
});

const id = (p: string) => `${p}-${randomUUID().slice(0, 8)}`;
const as = (userId: string) => ({ 'X-User-Id': userId, 'X-User-Roles': 'fan' });

async function breakers(): Promise<Record<string, string>> {
  const res = await request(h.service.app).get('/v1/admin/breakers').set(admin).expect(200);
  return Object.fromEntries(
    (res.body as { breakers: Array<{ name: string; state: string }> }).breakers.map((b) => [b.name, b.state]),
  );
}

/** Waits until the bookings projection holds `n` confirmed bookers of the match. */
async function bookers(matchId: string, n: number): Promise<void> {
  await eventually(
    async () => {
      const { rows } = (await h.sdb.db.raw(
        `SELECT count(*)::int AS n FROM bookings WHERE match_id = ? AND status = 'confirmed'`,
        [matchId],
      )) as {
        rows: Array<{ n: number }>;
      };
      return rows[0]!.n === n;
    },
    { what: `${n} bookers of ${matchId} projected` },
  );
}

async function seedBooker(
  userId: string,
  matchId: string,
  opts: { channels: string[]; email?: string; phone?: string; devices?: boolean },
) {
  const app = h.service.app;
  await request(app)
    .put('/v1/me/contacts')
    .set(as(userId))
    .send({ email: opts.email ?? null, phone: opts.phone ?? null, locale: 'en' })
    .expect(200);
  await request(app)
    .put('/v1/me/preferences')
    .set(as(userId))
    .send({ channels: opts.channels, optOutNonCritical: true })
    .expect(200);
  if (opts.devices) {
    await request(app)
      .post('/v1/me/devices')
      .set(as(userId))
      .send({ kind: 'fcm', token: `tok-${userId}` })
      .expect(201);
    const sub = h.sandbox.createPushSubscription();
    await request(app)
      .post('/v1/me/devices')
      .set(as(userId))
      .send({ kind: 'webpush', token: sub.endpoint, subscription: sub })
      .expect(201);
  }
  const bookingId = id('b');
  return publishEvent(
    h.iso.topicPrefix,
    'booking.confirmed.v1',
    { bookingId, matchId, userId, quantity: 1, amount: 5000, currency: 'EUR' },
    { subject: bookingId, source: 'booking' },
  );
}

describe('provider rate limits', () => {
  it('when SendGrid answers 429, then its shared bucket waits for X-RateLimit-Reset and the same email goes out through SendGrid afterwards, without using an attempt', async () => {
    h.sandbox.addFault({ provider: 'sendgrid', rate429: 1, count: 1 });
    const user = id('limited');
    const match = id('m');
    await seedBooker(user, match, { channels: ['email'], email: `${user}@example.com` });
    await bookers(match, 1);
    const event = await publishEvent(
      h.iso.topicPrefix,
      'match.cancelled.v1',
      { matchId: match, reason: 'storm' },
      { subject: match },
    );
    await waitForNotifications(h, `event_id = ? AND status IN ('sent', 'delivered')`, [event.id], 1);
    const n = (await h.sdb.db('notifications').where({ event_id: event.id }).first()) as {
      provider: string;
      attempts: number;
    };
    expect(n).toMatchObject({ provider: 'sendgrid', attempts: 0 });
    expect(h.sandbox.state.stats.sendgrid.byStatus['429']).toBe(1);
    expect(h.sandbox.state.smtp.messages.filter((m) => m.to.includes(`${user}@example.com`))).toHaveLength(0);
    const metrics = (await request(h.service.app).get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/notification_provider_rate_limited_total\{provider="sendgrid"\} 1\n/);
    expect(metrics).toMatch(/notification_retries_total\{channel="email",reason="rate_limited"\} 1\n/);
  });
});

describe('fallback across providers and channels', () => {
  it('when SendGrid fails, then the email goes out through the SMTP relay instead', async () => {
    h.sandbox.addFault({ provider: 'sendgrid', status: 503, count: 1 });
    const user = id('mail');
    const match = id('m');
    await seedBooker(user, match, { channels: ['email'], email: `${user}@example.com` });
    await bookers(match, 1);
    const event = await publishEvent(
      h.iso.topicPrefix,
      'match.cancelled.v1',
      { matchId: match, reason: 'storm' },
      { subject: match },
    );
    await waitForNotifications(h, `event_id = ? AND status = 'sent'`, [event.id], 1);
    const n = (await h.sdb.db('notifications').where({ event_id: event.id }).first()) as { provider: string };
    expect(n.provider).toBe('smtp');
    const relayed = h.sandbox.state.smtp.messages.filter((m) => m.to.includes(`${user}@example.com`));
    expect(relayed).toHaveLength(1);
    expect(relayed[0]!.subject).toBe('Cancelled: your match');
    expect(relayed[0]!.headers['x-notification-id']).toBeDefined();
    const metrics = await request(h.service.app).get('/metrics').expect(200);
    expect(metrics.text).toMatch(
      /notification_fallback_total\{kind="provider",from="sendgrid",to="smtp"\} [1-9]/,
    );
  });

  it('when push fails on both providers and both SMS breakers are open, then users still get email — once each, though the event arrives twice', async () => {
    // Both SMS providers fail: two fans whose only way is SMS open both breakers.
    h.sandbox.addFault({ provider: 'twilio', status: 500 });
    h.sandbox.addFault({ provider: 'vonage', status: 500 });
    const opening = id('m');
    for (const n of [1, 2])
      await seedBooker(id(`sms${n}`), opening, { channels: ['sms'], phone: `+4477009000${n}${n}` });
    await bookers(opening, 2);
    await publishEvent(
      h.iso.topicPrefix,
      'match.rescheduled.v1',
      {
        matchId: opening,
        previousKickoffAt: '2026-12-05T19:00:00Z',
        kickoffAt: '2026-12-06T19:00:00Z',
      },
      { subject: opening },
    );
    await eventually(
      async () => {
        const b = await breakers();
        return b['notification.twilio'] === 'open' && b['notification.vonage'] === 'open';
      },
      { what: 'both SMS breakers open' },
    );

    // Push fails on FCM and on Web Push.
    h.sandbox.addFault({ provider: 'fcm', status: 500 });
    h.sandbox.addFault({ provider: 'webpush', status: 500 });
    const match = id('m');
    const fans = Array.from({ length: 12 }, (_, i) => id(`fan${i}`));
    for (const [i, fan] of fans.entries()) {
      await seedBooker(fan, match, {
        channels: ['push'],
        email: `${fan}@example.com`,
        phone: `+44770090${String(1000 + i)}`,
        devices: true,
      });
    }
    const twilioBefore = h.sandbox.state.twilio.messages.size;
    const vonageBefore = h.sandbox.state.vonage.messages.size;
    await bookers(match, fans.length);

    const rescheduled = buildEvent(
      'match.rescheduled.v1',
      { matchId: match, previousKickoffAt: '2026-12-05T19:00:00Z', kickoffAt: '2026-12-06T19:00:00Z' },
      { source: 'booking', subject: match },
    );
    await publishEvents(h.iso.topicPrefix, [rescheduled, rescheduled]);
    await waitForNotifications(
      h,
      `event_id = ? AND channel = 'email' AND status IN ('sent', 'delivered')`,
      [rescheduled.id],
      fans.length,
    );

    const { rows } = (await h.sdb.db.raw(
      `SELECT user_id, channel, status, fallback_to, reason FROM notifications WHERE event_id = ? ORDER BY user_id, channel`,
      [rescheduled.id],
    )) as {
      rows: Array<{
        user_id: string;
        channel: string;
        status: string;
        fallback_to: string | null;
        reason: string;
      }>;
    };
    for (const fan of fans) {
      const mine = rows.filter((r) => r.user_id === fan);
      // Push failed and fell back past SMS (both breakers open) straight to email; no SMS was even created.
      expect(
        mine.map((r) => [r.channel, r.status === 'delivered' ? 'sent' : r.status, r.fallback_to]),
      ).toEqual([
        ['email', 'sent', null],
        ['push', 'failed', 'email'],
      ]);
    }
    const emails = [...h.sandbox.state.sendgrid.messages.values()]
      .flatMap((m) => m.recipients)
      .map((r) => r.email);
    for (const fan of fans) expect(emails.filter((e) => e === `${fan}@example.com`)).toHaveLength(1);
    expect(h.sandbox.state.twilio.messages.size).toBe(twilioBefore);
    expect(h.sandbox.state.vonage.messages.size).toBe(vonageBefore);
    const b = await breakers();
    expect(b['notification.twilio']).toBe('open');
    expect(b['notification.vonage']).toBe('open');
    const metrics = await request(h.service.app).get('/metrics').expect(200);
    expect(metrics.text).toMatch(
      /notification_fallback_total\{kind="channel",from="push",to="email"\} (1[2-9]|[2-9]\d)/,
    );
    expect(metrics.text).toMatch(/notification_provider_skipped_total\{provider="(twilio|vonage)"\}/);
  });
});
