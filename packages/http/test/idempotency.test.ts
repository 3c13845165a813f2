import { randomUUID } from 'node:crypto';
import type { Express, NextFunction, Request, Response } from 'express';
import { metricsText } from '@matchday/observability';
import { createClient } from 'redis';
import request from 'supertest';
import { createHttpApp, idempotencyKeys, type IdempotencyOptions } from '../src';
import { capturingLogger } from './helpers';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('idempotencyKeys (real Redis)', () => {
  const redis = createClient({ url: redisUrl });
  const prefix = `test:http-idem:${randomUUID()}:`;

  beforeAll(async () => {
    await redis.connect();
  });

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(keys);
    redis.destroy();
  });

  function build(overrides: Partial<IdempotencyOptions> = {}) {
    const calls: unknown[] = [];
    const gates: Array<() => void> = [];
    const log = capturingLogger('info');
    const app: Express = createHttpApp({
      serviceName: 'idem-test',
      logger: log.logger,
      errorStatus: { SOLD_OUT: 409 },
      routes: (a) => {
        // Stands in for the gateway's auth middleware.
        a.use((req: Request, _res: Response, next: NextFunction) => {
          const user = req.get('x-test-user');
          if (user) (req as Request & { auth?: { sub: string } }).auth = { sub: user };
          next();
        });
        const idem = idempotencyKeys({ redis, prefix, ...overrides });
        a.post('/v1/holds', idem, (req, res) => {
          calls.push(req.body);
          res.status(201).location(`/v1/holds/h-${calls.length}`).json({ holdId: `h-${calls.length}` });
        });
        a.post('/v1/slow', idem, async (req, res) => {
          calls.push(req.body);
          await new Promise<void>((resolve) => gates.push(resolve));
          res.status(201).json({ ok: true });
        });
        a.post('/v1/flaky', idem, (req, res) => {
          calls.push(req.body);
          if (calls.length === 1) res.status(503).json({ retry: true });
          else res.status(201).json({ ok: true });
        });
        a.post('/v1/sold-out', idem, (req) => {
          calls.push(req.body);
          throw Object.assign(new Error('sold out'), { name: 'DomainError', code: 'SOLD_OUT' });
        });
        a.get('/v1/holds', idem, (_req, res) => {
          res.json({ list: [] });
        });
      },
    });
    return { app, calls, gates, ...log };
  }

  it('when a POST has no Idempotency-Key, then it is refused with 400 and nothing runs', async () => {
    const { app, calls } = build();
    const res = await request(app).post('/v1/holds').send({ quantity: 1 });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ type: 'https://matchday.dev/problems/idempotency-key-missing' });
    expect(calls).toHaveLength(0);
  });

  it('when keys are optional and none is sent, then the request runs normally', async () => {
    const { app, calls } = build({ required: false });
    expect((await request(app).post('/v1/holds').send({ quantity: 1 })).status).toBe(201);
    expect(calls).toHaveLength(1);
  });

  it('when the key is malformed, then it is refused with 400', async () => {
    const res = await request(build().app).post('/v1/holds').set('Idempotency-Key', 'x'.repeat(300)).send({});
    expect(res.status).toBe(400);
    expect(res.body.type).toBe('https://matchday.dev/problems/idempotency-key-invalid');
  });

  it('when the same request is retried with the same key, then the first response is replayed and the handler runs once', async () => {
    const { app, calls } = build();
    const key = randomUUID();
    const first = await request(app).post('/v1/holds').set('Idempotency-Key', key).send({ quantity: 2 });
    const again = await request(app).post('/v1/holds').set('Idempotency-Key', key).send({ quantity: 2 });
    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers['content-type']).toMatch(/^application\/json/);
    expect(again.headers.location).toBe('/v1/holds/h-1');
    expect(again.body).toEqual(first.body);
    expect(calls).toHaveLength(1);
  });

  it('when the same key comes with a different body, then it answers 422 and nothing runs again', async () => {
    const { app, calls } = build();
    const key = randomUUID();
    await request(app).post('/v1/holds').set('Idempotency-Key', key).send({ quantity: 2 });
    const res = await request(app).post('/v1/holds').set('Idempotency-Key', key).send({ quantity: 3 });
    expect(res.status).toBe(422);
    expect(res.body.type).toBe('https://matchday.dev/problems/idempotency-key-reused');
    expect(calls).toHaveLength(1);
  });

  it('when the same key arrives while the first request still runs, then the second gets 409 with Retry-After', async () => {
    const { app, calls, gates } = build();
    const key = randomUUID();
    const first = request(app).post('/v1/slow').set('Idempotency-Key', key).send({ n: 1 }).then((r) => r);
    while (gates.length === 0) await new Promise((r) => setTimeout(r, 5));
    const second = await request(app).post('/v1/slow').set('Idempotency-Key', key).send({ n: 1 });
    expect(second.status).toBe(409);
    expect(second.headers['retry-after']).toBe('1');
    expect(second.body.type).toBe('https://matchday.dev/problems/idempotency-request-in-flight');
    gates[0]!();
    expect((await first).status).toBe(201);
    expect(calls).toHaveLength(1);
  });

  it('when the first attempt fails with a 5xx, then the key is released and a retry runs the request', async () => {
    const { app, calls } = build();
    const key = randomUUID();
    expect((await request(app).post('/v1/flaky').set('Idempotency-Key', key).send({})).status).toBe(503);
    const retry = await request(app).post('/v1/flaky').set('Idempotency-Key', key).send({});
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(calls).toHaveLength(2);
  });

  it('when the first attempt was refused by a domain rule, then the retry replays the same problem', async () => {
    const { app, calls } = build();
    const key = randomUUID();
    const first = await request(app).post('/v1/sold-out').set('Idempotency-Key', key).send({});
    const again = await request(app).post('/v1/sold-out').set('Idempotency-Key', key).send({});
    expect(first.status).toBe(409);
    expect(again.status).toBe(409);
    expect(again.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(calls).toHaveLength(1);
  });

  it('when two users send the same key, then each gets their own request run', async () => {
    const { app, calls } = build();
    const key = randomUUID();
    const a = await request(app).post('/v1/holds').set('Idempotency-Key', key).set('x-test-user', 'u-a').send({ quantity: 1 });
    const b = await request(app).post('/v1/holds').set('Idempotency-Key', key).set('x-test-user', 'u-b').send({ quantity: 1 });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    expect(calls).toHaveLength(2);
  });

  it('when the method is not POST, then the key is not required', async () => {
    expect((await request(build().app).get('/v1/holds')).status).toBe(200);
  });

  it('when a replay window ends, then the stored response expires from Redis', async () => {
    const { app } = build({ ttlSeconds: 30 });
    const key = randomUUID();
    await request(app).post('/v1/holds').set('Idempotency-Key', key).send({ quantity: 1 });
    const ttl = await redis.ttl(`${prefix}${key}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30);
  });

  it('when the response cannot be stored, then the client still gets it and the failure is logged and counted', async () => {
    const flaky = createClient({ url: redisUrl });
    await flaky.connect();
    const log = capturingLogger('info');
    const app = createHttpApp({
      serviceName: 'idem-test',
      logger: log.logger,
      routes: (a) => {
        a.post('/v1/holds', idempotencyKeys({ redis: flaky, prefix }), (_req, res) => {
          flaky.destroy(); // Redis goes away while the request runs
          res.status(201).json({ holdId: 'h-1' });
        });
      },
    });
    const res = await request(app).post('/v1/holds').set('Idempotency-Key', randomUUID()).send({});
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ holdId: 'h-1' });
    await log.settle();
    expect(log.lines).toContainEqual(
      expect.objectContaining({ level: 'error', msg: 'idempotent response not stored; a retry will run the request again' }),
    );
  });

  it('when an idempotent route answers, then its duration is recorded under its route template', async () => {
    const { app } = build();
    await request(app).post('/v1/holds').set('Idempotency-Key', randomUUID()).send({ quantity: 1 });
    expect(await metricsText()).toMatch(
      /http_server_request_duration_seconds_count\{http_request_method="POST",http_route="\/v1\/holds",http_response_status_code="201"\} [1-9]/,
    );
  });

  it('when Redis is unreachable, then the request is refused with 503, logged and counted, and nothing runs', async () => {
    const closed = createClient({ url: redisUrl });
    await closed.connect();
    closed.destroy();
    const calls: unknown[] = [];
    const log = capturingLogger('info');
    const app = createHttpApp({
      serviceName: 'idem-test',
      logger: log.logger,
      routes: (a) => {
        a.post('/v1/holds', idempotencyKeys({ redis: closed, prefix }), (req, res) => {
          calls.push(req.body);
          res.status(201).json({});
        });
      },
    });
    const res = await request(app).post('/v1/holds').set('Idempotency-Key', randomUUID()).send({});
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.body.type).toBe('https://matchday.dev/problems/idempotency-store-unavailable');
    expect(calls).toHaveLength(0);
    await log.settle();
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 'error', msg: 'idempotency store unavailable' }));
    expect(await metricsText()).toMatch(/http_idempotency_requests_total\{outcome="store_error"\} [1-9]/);
  });
});
