import { buildEvent } from '@matchday/contracts';
import { closeTestKafka, publishEvents } from '@matchday/testkit';
import request from 'supertest';
import { startHarness, waitForNotifications, type Harness } from './helpers';

const BOOKERS = 10_000;
/** Every fourth booker has the app (an FCM device): 2,500 pushes besides the 10,000 emails. */
const WITH_APP = BOOKERS / 4;
// Small limits keep the test quick while still making them bind: 2,500 pushes need at least three
// FCM windows, ten SendGrid requests at least two seconds.
const FCM = { limit: 1000, windowMs: 1000 };
const SENDGRID = { limit: 4, windowMs: 1000 };

let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    limits: { fcm: FCM, sendgrid: SENDGRID },
    webhooks: false,
    env: {
      RATE_LIMIT_FCM: `${FCM.limit}/${FCM.windowMs}ms`,
      RATE_LIMIT_SENDGRID: `${SENDGRID.limit}/${SENDGRID.windowMs}ms`,
      RATE_LIMIT_SAFETY_MS: '200',
      PUSH_WORKERS: '2',
      EMAIL_WORKERS: '2',
      PROVIDER_TIMEOUT_MS: '15000',
    },
  });
});

afterAll(async () => {
  await h?.stop();
  await closeTestKafka();
});

/**
 * 10,000 fans with an email address and the default channels (email and push), a quarter of them
 * with an FCM device, each holding a confirmed booking for the match. Written straight into the
 * service's tables: building the projection from booking events is what the delivery tests do at a
 * small scale; 10,000 of them would only slow this one.
 */
async function seed(matchId: string): Promise<void> {
  const n = BOOKERS;
  await h.sdb.db.raw(
    `INSERT INTO contacts (user_id, email, locale) SELECT 'fan-' || g, 'fan-' || g || '@example.com', 'en' FROM generate_series(1, ?) g`,
    [n],
  );
  await h.sdb.db.raw(
    `INSERT INTO devices (user_id, kind, token) SELECT 'fan-' || g, 'fcm', 'token-' || g FROM generate_series(1, ?) g WHERE g % 4 = 0`,
    [n],
  );
  await h.sdb.db.raw(
    `INSERT INTO bookings (booking_id, match_id, user_id, status, quantity)
       SELECT 'booking-' || g, ?, 'fan-' || g, 'confirmed', 1 FROM generate_series(1, ?) g`,
    [matchId, n],
  );
  await h.sdb.db.raw(
    `INSERT INTO matches (match_id, title, venue, kickoff_at) VALUES (?, 'Derby', 'Stadium', '2026-12-05T19:00:00Z')`,
    [matchId],
  );
}

describe('a popular match is rescheduled', () => {
  it('when 10,000 fans booked it, then each is told once (email, and push where they have the app), in batches, within the providers’ limits', async () => {
    const matchId = 'derby-1';
    await seed(matchId);
    const event = buildEvent(
      'match.rescheduled.v1',
      { matchId, previousKickoffAt: '2026-12-05T19:00:00Z', kickoffAt: '2026-12-06T20:00:00Z' },
      { source: 'booking', subject: matchId },
    );
    const started = Date.now();
    // The event is delivered twice.
    await publishEvents(h.iso.topicPrefix, [event, event]);
    await waitForNotifications(
      h,
      `event_id = ? AND status IN ('sent', 'delivered')`,
      [event.id],
      BOOKERS + WITH_APP,
      50_000,
    );
    const elapsedMs = Date.now() - started;

    // Once: exactly one notification per (user, channel), every one sent.
    const { rows } = (await h.sdb.db.raw(
      `SELECT channel, count(*)::int AS n, count(DISTINCT user_id)::int AS users FROM notifications WHERE event_id = ? GROUP BY channel ORDER BY channel`,
      [event.id],
    )) as { rows: Array<{ channel: string; n: number; users: number }> };
    expect(rows).toEqual([
      { channel: 'email', n: BOOKERS, users: BOOKERS },
      { channel: 'push', n: WITH_APP, users: WITH_APP },
    ]);

    // Email: ten SendGrid requests of 1000 personalizations, every fan exactly once.
    const mails = [...h.sandbox.state.sendgrid.messages.values()];
    expect(mails).toHaveLength(BOOKERS / 1000);
    expect(mails.every((m) => m.request.personalizations?.length === 1000)).toBe(true);
    const recipients = mails.flatMap((m) => m.recipients.map((r) => r.email));
    expect(recipients).toHaveLength(BOOKERS);
    expect(new Set(recipients).size).toBe(BOOKERS);
    expect(mails[0]!.request.subject).toBe('New date for Derby');

    // Push: one FCM message per token, sent with sendEach in calls of 500.
    const pushed = [...h.sandbox.state.fcm.messages.values()].map((m) => m.message.token);
    expect(pushed).toHaveLength(WITH_APP);
    expect(new Set(pushed).size).toBe(WITH_APP);
    const metrics = (await request(h.service.app).get('/metrics').expect(200)).text;
    expect(metrics).toMatch(
      new RegExp(`notification_provider_calls_total\\{provider="fcm",outcome="ok"\\} ${WITH_APP / 500}\\n`),
    );

    // Never above the limits, never a 429 — and the limits did bind (the sends spread over windows).
    const { fcm, sendgrid } = h.sandbox.state.stats;
    expect(fcm.rateLimited).toBe(0);
    expect(sendgrid.rateLimited).toBe(0);
    expect(fcm.peakPerWindow).toBeLessThanOrEqual(FCM.limit);
    expect(sendgrid.peakPerWindow).toBeLessThanOrEqual(SENDGRID.limit);
    expect(fcm.windows.length).toBeGreaterThanOrEqual(Math.ceil(WITH_APP / FCM.limit));
    expect(elapsedMs).toBeGreaterThanOrEqual(
      ((BOOKERS / 1000 - SENDGRID.limit) / SENDGRID.limit) * SENDGRID.windowMs,
    );
  });
});
