import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { probe, type EventProbe } from '@matchday/testkit';
import { loadGatewayConfig } from '../src/config';
import { buildService } from '../src/service';
import { echo, PROBLEM, startGateway, type Harness } from './helpers';

let h: Harness;
let signals: EventProbe;

beforeAll(async () => {
  h = await startGateway({
    RATE_LIMIT_WINDOW_SECONDS: '2',
    RATE_LIMIT_BLOCK_SECONDS: '2',
    RATE_LIMIT_HOLDS: '3',
    RATE_LIMIT_IP_REQUESTS: '30',
    RATE_LIMIT_USER_REQUESTS: '1000',
    RATE_LIMIT_AUTH: '2',
    SESSION_LOCK_WAIT_MS: '1000',
  });
  signals = await probe(h.iso.topicPrefix, ['gateway.signals']);
});
afterAll(async () => {
  await signals.stop();
  await h.close();
});

let ipCounter = 10;
/** Each test calls from its own client IP (the gateway trusts X-Forwarded-For from loopback, like from its ingress). */
const newIp = () => `203.0.113.${ipCounter++}`;

const placeHold = (token: string, ip: string, matchId: string = randomUUID(), device?: string) => {
  let r = request(h.service.app)
    .post('/v1/holds')
    .set('Authorization', `Bearer ${token}`)
    .set('X-Forwarded-For', ip)
    .set('Idempotency-Key', `k-${Math.random()}`);
  if (device) r = r.set('Device-Id', device);
  return r.send({ matchId, quantity: 1 });
};

describe('rate limits', () => {
  test('when a fan places more holds in a window than allowed, then 429 with Retry-After, fraud is told, and the block lifts by itself', async () => {
    const ip = newIp();
    const token = await h.token('greedy-1');
    for (let i = 0; i < 3; i++) expect((await placeHold(token, ip)).status).toBe(201);
    const refused = await placeHold(token, ip);
    expect(refused.status).toBe(429);
    expect(refused.headers['content-type']).toMatch(PROBLEM);
    expect(refused.headers['retry-after']).toBe('2');
    expect(refused.body).toMatchObject({ type: 'https://matchday.dev/problems/rate-limited', action: 'hold', retryAfterSeconds: 2 });

    const signal = await signals.waitFor('ratelimit.exceeded.v1', (e) => e.data.userId === 'greedy-1');
    expect(signal.subject).toBe('greedy-1');
    expect(signal.data).toMatchObject({ ip, action: 'hold', limit: 3, windowSeconds: 2, blockedUntil: expect.any(String) });

    // Only holds are blocked: the fan can still read.
    const reads = await request(h.service.app).get('/v1/bookings').set('Authorization', `Bearer ${token}`).set('X-Forwarded-For', ip);
    expect(reads.status).toBe(200);
    // Refused again during the block, without a second signal.
    expect((await placeHold(token, ip)).status).toBe(429);

    await sleep(Number(refused.headers['retry-after']) * 1000 + 100);
    expect((await placeHold(token, ip)).status).toBe(201);
    expect(signals.events.filter((e) => e.type === 'ratelimit.exceeded.v1' && e.subject === 'greedy-1')).toHaveLength(1);
  });

  test('when an admin resets a blocked user, then the user can act again at once and sees fresh limits', async () => {
    const ip = newIp();
    const token = await h.token('greedy-2');
    const admin = await h.token('admin-1', ['admin']);
    for (let i = 0; i < 4; i++) await placeHold(token, ip);
    expect((await placeHold(token, ip)).status).toBe(429);

    const usage = await request(h.service.app).get('/v1/admin/rate-limits/greedy-2').set('Authorization', `Bearer ${admin}`).set('X-Forwarded-For', newIp());
    expect(usage.body.actions).toContainEqual({ action: 'hold', used: 3, limit: 3, windowSeconds: 2, blockedForSeconds: 2 });

    const fan = await request(h.service.app).delete('/v1/admin/rate-limits/greedy-2').set('Authorization', `Bearer ${token}`).set('X-Forwarded-For', ip);
    expect(fan.status).toBe(403);
    const reset = await request(h.service.app).delete('/v1/admin/rate-limits/greedy-2').set('Authorization', `Bearer ${admin}`).set('X-Forwarded-For', newIp());
    expect(reset.status).toBe(204);
    expect((await placeHold(token, ip)).status).toBe(201);
  });

  test('the seed interface says the same: checkLimit is false once exceeded, resetLimits makes it true', async () => {
    const limiter = h.service.rateLimiter;
    for (let i = 0; i < 3; i++) expect(await limiter.checkLimit('seed-user', 'hold')).toBe(true);
    expect(await limiter.checkLimit('seed-user', 'hold')).toBe(false);
    await limiter.resetLimits('seed-user');
    expect(await limiter.checkLimit('seed-user', 'hold')).toBe(true);
  });

  test('anonymous callers are limited per IP, and one IP going over does not limit another', async () => {
    const noisy = newIp();
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++) statuses.push((await request(h.service.app).get('/v1/matches').set('X-Forwarded-For', noisy)).status);
    expect(statuses.slice(0, 30).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(30)).toEqual([429, 429]);
    const signal = await signals.waitFor('ratelimit.exceeded.v1', (e) => e.data.ip === noisy);
    expect(signal.data.userId).toBeUndefined();
    expect(signal.subject).toBe(noisy);
    expect((await request(h.service.app).get('/v1/matches').set('X-Forwarded-For', newIp())).status).toBe(200);
  });

  test('token requests to the development issuer are limited per IP', async () => {
    const ip = newIp();
    const ask = () => request(h.service.app).post('/v1/auth/token').set('X-Forwarded-For', ip).send({ userId: 'someone' });
    expect((await ask()).status).toBe(200);
    expect((await ask()).status).toBe(200);
    const third = await ask();
    expect(third.status).toBe(429);
    expect(third.body.action).toBe('auth');
  });
});

