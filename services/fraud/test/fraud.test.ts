import { randomUUID } from 'node:crypto';
import { buildEvent, type EventData, type MatchdayEvent } from '@matchday/contracts';
import { metricsText } from '@matchday/observability';
import {
  closeTestKafka,
  deleteTopics,
  eventually,
  isolation,
  probe,
  publishEvent,
  publishEvents,
  publishRaw,
  serviceDb,
  setupTopics,
  testInfra,
  type EventProbe,
  type ServiceDb,
} from '@matchday/testkit';
import request from 'supertest';
import { loadFraudConfig } from '../src/config';
import { migrations } from '../src/db/migrations';
import { DEFAULT_RULE_SET, parseRuleSet } from '../src/domain';
import { buildService, type FraudService } from '../src/service';

const iso = isolation();
let sdb: ServiceDb;
let svc: FraudService;
let decisions: EventProbe;
/** Shifts fraud's clock (review deadlines) without touching event times. */
let clockOffsetMs = 0;

const admin = { 'x-user-roles': 'admin', 'x-user-id': 'admin-1' };
const support = { 'x-user-roles': 'support', 'x-user-id': 'support-1' };
const uid = (p: string) => `${p}-${randomUUID().slice(0, 8)}`;
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

type Customer = NonNullable<EventData<'booking.created.v1'>['customer']>;

/** Publishes booking.created as booking would and waits for fraud's decision on it. */
async function book(
  userId: string,
  opts: { quantity?: number; matchId?: string; amount?: number; currency?: string; customer?: Customer; bookingId?: string; eventId?: string } = {},
) {
  const bookingId = opts.bookingId ?? uid('b');
  const quantity = opts.quantity ?? 1;
  const amount = opts.amount ?? quantity * 5000;
  const currency = opts.currency ?? 'EUR';
  await publishEvent(
    iso.topicPrefix,
    'booking.created.v1',
    {
      bookingId,
      matchId: opts.matchId ?? uid('m'),
      userId,
      holdId: uid('h'),
      quantity,
      unitPrice: amount / quantity,
      amount,
      currency,
      paymentDeadline: new Date(Date.now() + 15 * 60_000).toISOString(),
      payers: [{ payerId: uid('p'), userId, amount, currency }],
      ...(opts.customer && { customer: opts.customer }),
    },
    { subject: bookingId, source: 'booking', ...(opts.eventId && { id: opts.eventId }) },
  );
  const decision = await decisions.waitFor('fraud.assessed.v1', (e) => e.data.bookingId === bookingId);
  return decision.data;
}

const signalCount = async (userId: string, kind: string): Promise<number> =>
  Number((await sdb.db('signals').where({ user_id: userId, kind }).count<{ count: string }[]>('* as count'))[0]?.count ?? 0);

beforeAll(async () => {
  const infra = await testInfra();
  await setupTopics(iso.topicPrefix, ['fraud']);
  const schema = iso.schema('fraud');
  sdb = await serviceDb('fraud', schema, { migrations: migrations(schema) });
  const config = loadFraudConfig({
    DATABASE_URL: sdb.url,
    DB_SCHEMA: schema,
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    TOPIC_PREFIX: iso.topicPrefix,
    CONSUMER_RETRY_DELAYS_MS: '100,200,300',
    CONSUMER_SESSION_TIMEOUT_MS: '6000',
    REVIEW_SWEEP_INTERVAL_MS: '200',
    RULES_REFRESH_MS: '300',
    LOG_LEVEL: 'warn',
  });
  svc = buildService(config, { db: sdb.db, clock: { now: () => new Date(Date.now() + clockOffsetMs) } });
  decisions = await probe(iso.topicPrefix, ['fraud.decisions']);
  await svc.start();
});

afterAll(async () => {
  await decisions?.stop();
  await svc?.stop();
  await sdb?.destroy();
  await deleteTopics(iso.topicPrefix);
  await closeTestKafka();
});

