import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { buildEvent, type MatchdayEvent } from '@matchday/contracts';
import { eventually, publishEvent, publishEvents, publishRaw, setupTopics, testLogger } from '@matchday/testkit';
import { createKafka, idempotentProducer, listDeadLetters } from '@matchday/bus';
import { createConsumerRunner } from '../src/kafka/consumer-runner';
import { PROBLEM, startGateway, type Harness } from './helpers';

let h: Harness;

/** Booking's match ids are UUIDs. */
const M = Object.fromEntries(['m-adm', 'm-broken', 'm-calm', 'm-cool', 'm-flaky', 'm-hot', 'm-order', 'm-other', 'm-poison', 'm-q', 'm-rush'].map((k) => [k, randomUUID()])) as Record<string, string>;

beforeAll(async () => {
  h = await startGateway({ RATE_LIMIT_IP_REQUESTS: '100000', RATE_LIMIT_WAITING_ROOM_JOINS: '1000', RATE_LIMIT_HOLDS: '1000' });
});
afterAll(async () => h.close());

const auth = async (userId: string, roles = ['fan']) => ({ Authorization: `Bearer ${await h.token(userId, roles)}` });

const markHot = (matchId: string, hot: boolean, admissionRatePerSecond?: number, time?: Date) =>
  publishEvents(h.iso.topicPrefix, [
    buildEvent('match.hot.v1', { matchId, hot, ...(admissionRatePerSecond ? { admissionRatePerSecond } : {}) }, { source: 'booking', subject: matchId, ...(time ? { time } : {}) }),
  ]);

const roomIs = async (matchId: string, hot: boolean) =>
  eventually(
    async () => {
      const res = await request(h.service.app).get(`/v1/waiting-room/${matchId}`).set(await auth('watcher'));
      return res.body.hot === hot ? res.body : undefined;
    },
    { timeoutMs: 30000, what: `match ${matchId} hot=${hot}` },
  );

const hold = async (userId: string, matchId: string, admission?: string) => {
  let r = request(h.service.app).post('/v1/holds').set(await auth(userId)).set('Idempotency-Key', `k-${Math.random()}`);
  if (admission) r = r.set('X-Admission-Token', admission);
  return r.send({ matchId, quantity: 1 });
};

