import { metricsText } from '@matchday/observability';
import request from 'supertest';
import { z } from 'zod';
import { createHttpApp, HttpProblem, problem, type HttpAppOptions } from '../src';
import { capturingLogger } from './helpers';

/** Shaped like the contracts package's DomainError, which this package only duck-types. */
class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(code.toLowerCase().replace(/_/g, ' '));
  }
}

function build(overrides: Partial<HttpAppOptions> = {}) {
  const log = capturingLogger('debug');
  const app = createHttpApp({
    serviceName: 'http-test',
    logger: log.logger,
    errorStatus: { SOLD_OUT: 409, HOLD_NOT_FOUND: 404 },
    rawBodyPaths: ['/webhooks'],
    bodyLimit: '1kb',
    routes: (a) => {
      a.post('/v1/echo', (req, res) => {
        res.status(201).json({ got: req.body });
      });
      a.get('/v1/holds/:id', (req, res) => {
        res.json({ id: req.params.id, requestId: req.id });
      });
      a.post('/v1/holds', () => {
        throw new DomainError('SOLD_OUT', { matchId: 'm-1', available: 0 });
      });
      a.post('/v1/holds/:id/extend', () => {
        throw new DomainError('HOLD_EXPIRED');
      });
      a.get('/v1/zod', () => {
        z.object({ quantity: z.number().min(1) }).parse({ quantity: 0 });
      });
      a.get('/v1/limited', () => {
        throw new HttpProblem(429, 'Too many requests', 'Slow down.', { code: 'RATE_LIMITED', headers: { 'Retry-After': '3' } });
      });
      a.get('/v1/helper', (_req, res) => {
        problem(res, 404, 'Match not found', 'No match m-9.', { code: 'MATCH_NOT_FOUND' });
      });
      a.get('/v1/boom', async () => {
        await Promise.resolve();
        throw new Error('db password=hunter2 leaked at /srv/app.ts:12');
      });
      a.post('/webhooks/stripe', (req, res) => {
        res.json({ raw: req.rawBody?.toString('utf8'), parsed: req.body });
      });
    },
    ...overrides,
  });
  return { app, ...log };
}