describe('decisions from real event sequences', () => {
  it('when one user, device and IP book again and again within minutes, then fraud goes allow → review → block with velocity reasons', async () => {
    const userId = uid('u');
    const customer: Customer = { ip: '198.51.100.7', deviceId: uid('d'), email: `${userId}@example.com`, country: 'DE', cardCountry: 'DE' };
    const seen: string[] = [];
    for (let i = 0; i < 8; i++) seen.push((await book(userId, { customer })).decision);
    expect(seen).toEqual(['allow', 'allow', 'allow', 'allow', 'allow', 'review', 'review', 'block']);

    const last = await request(svc.app).get(`/v1/admin/fraud/assessments/${(await book(userId, { customer })).bookingId}`).set(admin).expect(200);
    const reasons = last.body.assessments[0].reasons as Array<{ rule: string; detail: string }>;
    expect(reasons.map((r) => r.rule)).toEqual(['user_velocity', 'ip_velocity', 'device_velocity']);
    expect(reasons[0]!.detail).toBe('9 bookings by user in 600s (threshold 4)');
  });

  it('when a burst of bookings by one user arrives at once across partitions, then every one is counted', async () => {
    const userId = uid('u');
    const customer: Customer = { ip: '198.51.100.99', deviceId: uid('d'), country: 'DE', cardCountry: 'DE' };
    const ids = Array.from({ length: 8 }, () => uid('b'));
    await publishEvents(
      iso.topicPrefix,
      ids.map((bookingId) =>
        buildEvent(
          'booking.created.v1',
          {
            bookingId,
            matchId: uid('m'),
            userId,
            holdId: uid('h'),
            quantity: 1,
            unitPrice: 5000,
            amount: 5000,
            currency: 'EUR',
            paymentDeadline: new Date(Date.now() + 900_000).toISOString(),
            payers: [{ payerId: uid('p'), amount: 5000, currency: 'EUR' }],
            customer,
          },
          { source: 'booking', subject: bookingId },
        ),
      ),
    );
    const got = await decisions.waitForCount((e) => e.type === 'fraud.assessed.v1' && ids.includes(e.subject), 8);
    const counts = got.map((e) => (e as MatchdayEvent<'fraud.assessed.v1'>).data.decision).sort();
    expect(counts).toEqual(['allow', 'allow', 'allow', 'allow', 'allow', 'block', 'review', 'review']);
  });

  it('when a user buys up a hot match, then scalping blocks the booking; the same slots on a quiet match are allowed', async () => {
    const hotMatch = uid('m');
    await publishEvent(iso.topicPrefix, 'match.hot.v1', { matchId: hotMatch, hot: true }, { subject: hotMatch, source: 'booking' });
    await eventually(async () => (await sdb.db('hot_matches').where({ match_id: hotMatch, hot: true }).first()) !== undefined, {
      what: 'hot match recorded',
    });

    const scalper = uid('u');
    const card = { cardFingerprint: uid('fp'), cardCountry: 'DE', country: 'DE' };
    expect((await book(scalper, { matchId: hotMatch, quantity: 4, customer: card })).decision).toBe('allow');
    const blocked = await book(scalper, { matchId: hotMatch, quantity: 6, customer: card });
    expect(blocked.decision).toBe('block');
    expect(blocked.reasons).toContainEqual({ rule: 'hot_match_bulk', weight: 75, detail: '10 slots on hot matches in 3600s (threshold 8)' });

    const fan = uid('u');
    const quiet = uid('m');
    await book(fan, { matchId: quiet, quantity: 4 });
    expect((await book(fan, { matchId: quiet, quantity: 6 })).decision).toBe('allow');
  });

  it('when the gateway reported rate limits and session conflicts, then the next booking goes to review with those reasons', async () => {
    const userId = uid('u');
    const ip = '192.0.2.44';
    await publishEvent(iso.topicPrefix, 'ratelimit.exceeded.v1', { userId, ip, action: 'hold', limit: 10, windowSeconds: 60 }, { subject: userId });
    for (let i = 0; i < 2; i++) {
      await publishEvent(
        iso.topicPrefix,
        'session.conflict.v1',
        { userId, sessionId: uid('s'), deviceIds: [uid('d'), uid('d')] },
        { subject: userId },
      );
    }
    await eventually(async () => (await signalCount(userId, 'session_conflict')) === 2 && (await signalCount(userId, 'ratelimit')) === 1, {
      what: 'gateway signals recorded',
    });
    const decision = await book(userId, { customer: { ip, country: 'FR', cardCountry: 'US' } });
    expect(decision.decision).toBe('review');
    expect(decision.score).toBe(45);
    expect(decision.reasons.map((r) => r.rule)).toEqual(['rate_limited', 'session_conflicts', 'country_mismatch']);
  });

  it('when a user let holds expire unpaid and had a burst of failed payments, then the next booking is reviewed; fraud’s own blocks do not count', async () => {
    const userId = uid('u');
    const earlier = await book(userId);
    for (let i = 0; i < 3; i++) {
      const hold = { holdId: uid('h'), matchId: uid('m'), userId, quantity: 2 };
      await publishEvent(iso.topicPrefix, 'hold.placed.v1', { ...hold, expiresAt: new Date(Date.now() + 600_000).toISOString() }, { subject: hold.holdId });
      await publishEvent(iso.topicPrefix, 'hold.expired.v1', hold, { subject: hold.holdId });
    }
    for (const reason of ['card_declined', 'card_declined', 'insufficient_funds', 'fraud_block']) {
      await publishEvent(iso.topicPrefix, 'payment.failed.v1', { bookingId: earlier.bookingId, reason }, { subject: earlier.bookingId });
    }
    await eventually(async () => (await signalCount(userId, 'unpaid')) === 3 && (await signalCount(userId, 'payment_failed')) === 3, {
      what: 'holds and payment failures recorded',
    });
    const decision = await book(userId);
    expect(decision.decision).toBe('review');
    expect(decision.reasons).toEqual([
      { rule: 'unpaid_holds', weight: 20, detail: '3 holds or bookings left unpaid in 3600s (threshold 3)' },
      { rule: 'failed_payments', weight: 30, detail: '3 failed payments in 900s (threshold 3)' },
    ]);
  });

  it('when one card is used by three accounts, then the third is blocked', async () => {
    const cardFingerprint = uid('fp');
    const [a, b, c] = [uid('u'), uid('u'), uid('u')];
    expect((await book(a, { customer: { cardFingerprint } })).decision).toBe('allow');
    expect((await book(b, { customer: { cardFingerprint } })).decision).toBe('allow');
    const third = await book(c, { customer: { cardFingerprint } });
    expect(third.decision).toBe('block');
    expect(third.reasons[0]).toMatchObject({ rule: 'card_shared_accounts', detail: '3 accounts on this card in 86400s (threshold 3)' });
  });

  it('when booking.created arrives twice, then the booking is assessed once', async () => {
    const userId = uid('u');
    const first = await book(userId);
    const again = await publishEvent(
      iso.topicPrefix,
      'booking.created.v1',
      {
        bookingId: first.bookingId,
        matchId: uid('m'),
        userId,
        holdId: uid('h'),
        quantity: 1,
        unitPrice: 5000,
        amount: 5000,
        currency: 'EUR',
        paymentDeadline: new Date(Date.now() + 900_000).toISOString(),
        payers: [{ payerId: uid('p'), amount: 5000, currency: 'EUR' }],
      },
      { subject: first.bookingId, source: 'booking' },
    );
    await eventually(async () => (await sdb.db('inbox').where({ event_id: again.id }).first()) !== undefined, { what: 'duplicate consumed' });
    const res = await request(svc.app).get(`/v1/admin/fraud/assessments/${first.bookingId}`).set(admin).expect(200);
    expect(res.body.assessments).toHaveLength(1);
    expect(decisions.events.filter((e) => e.type === 'fraud.assessed.v1' && e.subject === first.bookingId)).toHaveLength(1);
  });
});