describe('the waiting room of a hot match', () => {
  test('when booking marks a match hot, then holds for it need an admission and point to the waiting room; other matches are unaffected', async () => {
    await markHot(M['m-hot']!, true, 2);
    expect(await roomIs(M['m-hot']!, true)).toEqual({ matchId: M['m-hot']!, hot: true, admissionRatePerSecond: 2, waiting: 0 });
    const refused = await hold('fan-a', M['m-hot']!);
    expect(refused.status).toBe(428);
    expect(refused.headers['content-type']).toMatch(PROBLEM);
    expect(refused.body).toMatchObject({ type: 'https://matchday.dev/problems/admission-required', joinUrl: `/v1/waiting-room/${M['m-hot']}/join` });
    expect(refused.headers.link).toBe(`</v1/waiting-room/${M['m-hot']}/join>; rel="waiting-room"`);
    const forged = await hold('fan-a', M['m-hot']!, 'made-up');
    expect(forged.status).toBe(403);
    expect(forged.body.type).toBe('https://matchday.dev/problems/admission-invalid');
    expect((await hold('fan-a', M['m-calm']!)).status).toBe(201);
  });

  test('fans are admitted in arrival order, no faster than the configured rate, while they poll', async () => {
    await markHot(M['m-rush']!, true, 2);
    await roomIs(M['m-rush']!, true);
    const fans = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'];
    const tickets: Array<{ userId: string; ticketId: string; location: string }> = [];
    const started = Date.now();
    for (const userId of fans) {
      const res = await request(h.service.app).post(`/v1/waiting-room/${M['m-rush']}/join`).set(await auth(userId));
      expect(res.status).toBe(201);
      tickets.push({ userId, ticketId: res.body.ticketId, location: res.headers.location! });
    }
    // One second's worth (two) is admitted at once; the rest wait in arrival order.
    const first = await request(h.service.app).get(tickets[0]!.location).set(await auth('r1'));
    expect(first.body.status).toBe('admitted');
    const sixth = await request(h.service.app).get(tickets[5]!.location).set(await auth('r6'));
    expect(sixth.body.status).toBe('waiting');
    expect(sixth.body.position).toBeGreaterThanOrEqual(1);
    expect(Number(sixth.headers['retry-after'])).toBeGreaterThanOrEqual(1);

    const admittedAt = new Map<string, number>();
    while (admittedAt.size < fans.length && Date.now() - started < 10000) {
      for (const t of tickets) {
        if (admittedAt.has(t.userId)) continue;
        const res = await request(h.service.app).get(t.location).set(await auth(t.userId));
        if (res.body.status === 'admitted') admittedAt.set(t.userId, Date.now() - started);
      }
      await sleep(50);
    }
    // First come, first admitted.
    expect([...admittedAt.keys()]).toEqual(fans);
    // Never faster than the rate: the k-th ticket cannot be in before (k - 2) / 2 s after the first joined.
    fans.forEach((f, i) => expect(admittedAt.get(f)!).toBeGreaterThanOrEqual(Math.max(0, (i + 1 - 2) * 500 - 50)));
  });

  test('an admitted fan places the hold with the admission, which is then used up', async () => {
    await markHot(M['m-adm']!, true, 50);
    await roomIs(M['m-adm']!, true);
    const joined = await request(h.service.app).post(`/v1/waiting-room/${M['m-adm']}/join`).set(await auth('adm-1'));
    expect(joined.body).toMatchObject({ status: 'admitted', admissionToken: expect.any(String), admissionExpiresAt: expect.any(String) });
    const token = joined.body.admissionToken as string;
    expect((await hold('adm-2', M['m-adm']!, token)).status).toBe(403);
    expect((await hold('adm-1', M['m-other']!, token)).status).toBe(201);
    const placed = await hold('adm-1', M['m-adm']!, token);
    expect(placed.status).toBe(201);
    expect(h.stubs.booking.received.at(-1)!.headers['x-admission-token']).toBeUndefined();
    expect((await hold('adm-1', M['m-adm']!, token)).status).toBe(403);
    const ticket = await request(h.service.app).get(joined.headers.location!).set(await auth('adm-1'));
    expect(ticket.body.status).toBe('expired');
    const again = await request(h.service.app).post(`/v1/waiting-room/${M['m-adm']}/join`).set(await auth('adm-1'));
    expect(again.status).toBe(201);
    expect(again.body.ticketId).not.toBe(joined.body.ticketId);
  });

  test('joining again keeps the same place, and a ticket is visible only to its owner', async () => {
    await markHot(M['m-q']!, true, 0.1);
    await roomIs(M['m-q']!, true);
    const a = await request(h.service.app).post(`/v1/waiting-room/${M['m-q']}/join`).set(await auth('q1'));
    const b = await request(h.service.app).post(`/v1/waiting-room/${M['m-q']}/join`).set(await auth('q2'));
    expect(b.body).toMatchObject({ status: 'waiting', position: 1 });
    const again = await request(h.service.app).post(`/v1/waiting-room/${M['m-q']}/join`).set(await auth('q2'));
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ ticketId: b.body.ticketId, position: 1 });
    expect(a.body.status).toBe('admitted');
    const peek = await request(h.service.app).get(b.headers.location!).set(await auth('q1'));
    expect(peek.status).toBe(404);
    expect(peek.headers['content-type']).toMatch(PROBLEM);
  });

  test('when the match is no longer hot, holds go through without admission, waiting tickets read as admitted, joining is refused', async () => {
    await markHot(M['m-cool']!, true, 0.1);
    await roomIs(M['m-cool']!, true);
    await request(h.service.app).post(`/v1/waiting-room/${M['m-cool']}/join`).set(await auth('c1'));
    const waiting = await request(h.service.app).post(`/v1/waiting-room/${M['m-cool']}/join`).set(await auth('c2'));
    expect(waiting.body.status).toBe('waiting');
    await markHot(M['m-cool']!, false);
    await roomIs(M['m-cool']!, false);
    expect((await hold('c2', M['m-cool']!)).status).toBe(201);
    const ticket = await request(h.service.app).get(waiting.headers.location!).set(await auth('c2'));
    expect(ticket.body).toEqual({ ticketId: waiting.body.ticketId, matchId: M['m-cool']!, status: 'admitted' });
    const join = await request(h.service.app).post(`/v1/waiting-room/${M['m-cool']}/join`).set(await auth('c3'));
    expect(join.status).toBe(409);
    expect(join.body.code).toBe('WAITING_ROOM_CLOSED');
  });

  test('an older match.hot arriving late (a replay) does not undo a newer one, and operators see it was ignored', async () => {
    const stale = async () => {
      const text = (await request(h.service.app).get('/metrics')).text;
      return Number(/^gateway_waiting_room_changes_total\{outcome="stale"\} (\d+)/m.exec(text)?.[1] ?? 0);
    };
    const before = await stale();
    const now = Date.now();
    await markHot(M['m-order']!, true, 5, new Date(now));
    await roomIs(M['m-order']!, true);
    await markHot(M['m-order']!, false, undefined, new Date(now - 60000));
    await eventually(async () => (await stale()) > before, { timeoutMs: 30000, what: 'the stale event to be seen' });
    expect(await roomIs(M['m-order']!, true)).toMatchObject({ hot: true, admissionRatePerSecond: 5 });
  });
});