describe('createHttpApp', () => {
  describe('health and metrics', () => {
    it('when liveness is probed, then it answers 200 ok', async () => {
      const res = await request(build().app).get('/health/live');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok' });
    });

    it('when the service is ready, then readiness answers 200', async () => {
      const res = await request(build({ readiness: async () => true }).app).get('/health/ready');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ready' });
    });

    it('when the service is not ready, then readiness answers 503', async () => {
      const res = await request(build({ readiness: () => false }).app).get('/health/ready');
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ status: 'not_ready' });
    });

    it('when the readiness check throws, then readiness answers 503 and the failure is logged', async () => {
      const { app, lines, settle } = build({
        readiness: () => {
          throw new Error('db down');
        },
      });
      expect((await request(app).get('/health/ready')).status).toBe(503);
      await settle();
      expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'readiness check failed' }));
    });

    it('when requests have been served, then /metrics exposes their durations by method, route and status', async () => {
      const { app } = build();
      await request(app).get('/v1/holds/h-42');
      const res = await request(app).get('/metrics');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.text).toMatch(
        /http_server_request_duration_seconds_count\{http_request_method="GET",http_route="\/v1\/holds\/:id",http_response_status_code="200"\} \d+/,
      );
      expect(res.text).toContain('process_cpu_user_seconds_total');
    });
  });

  describe('request ids and logs', () => {
    it('when the client sends X-Request-Id, then it is used and echoed back', async () => {
      const res = await request(build().app).get('/v1/holds/h-1').set('X-Request-Id', 'abc-123');
      expect(res.headers['x-request-id']).toBe('abc-123');
      expect(res.body.requestId).toBe('abc-123');
    });

    it('when the client sends no request id or a malformed one, then a UUID is generated', async () => {
      const { app } = build();
      const none = await request(app).get('/v1/holds/h-1');
      const bad = await request(app).get('/v1/holds/h-1').set('X-Request-Id', 'no spaces <allowed>');
      expect(none.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('when a request is served, then one access line is logged with request id, route, status and duration', async () => {
      const { app, lines, settle } = build();
      await request(app).get('/v1/holds/h-7').set('X-Request-Id', 'req-7');
      await settle();
      expect(lines).toContainEqual(
        expect.objectContaining({
          level: 'http',
          msg: 'GET /v1/holds/h-7 200',
          requestId: 'req-7',
          route: '/v1/holds/:id',
          status: 200,
          durationMs: expect.any(Number),
        }),
      );
    });

    it('when a response is sent, then security headers are set', async () => {
      const res = await request(build().app).get('/health/live');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-powered-by']).toBeUndefined();
    });
  });

  describe('problems', () => {
    it('when no route matches, then a 404 problem names the path', async () => {
      const res = await request(build().app).get('/v1/nothing?x=1');
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toEqual({
        type: 'https://matchday.dev/problems/not-found',
        title: 'Not found',
        status: 404,
        detail: 'No route for GET /v1/nothing.',
        instance: '/v1/nothing',
      });
    });

    it('when a domain error has a mapped code, then its status, code-derived type and details are rendered', async () => {
      const res = await request(build().app).post('/v1/holds').send({});
      expect(res.status).toBe(409);
      expect(res.body).toEqual({
        type: 'https://matchday.dev/problems/sold-out',
        title: 'Sold out',
        status: 409,
        detail: 'sold out',
        instance: '/v1/holds',
        code: 'SOLD_OUT',
        details: { matchId: 'm-1', available: 0 },
      });
    });

    it('when a domain error code is not mapped, then it answers 422', async () => {
      const res = await request(build().app).post('/v1/holds/h-1/extend').send({});
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ type: 'https://matchday.dev/problems/hold-expired', code: 'HOLD_EXPIRED' });
    });

    it('when a zod error escapes a handler, then it answers 400 listing each invalid field', async () => {
      const res = await request(build().app).get('/v1/zod');
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        type: 'https://matchday.dev/problems/validation-failed',
        status: 400,
        errors: [{ path: 'quantity', message: expect.stringContaining('>=1') }],
      });
    });

    it('when an adapter throws HttpProblem, then its status, code and headers are used', async () => {
      const res = await request(build().app).get('/v1/limited');
      expect(res.status).toBe(429);
      expect(res.headers['retry-after']).toBe('3');
      expect(res.body).toEqual({
        type: 'https://matchday.dev/problems/rate-limited',
        title: 'Too many requests',
        status: 429,
        detail: 'Slow down.',
        instance: '/v1/limited',
        code: 'RATE_LIMITED',
      });
    });

    it('when a handler uses the problem helper, then the response is problem+json', async () => {
      const res = await request(build().app).get('/v1/helper');
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ title: 'Match not found', detail: 'No match m-9.', code: 'MATCH_NOT_FOUND' });
    });

    it('when an unexpected error is thrown, then the client gets a generic 500 and the log gets the stack, redacted', async () => {
      const { app, lines, settle } = build();
      const res = await request(app).get('/v1/boom').set('X-Request-Id', 'boom-1');
      expect(res.status).toBe(500);
      expect(res.body).toEqual({
        type: 'https://matchday.dev/problems/internal-error',
        title: 'Internal error',
        status: 500,
        detail: 'An unexpected error occurred. Quote the traceId when reporting it.',
        instance: '/v1/boom',
      });
      expect(res.text).not.toContain('hunter2');
      expect(res.text).not.toContain('app.ts');
      await settle();
      const line = lines.find((l) => l.msg === 'unhandled error');
      expect(line).toMatchObject({ level: 'error', requestId: 'boom-1', err: { message: expect.stringContaining('db password') } });
      expect(JSON.stringify(line)).toContain('app.test.ts');
    });

    it('when problems are rendered, then they are counted by type and status', async () => {
      const { app } = build();
      await request(app).post('/v1/holds').send({});
      expect(await metricsText()).toMatch(/http_server_problems_total\{problem_type="sold-out",http_response_status_code="409"\} \d+/);
    });
  });

  describe('request bodies', () => {
    it('when the body is JSON, then handlers get it parsed', async () => {
      const res = await request(build().app).post('/v1/echo').send({ quantity: 2 });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ got: { quantity: 2 } });
    });

    it('when the body is a JSON media type like application/cloudevents+json, then it is parsed too', async () => {
      const res = await request(build().app).post('/v1/echo').set('Content-Type', 'application/cloudevents+json').send('{"a":1}');
      expect(res.body).toEqual({ got: { a: 1 } });
    });

    it('when the JSON is malformed, then it answers 400', async () => {
      const res = await request(build().app).post('/v1/echo').set('Content-Type', 'application/json').send('{"quantity":');
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ type: 'https://matchday.dev/problems/malformed-json', title: 'Malformed JSON' });
    });

    it('when the body is larger than the limit, then it answers 413', async () => {
      const res = await request(build().app).post('/v1/echo').send({ blob: 'x'.repeat(2048) });
      expect(res.status).toBe(413);
      expect(res.body).toMatchObject({ type: 'https://matchday.dev/problems/payload-too-large', status: 413 });
    });

    it('when the body is not JSON, then it answers 415', async () => {
      const res = await request(build().app).post('/v1/echo').set('Content-Type', 'text/plain').send('quantity=2');
      expect(res.status).toBe(415);
      expect(res.body).toMatchObject({ type: 'https://matchday.dev/problems/unsupported-media-type' });
    });

    it('when the JSON charset is unsupported, then it answers 415', async () => {
      const res = await request(build().app).post('/v1/echo').set('Content-Type', 'application/json; charset=klingon').send('{}');
      expect(res.status).toBe(415);
    });

    it('when a POST has no body at all, then it is not refused for its media type', async () => {
      const res = await request(build().app).post('/v1/echo');
      expect(res.status).toBe(201);
    });

    it('when a webhook posts JSON, then the raw bytes are kept beside the parsed body', async () => {
      const payload = '{ "id":"evt_1",  "type":"payment_intent.succeeded" }';
      const res = await request(build().app).post('/webhooks/stripe').set('Content-Type', 'application/json').send(payload);
      expect(res.body).toEqual({ raw: payload, parsed: { id: 'evt_1', type: 'payment_intent.succeeded' } });
    });

    it('when a webhook posts a form (Twilio), then the raw bytes are kept and the form is parsed', async () => {
      const payload = 'MessageSid=SM1&MessageStatus=delivered';
      const res = await request(build().app).post('/webhooks/stripe').type('form').send(payload);
      expect(res.body).toEqual({ raw: payload, parsed: { MessageSid: 'SM1', MessageStatus: 'delivered' } });
    });

    it('when a webhook body is too large, then it answers 413 like any other path', async () => {
      const res = await request(build().app).post('/webhooks/stripe').set('Content-Type', 'application/json').send(`"${'x'.repeat(2048)}"`);
      expect(res.status).toBe(413);
    });
  });
});