describe('review queue', () => {
  async function reviewFor(): Promise<{ assessmentId: string; bookingId: string }> {
    const userId = uid('u');
    const d = await book(userId, { amount: 90000, customer: { accountCreatedAt: minutesAgo(30), country: 'DE', cardCountry: 'NG' } });
    expect(d.decision).toBe('review');
    return { assessmentId: d.assessmentId, bookingId: d.bookingId };
  }

  it('when an admin approves a review, then review.resolved allow is published once, and a later reject is refused', async () => {
    const { assessmentId, bookingId } = await reviewFor();
    const queue = await request(svc.app).get('/v1/admin/fraud/reviews').set(support).expect(200);
    expect(queue.body.reviews.map((r: { id: string }) => r.id)).toContain(assessmentId);

    const approved = await request(svc.app)
      .post(`/v1/admin/fraud/reviews/${assessmentId}/approve`)
      .set(admin)
      .send({ note: 'known customer' })
      .expect(200);
    expect(approved.body.review).toMatchObject({ status: 'approved', resolvedBy: 'user:admin-1', note: 'known customer' });
    const resolved = await decisions.waitFor('review.resolved.v1', (e) => e.data.assessmentId === assessmentId);
    expect(resolved.data).toEqual({ assessmentId, bookingId, decision: 'allow', resolvedBy: 'user:admin-1', timedOut: false });
    expect(resolved.subject).toBe(bookingId);

    await request(svc.app).post(`/v1/admin/fraud/reviews/${assessmentId}/approve`).set(admin).expect(200);
    const conflict = await request(svc.app).post(`/v1/admin/fraud/reviews/${assessmentId}/reject`).set(admin).expect(409);
    expect(conflict.body.code).toBe('REVIEW_ALREADY_RESOLVED');
    const marker = await reviewFor();
    const queued = (await request(svc.app).get('/v1/admin/fraud/reviews').set(admin).expect(200)).body.reviews.find(
      (r: { id: string }) => r.id === marker.assessmentId,
    );
    expect(queued).toMatchObject({ amount: 90000, currency: 'EUR', review: { status: 'pending' } });
    // The same rejection, named by its decision.
    await request(svc.app).post(`/v1/admin/fraud/reviews/${marker.assessmentId}/resolve`).set(admin).send({ decision: 'block' }).expect(200);
    await decisions.waitFor('review.resolved.v1', (e) => e.data.assessmentId === marker.assessmentId && e.data.decision === 'block');
    expect(decisions.events.filter((e) => e.type === 'review.resolved.v1' && e.subject === bookingId)).toHaveLength(1);
  });

  it('when nobody resolves a review in time, then it resolves itself to block with timedOut', async () => {
    const { assessmentId, bookingId } = await reviewFor();
    clockOffsetMs = 601_000;
    try {
      const resolved = await decisions.waitFor('review.resolved.v1', (e) => e.data.assessmentId === assessmentId, 10_000);
      expect(resolved.data).toEqual({ assessmentId, bookingId, decision: 'block', resolvedBy: 'system:review-timeout', timedOut: true });
    } finally {
      clockOffsetMs = 0;
    }
    const late = await request(svc.app).post(`/v1/admin/fraud/reviews/${assessmentId}/approve`).set(admin).expect(409);
    expect(late.body.code).toBe('REVIEW_ALREADY_RESOLVED');
    expect(await metricsText()).toMatch(/fraud_reviews_resolved_total\{outcome="timed_out"\} [1-9]/);
  });

  it('when staff flag an allowed booking, then it goes to review with the flag as reason; flagging again opens nothing new', async () => {
    const userId = uid('u');
    const d = await book(userId);
    expect(d.decision).toBe('allow');
    const flagged = await request(svc.app)
      .post('/v1/admin/fraud/flags')
      .set(admin)
      .send({ bookingId: d.bookingId, reason: 'chargeback on another booking' })
      .expect(201);
    expect(flagged.body).toMatchObject({ reviewOpened: true, assessment: { decision: 'review', trigger: 'flag' } });
    const event = await decisions.waitFor('fraud.assessed.v1', (e) => e.data.bookingId === d.bookingId && e.data.decision === 'review');
    expect(event.data.reasons[0]).toEqual({ rule: 'manual_flag', weight: 0, detail: 'chargeback on another booking' });

    await request(svc.app).post('/v1/admin/fraud/flags').set(admin).send({ bookingId: d.bookingId, reason: 'again' }).expect(200);
    await request(svc.app).post('/v1/admin/fraud/flags').set(admin).send({ bookingId: uid('b'), reason: 'x' }).expect(404);
    // The flag counts against the user's next booking.
    expect((await book(userId)).reasons.map((r) => r.rule)).toEqual(['flagged_user']);
  });
});