describe('dead letters of the gateway', () => {
  test('a poisoned inventory message reaches the dead-letter topic; admins list it and replay it (it fails again and returns)', async () => {
    await publishRaw(`${h.iso.topicPrefix}inventory.events`, {
      key: M['m-poison']!,
      value: '{"matchId":"m-poison","hot":"very"}',
      headers: { ce_id: 'poison-1', ce_type: 'match.hot.v1', ce_source: 'booking', ce_specversion: '1.0' },
    });
    const admin = await auth('ops', ['admin']);
    const letters = await eventually(
      async () => {
        const res = await request(h.service.app).get('/v1/admin/dlq/gateway').set(admin);
        return res.body.deadLetters.length > 0 ? res.body.deadLetters : undefined;
      },
      { timeoutMs: 30000, what: 'the dead letter' },
    );
    expect(letters[0]).toMatchObject({ eventId: 'poison-1', originalTopic: `${h.iso.topicPrefix}inventory.events`, error: expect.stringContaining('ContractError') });
    expect((await request(h.service.app).get('/v1/admin/dlq/gateway').set(await auth('fan-x'))).status).toBe(403);
    const replay = await request(h.service.app).post('/v1/admin/dlq/gateway/replay').set(admin);
    expect(replay.body).toEqual({ group: 'gateway', replayed: 1 });
    await eventually(
      async () => ((await request(h.service.app).get('/v1/admin/dlq/gateway').set(admin)).body.deadLetters.length === 2 ? true : undefined),
      { timeoutMs: 30000, what: 'the replayed letter back in the dead-letter topic' },
    );
  });

  test('a handler that keeps failing is retried with the configured delays, then dead-lettered; one that recovers is applied', async () => {
    const infraKafka = createKafka({ brokers: h.config.KAFKA_BROKERS, clientId: 'runner-test' });
    const producer = idempotentProducer(infraKafka);
    await producer.connect();
    await setupTopics(h.iso.topicPrefix, ['runner']);
    const attempts = new Map<string, number>();
    const applied: string[] = [];
    const runner = createConsumerRunner({
      kafka: infraKafka,
      producer,
      group: 'runner',
      topicPrefix: h.iso.topicPrefix,
      topics: ['inventory.events'],
      types: ['match.hot.v1'],
      retryDelaysMs: [100, 200, 300],
      sessionTimeoutMs: 6000,
      logger: testLogger({ service: 'runner-test', level: 'error' }),
      handler: async (e: MatchdayEvent) => {
        const n = (attempts.get(e.subject) ?? 0) + 1;
        attempts.set(e.subject, n);
        if (e.subject === M['m-broken']! || n < 3) throw new Error(`attempt ${n} failed`);
        applied.push(e.subject);
      },
    });
    await runner.start();
    try {
      await publishEvent(h.iso.topicPrefix, 'match.hot.v1', { matchId: M['m-flaky']!, hot: true }, { subject: M['m-flaky']!, source: 'booking' });
      await publishEvent(h.iso.topicPrefix, 'match.hot.v1', { matchId: M['m-broken']!, hot: true }, { subject: M['m-broken']!, source: 'booking' });
      await eventually(() => applied.includes(M['m-flaky']!) && attempts.get(M['m-broken']!) === 4, { timeoutMs: 30000, what: 'retries' });
      expect(attempts.get(M['m-flaky']!)).toBe(3);
      const letters = await eventually(async () => {
        const l = (await listDeadLetters(infraKafka, `${h.iso.topicPrefix}runner`)).filter((d) => d.key !== M['m-poison']!);
        return l.length > 0 ? l : undefined;
      });
      expect(letters).toEqual([expect.objectContaining({ key: M['m-broken']!, attempt: 4, error: 'Error: attempt 4 failed' })]);
    } finally {
      await runner.stop();
      await producer.disconnect();
    }
  });
});