describe('one user on several devices', () => {
  test('every device gets the same booking session, and the services see which device calls', async () => {
    const phone = await h.token('multi-1', ['fan'], { did: 'phone' });
    const laptop = await h.token('multi-1', ['fan'], { did: 'laptop' });
    const ip = newIp();
    const a = await request(h.service.app).get('/v1/bookings').set('Authorization', `Bearer ${phone}`).set('X-Forwarded-For', ip);
    const b = await request(h.service.app).get('/v1/bookings').set('Authorization', `Bearer ${laptop}`).set('X-Forwarded-For', ip);
    expect(a.headers['x-session-id']).toBeDefined();
    expect(b.headers['x-session-id']).toBe(a.headers['x-session-id']);
    const [first, second] = h.stubs.booking.received.slice(-2);
    expect(first!.headers).toMatchObject({ 'x-session-id': a.headers['x-session-id'], 'x-device-id': 'phone' });
    expect(second!.headers).toMatchObject({ 'x-session-id': a.headers['x-session-id'], 'x-device-id': 'laptop' });
    const someoneElse = await request(h.service.app).get('/v1/bookings').set('Authorization', `Bearer ${await h.token('multi-2')}`).set('X-Forwarded-For', ip);
    expect(someoneElse.headers['x-session-id']).not.toBe(a.headers['x-session-id']);
  });

  test('when two devices change holds at the same moment, then the changes run one after the other and fraud hears of the overlap', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    h.stubs.booking.respond = async (req, res) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await sleep(300);
      inFlight--;
      echo('booking')(req, res);
    };
    try {
      const phone = await h.token('multi-3', ['fan'], { did: 'phone' });
      const laptop = await h.token('multi-3', ['fan'], { did: 'laptop' });
      const ip = newIp();
      const match = randomUUID();
      const [a, b] = await Promise.all([placeHold(phone, ip, match), placeHold(laptop, ip, match)]);
      expect([a.status, b.status]).toEqual([201, 201]);
      expect(maxInFlight).toBe(1);
      const conflict = await signals.waitFor('session.conflict.v1', (e) => e.data.userId === 'multi-3');
      expect(conflict.subject).toBe('multi-3');
      expect(conflict.data).toMatchObject({ matchId: match, sessionId: a.headers['x-session-id'] });
      expect([...conflict.data.deviceIds].sort()).toEqual(['laptop', 'phone']);
    } finally {
      h.stubs.booking.respond = echo('booking');
    }
  });

  test('when the other device keeps its change running too long, then the waiting one is refused with 409 and may retry', async () => {
    h.stubs.booking.respond = async (req, res) => {
      await sleep(1500);
      echo('booking')(req, res);
    };
    try {
      const phone = await h.token('multi-4', ['fan'], { did: 'phone' });
      const laptop = await h.token('multi-4', ['fan'], { did: 'laptop' });
      const ip = newIp();
      const match = randomUUID();
      const slow = placeHold(phone, ip, match).then((r) => r);
      await sleep(100);
      const refused = await placeHold(laptop, ip, match);
      expect(refused.status).toBe(409);
      expect(refused.headers['content-type']).toMatch(PROBLEM);
      expect(refused.body.code).toBe('CONCURRENT_CHANGE');
      expect((await slow).status).toBe(201);
    } finally {
      h.stubs.booking.respond = echo('booking');
    }
  });
});

describe('monitoring', () => {
  test('concurrent users are the distinct signed-in users of the last minutes, as one platform-wide figure', async () => {
    const ip = newIp();
    for (const user of ['active-1', 'active-2', 'active-3', 'active-1']) {
      await request(h.service.app).get('/v1/bookings').set('Authorization', `Bearer ${await h.token(user)}`).set('X-Forwarded-For', ip);
    }
    const metrics = (await request(h.service.app).get('/metrics')).text;
    const active = Number(/^gateway_active_users (\d+)/m.exec(metrics)?.[1]);
    // This file's users so far, and nobody else's (Redis keys are isolated per test file).
    expect(active).toBeGreaterThanOrEqual(3);
    expect(active).toBeLessThan(30);
  });
});

describe('when Redis cannot be reached', () => {
  test('signed-in calls answer 503 problem+json fast, and anonymous reads still pass without limits', async () => {
    // Its own consumer group (a sub-prefix, deleted with the rest), so the main gateway's group does not rebalance.
    const service = await buildService(loadGatewayConfig({ ...h.configEnv, TOPIC_PREFIX: `${h.iso.topicPrefix}cut.` }));
    await service.start();
    try {
      service.redis.destroy();
      const token = await h.token('cut-off');
      const started = Date.now();
      const res = await request(service.app).get('/v1/bookings').set('Authorization', `Bearer ${token}`);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(res.status).toBe(503);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body.type).toBe('https://matchday.dev/problems/dependency-unavailable');
      expect((await request(service.app).get('/v1/matches')).status).toBe(200);
      expect((await request(service.app).get('/health/ready')).status).toBe(503);
    } finally {
      await service.stop();
    }
  });
});