describe('rules as data', () => {
  it('when an admin saves new rules, then the next decision uses them without a restart; a stale or invalid edit is refused', async () => {
    const current = await request(svc.app).get('/v1/admin/fraud/rules').set(admin).expect(200);
    const from = current.body.version as number;
    const strict = {
      ...current.body.ruleSet,
      rules: [{ id: 'any_repeat', kind: 'velocity', dimension: 'user', windowSeconds: 600, threshold: 2, weight: 90 }],
    };
    const saved = await request(svc.app).put('/v1/admin/fraud/rules').set(admin).send({ expectedVersion: from, ruleSet: strict, note: 'tighten' }).expect(200);
    expect(saved.body).toMatchObject({ version: from + 1, createdBy: 'user:admin-1', note: 'tighten' });

    const userId = uid('u');
    expect((await book(userId)).decision).toBe('allow');
    const second = await book(userId);
    expect(second).toMatchObject({ decision: 'block', rulesVersion: from + 1 });
    expect(second.reasons.map((r) => r.rule)).toEqual(['any_repeat']);

    const stale = await request(svc.app).put('/v1/admin/fraud/rules').set(admin).send({ expectedVersion: from, ruleSet: strict }).expect(409);
    expect(stale.body.code).toBe('RULES_VERSION_CONFLICT');
    const invalid = await request(svc.app)
      .put('/v1/admin/fraud/rules')
      .set(admin)
      .send({ expectedVersion: from + 1, ruleSet: { ...strict, thresholds: { review: 90, block: 50 } } })
      .expect(400);
    expect(JSON.stringify(invalid.body.errors)).toContain('review must be below block');

    // Another instance saving a version: this one picks it up on its periodic check.
    await sdb.db('rule_sets').insert({
      version: from + 2,
      definition: JSON.stringify(parseRuleSet(DEFAULT_RULE_SET)),
      created_by: 'user:other-instance',
    });
    await eventually(async () => (await request(svc.app).get('/v1/admin/fraud/rules').set(admin)).body.version === from + 2, {
      what: 'rules reloaded',
    });
    expect((await book(uid('u'))).rulesVersion).toBe(from + 2);
    const versions = await request(svc.app).get('/v1/admin/fraud/rules/versions').set(admin).expect(200);
    expect(versions.body.versions.slice(0, 3).map((v: { version: number }) => v.version)).toEqual([from + 2, from + 1, from]);
  });

  it('when a stored rule set cannot be read, then the instance keeps deciding with the rules it has, counted and logged', async () => {
    const { version } = (await request(svc.app).get('/v1/admin/fraud/rules').set(admin)).body as { version: number };
    await sdb.db('rule_sets').insert({ version: version + 1, definition: JSON.stringify({ thresholds: { review: 1 } }), created_by: 'user:broken' });
    try {
      await eventually(async () => /fraud_background_failures_total\{task="rules_reload"\} [1-9]/.test(await metricsText()), { what: 'reload failure counted' });
      expect((await request(svc.app).get('/v1/admin/fraud/rules').set(admin)).body.version).toBe(version);
      expect((await book(uid('u'))).rulesVersion).toBe(version);
    } finally {
      await sdb.db('rule_sets').where({ version: version + 1 }).delete();
    }
  });
});

describe('allow and block lists, payment methods', () => {
  it('when an IP is on the block list, then its bookings are blocked; once removed, they are allowed again', async () => {
    const ip = '203.0.113.250';
    const added = await request(svc.app)
      .post('/v1/admin/fraud/lists')
      .set(admin)
      .send({ list: 'block', kind: 'ip', value: ip, reason: 'botnet' })
      .expect(201);
    const blocked = await book(uid('u'), { customer: { ip } });
    expect(blocked).toMatchObject({ decision: 'block', score: 100 });
    expect(blocked.reasons[0]).toEqual({ rule: 'blocklist', weight: 100, detail: `ip is on the block list (entry ${added.body.id})` });

    const listed = await request(svc.app).get('/v1/admin/fraud/lists?list=block&kind=ip').set(admin).expect(200);
    expect(listed.body.entries.map((e: { value: string }) => e.value)).toContain(ip);
    await request(svc.app).delete(`/v1/admin/fraud/lists/${added.body.id}`).set(admin).expect(204);
    await request(svc.app).delete(`/v1/admin/fraud/lists/${added.body.id}`).set(admin).expect(404);
    expect((await book(uid('u'), { customer: { ip } })).decision).toBe('allow');
  });

  it('when a trusted user is on the allow list, then a risky pattern is still allowed', async () => {
    const userId = uid('u');
    await request(svc.app).post('/v1/admin/fraud/lists').set(admin).send({ list: 'allow', kind: 'user', value: userId, reason: 'club partner' }).expect(201);
    const d = await book(userId, { amount: 90000, customer: { accountCreatedAt: minutesAgo(5), country: 'DE', cardCountry: 'NG' } });
    expect(d.decision).toBe('allow');
    expect(d.reasons.map((r) => r.rule)).toEqual(['allowlist', 'country_mismatch', 'new_account_large_order']);
  });

  it('when a payment method is expired or its card is blocked, then validation refuses it with each reason', async () => {
    const fp = uid('fp');
    await request(svc.app).post('/v1/admin/fraud/lists').set(admin).send({ list: 'block', kind: 'card', value: fp, reason: 'stolen' }).expect(201);
    const refused = await request(svc.app)
      .post('/v1/fraud/payment-methods/validate')
      .send({ cardFingerprint: fp, expMonth: 1, expYear: 2020, cardCountry: 'DE' })
      .expect(200);
    expect(refused.body.valid).toBe(false);
    expect(refused.body.errors.map((e: { rule: string }) => e.rule)).toEqual(['card_expired', 'blocklist']);
    const fine = await request(svc.app)
      .post('/v1/fraud/payment-methods/validate')
      .send({ cardFingerprint: uid('fp'), expMonth: 12, expYear: 2099, cardCountry: 'BR', ipCountry: 'DE' })
      .expect(200);
    expect(fine.body).toMatchObject({ valid: true, errors: [], warnings: [{ rule: 'country_mismatch' }] });
    await request(svc.app).post('/v1/fraud/payment-methods/validate').send({ expMonth: 13 }).expect(400);
  });
});

describe('operations', () => {
  it('when an admin path is called without the caller’s identity, then it is refused with 401; without the admin role, with 403', async () => {
    await request(svc.app).get('/v1/admin/fraud/reviews').expect(401);
    await request(svc.app).put('/v1/admin/fraud/rules').set(support).send({}).expect(403);
    await request(svc.app).get(`/v1/admin/fraud/assessments/${uid('b')}`).set(admin).expect(404);
  });

  it('when a poisoned message arrives, then it lands in the dead-letter topic and the admin API lists and replays it', async () => {
    const bookingId = uid('b');
    await publishRaw(`${iso.topicPrefix}booking.events`, {
      key: bookingId,
      value: JSON.stringify({ bookingId, quantity: 'lots' }),
      headers: { ce_id: uid('evt'), ce_type: 'booking.created.v1', ce_source: 'booking', ce_specversion: '1.0', ce_time: new Date().toISOString() },
    });
    const dlq = await eventually(
      async () => {
        const res = await request(svc.app).get('/v1/admin/dlq').set(admin).expect(200);
        return res.body.deadLetters.find((d: { key: string }) => d.key === bookingId) as { error: string } | undefined;
      },
      { what: 'dead letter listed', timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(dlq.error).toMatch(/ContractError/);
    const replay = await request(svc.app).post('/v1/admin/dlq/replay').set(admin).send({}).expect(200);
    expect(replay.body.replayed).toBeGreaterThanOrEqual(1);
  });

  it('when bookings were assessed, then the operations API lists each decision in the outbox and each booking.created in the inbox, page by page, and the summary counts the same rows', async () => {
    const eventIds: string[] = [randomUUID(), randomUUID(), randomUUID()];
    const decisionIds: string[] = [];
    for (const eventId of eventIds) {
      const bookingId = uid('b');
      await book(uid('u'), { bookingId, eventId });
      decisionIds.push((await decisions.waitFor('fraud.assessed.v1', (e) => e.data.bookingId === bookingId)).id);
    }
    type Page<T> = { items: T[]; nextCursor: string | null };
    const readAll = async <T>(path: string): Promise<T[]> => {
      const items: T[] = [];
      let after: string | null = null;
      do {
        const res = await request(svc.app)
          .get(`${path}?limit=2${after ? `&after=${encodeURIComponent(after)}` : ''}`)
          .set(support)
          .expect(200);
        const page = res.body as Page<T>;
        items.push(...page.items);
        after = page.nextCursor;
      } while (after);
      return items;
    };
    type Outboxed = { eventId: string; type: string; topic: string; published: boolean };
    type Inboxed = { group: string; eventId: string; type: string; topic: string };
    type Summary = { outbox: Array<{ count: number }>; inbox: Array<{ count: number }> };
    const sum = (rows: Array<{ count: number }>) => rows.reduce((n, r) => n + r.count, 0);
    // Read until the listings and the summary agree (the consumer and relay may still be moving).
    const { outbox, inbox, summary } = await eventually(
      async () => {
        const outbox = await readAll<Outboxed>('/v1/admin/events/outbox');
        const inbox = await readAll<Inboxed>('/v1/admin/events/inbox');
        const summary = (await request(svc.app).get('/v1/admin/events/summary').set(support).expect(200)).body as Summary;
        const ours = outbox.filter((e) => decisionIds.includes(e.eventId));
        return ours.every((e) => e.published) && sum(summary.outbox) === outbox.length && sum(summary.inbox) === inbox.length
          ? { outbox, inbox, summary }
          : undefined;
      },
      { what: 'listings and summary agree', timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(new Set(outbox.map((e) => e.eventId)).size).toBe(outbox.length);
    expect(outbox.filter((e) => decisionIds.includes(e.eventId))).toEqual(
      decisionIds.map((eventId) => ({
        seq: expect.stringMatching(/^\d+$/),
        eventId,
        type: 'fraud.assessed.v1',
        topic: 'fraud.decisions',
        published: true,
        createdAt: expect.any(String),
      })),
    );
    expect(inbox.filter((e) => eventIds.includes(e.eventId))).toEqual(
      expect.arrayContaining(eventIds.map((eventId) => ({ group: 'fraud', eventId, type: 'booking.created.v1', topic: 'booking.events' }))),
    );
    expect(new Set(inbox.map((e) => `${e.group}|${e.eventId}`)).size).toBe(inbox.length);
    expect(summary.outbox).toContainEqual({ type: 'fraud.assessed.v1', published: true, count: expect.any(Number) });
  });

  it('when decisions are made, then their latency from event to decision is exported as a histogram', async () => {
    const text = await metricsText();
    const count = Number(/fraud_decision_duration_seconds_count\{trigger="booking_created"\} (\d+)/.exec(text)?.[1] ?? 0);
    expect(count).toBeGreaterThan(20);
    expect(text).toMatch(/fraud_decisions_total\{decision="block"\} [1-9]/);
    expect(text).toMatch(/fraud_rule_hits_total\{rule="hot_match_bulk"\} [1-9]/);
    const ready = await request(svc.app).get('/health/ready').expect(200);
    expect(ready.body.status).toBe('ready');
  });
});

describe('housekeeping', () => {
  it('when signals and bookings are older than the retention, then the sweeper deletes them', async () => {
    const userId = uid('u');
    await book(userId);
    expect(await signalCount(userId, 'booking')).toBe(1);
    clockOffsetMs = 9 * 86400_000;
    try {
      await eventually(async () => (await signalCount(userId, 'booking')) === 0, { what: 'signals pruned', timeoutMs: 10_000 });
      await eventually(async () => (await sdb.db('bookings').where({ user_id: userId }).first()) === undefined, { what: 'bookings pruned', timeoutMs: 10_000 });
    } finally {
      clockOffsetMs = 0;
    }
  });
});
