import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateKeyPair, SignJWT } from 'jose';
import request from 'supertest';
import { loadGatewayConfig } from '../src/config';
import { buildService } from '../src/service';
import { operationsOf, type Operation } from '../src/http/openapi-document';
import { echo, PROBLEM, startGateway, startStub, testKeys, type Harness } from './helpers';

let h: Harness;
let ops: Operation[];

beforeAll(async () => {
  h = await startGateway({
    RATE_LIMIT_IP_REQUESTS: '100000',
    RATE_LIMIT_USER_REQUESTS: '100000',
    UPSTREAM_TIMEOUT_MS: '400',
    BREAKER_VOLUME_THRESHOLD: '3',
    BREAKER_RESET_MS: '60000',
    BODY_LIMIT: '8kb',
    CORS_ORIGINS: 'https://app.matchday.test',
  });
  ops = operationsOf(h.service.document);
});
afterAll(async () => h.close());

/** A concrete URL for an operation's path template. */
const urlOf = (op: Operation) =>
  op.path.replace(/\{service\}/g, 'booking').replace(/\{[^}]+\}/g, 'id1');

const call = (op: Operation) => {
  const agent = request(h.service.app);
  const url = urlOf(op);
  switch (op.method) {
    case 'GET':
      return agent.get(url);
    case 'POST':
      return agent.post(url);
    case 'PUT':
      return agent.put(url);
    case 'DELETE':
      return agent.delete(url);
    default:
      throw new Error(`no ${op.method} in the document expected`);
  }
};

describe('authentication and roles', () => {
  test('every client route that needs a token answers 401 problem+json without one, with an expired one and with forged ones', async () => {
    const stranger = await generateKeyPair('ES256');
    const expired = await h.keys.sign({ roles: ['admin'] }, { subject: 'u1', expiresIn: Math.floor(Date.now() / 1000) - 60 });
    const forged = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'ES256', kid: 'test-key' })
      .setSubject('u1')
      .setIssuer('matchday-dev-issuer')
      .setAudience('matchday')
      .setExpirationTime('10m')
      .sign(stranger.privateKey);
    const genuine = await h.token('u1', ['fan']);
    const [head, , sig] = genuine.split('.');
    const tampered = `${head}.${Buffer.from(JSON.stringify({ sub: 'u1', roles: ['admin'], iss: 'matchday-dev-issuer', aud: 'matchday', exp: 9999999999 })).toString('base64url')}.${sig}`;
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'u1', roles: ['admin'], iss: 'matchday-dev-issuer', aud: 'matchday', exp: 9999999999 })).toString('base64url')}.`;
    const otherAudience = await h.keys.sign({ roles: ['admin'] }, { subject: 'u1', audience: 'someone-else' });
    const otherIssuer = await h.keys.sign({ roles: ['admin'] }, { subject: 'u1', issuer: 'https://evil.example' });

    const secured = ops.filter((op) => !op.anonymous);
    expect(secured.length).toBeGreaterThan(60);
    const cases: Array<[string, string | undefined, string]> = [
      ['no token', undefined, 'token-missing'],
      ['expired', expired, 'token-expired'],
      ['signed by another key', forged, 'token-invalid'],
      ['tampered payload', tampered, 'token-invalid'],
      ['alg none', unsigned, 'token-invalid'],
      ['other audience', otherAudience, 'token-invalid'],
      ['other issuer', otherIssuer, 'token-invalid'],
      ['not a bearer JWT', 'Basic dXNlcjpwYXNz', 'token-invalid'],
    ];
    for (const op of secured) {
      for (const [what, token, type] of cases) {
        let req = call(op);
        if (token) req = req.set('Authorization', token.startsWith('Basic') ? token : `Bearer ${token}`);
        const res = await req;
        if (res.status !== 401 || !PROBLEM.test(res.headers['content-type'] ?? '') || res.body.type !== `https://matchday.dev/problems/${type}`) {
          throw new Error(`${op.method} ${op.path} with ${what}: ${res.status} ${JSON.stringify(res.body)}`);
        }
        expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="matchday"/);
      }
    }
    const reached = Object.values(h.stubs).reduce((n, s) => n + s.received.length, 0);
    expect(reached).toBe(0);
  });

  test('match reads need no token, but a token that is sent must be valid', async () => {
    const reads = ops.filter((op) => op.anonymous && op.path.startsWith('/v1/matches'));
    expect(reads.map((o) => o.path).sort()).toEqual(['/v1/matches', '/v1/matches/{matchId}', '/v1/matches/{matchId}/availability']);
    for (const op of reads) {
      expect((await call(op)).status).toBe(200);
      const expired = await h.keys.sign({ roles: ['fan'] }, { subject: 'u1', expiresIn: Math.floor(Date.now() / 1000) - 60 });
      const res = await call(op).set('Authorization', `Bearer ${expired}`);
      expect(res.status).toBe(401);
      expect(res.body.type).toBe('https://matchday.dev/problems/token-expired');
    }
  });

  test('every admin route refuses fans with 403; support reads but does not change', async () => {
    const fan = await h.token('fan-1', ['fan']);
    const adminOnly = ops.filter((op) => op.path.startsWith('/v1/admin/'));
    expect(adminOnly.length).toBeGreaterThan(30);
    for (const op of adminOnly) {
      expect(op.roles).not.toContain('fan');
      const res = await call(op).set('Authorization', `Bearer ${fan}`);
      if (res.status !== 403 || !PROBLEM.test(res.headers['content-type'] ?? '')) throw new Error(`${op.method} ${op.path}: ${res.status}`);
    }
    const support = await h.token('support-1', ['support']);
    expect((await request(h.service.app).get(`/v1/admin/bookings/${randomUUID()}`).set('Authorization', `Bearer ${support}`)).status).toBe(200);
    const change = await request(h.service.app)
      .post('/v1/admin/matches')
      .set('Authorization', `Bearer ${support}`)
      .set('Idempotency-Key', 'k-support')
      .send({ title: 'Derby', venue: 'Stadium', kickoffAt: '2027-01-01T18:00:00Z', capacity: 10, unitPrice: 1000, currency: 'EUR' });
    expect(change.status).toBe(403);
    const admin = await h.token('admin-1', ['admin']);
    const created = await request(h.service.app)
      .post('/v1/admin/matches')
      .set('Authorization', `Bearer ${admin}`)
      .set('Idempotency-Key', 'k-admin')
      .send({ title: 'Derby', venue: 'Stadium', kickoffAt: '2027-01-01T18:00:00Z', capacity: 10, unitPrice: 1000, currency: 'EUR' });
    expect(created.status).toBe(201);
  });

  test('a token without any platform role is refused with 403', async () => {
    const nobody = await h.token('u-none', ['guest']);
    const res = await request(h.service.app).get('/v1/bookings').set('Authorization', `Bearer ${nobody}`);
    expect(res.status).toBe(403);
    expect(res.body.type).toBe('https://matchday.dev/problems/forbidden');
  });

  test('the development issuer issues tokens the gateway accepts and publishes its key', async () => {
    const issued = await request(h.service.app).post('/v1/auth/token').send({ userId: 'dev-1', roles: ['fan'], deviceId: 'phone-1' });
    expect(issued.status).toBe(200);
    expect(issued.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 3600 });
    const res = await request(h.service.app).get('/v1/bookings').set('Authorization', `Bearer ${issued.body.accessToken}`);
    expect(res.status).toBe(200);
    const seen = h.stubs.booking.received.at(-1)!;
    expect(seen.headers['x-user-id']).toBe('dev-1');
    expect(seen.headers['x-device-id']).toBe('phone-1');
    const jwks = await request(h.service.app).get('/.well-known/jwks.json');
    expect(jwks.body.keys).toEqual([expect.objectContaining({ kid: 'test-key', kty: 'EC', alg: 'ES256' })]);
    expect(jwks.body.keys[0].d).toBeUndefined();
    const bad = await request(h.service.app).post('/v1/auth/token').send({ userId: 'dev-1', roles: ['root'] });
    expect(bad.status).toBe(400);
  });

  test('in production the development issuer cannot be switched on and a JWKS is required', () => {
    expect(() => loadGatewayConfig({ NODE_ENV: 'production', AUTH_DEV_ISSUER: 'true', AUTH_JWKS_URL: 'https://idp.example/jwks' })).toThrow(/AUTH_DEV_ISSUER/);
    expect(() => loadGatewayConfig({ NODE_ENV: 'production' })).toThrow(/AUTH_JWKS_URL/);
    expect(loadGatewayConfig({ NODE_ENV: 'production', AUTH_JWKS_URL: 'https://idp.example/jwks' }).AUTH_DEV_ISSUER).toBe(false);
  });
});

describe('forwarding to the services', () => {
  test('each public path reaches the service that owns it, path and query unchanged', async () => {
    const admin = await h.token('admin-2', ['admin']);
    const fan = await h.token('fan-2', ['fan']);
    const cases: Array<[string, string, string]> = [
      ['GET', '/v1/matches?limit=5', 'booking'],
      ['GET', `/v1/holds/${randomUUID()}`, 'booking'],
      ['GET', '/v1/bookings/b1', 'booking'],
      ['GET', `/v1/transfers/${randomUUID()}`, 'booking'],
      ['GET', `/v1/waitlist/${randomUUID()}`, 'booking'],
      ['GET', '/v1/sessions/s1', 'booking'],
      ['GET', '/v1/payments/p1', 'payment'],
      ['GET', '/v1/fx/quotes/q1', 'payment'],
      ['GET', '/v1/me/preferences', 'notification'],
      ['GET', '/v1/admin/matches/m1', 'booking'],
      ['GET', '/v1/admin/bookings/b1', 'booking'],
      ['GET', '/v1/admin/payments/p1', 'payment'],
      ['GET', '/v1/admin/fraud/reviews?status=pending', 'fraud'],
      ['GET', '/v1/admin/fraud/rules/versions/3', 'fraud'],
      ['GET', '/v1/admin/reconciliation/findings', 'reconciliation'],
      ['GET', '/v1/admin/notifications?userId=fan-2&limit=10', 'notification'],
      ['GET', '/v1/admin/webhooks?provider=stripe', 'webhook-ingest'],
      ['GET', '/v1/admin/reconciliation/runs/r1/report.html', 'reconciliation'],
    ];
    for (const [method, url, service] of cases) {
      const token = url.startsWith('/v1/admin') ? admin : fan;
      const res = await request(h.service.app).get(url).set('Authorization', `Bearer ${token}`);
      expect({ url, status: res.status, body: res.body }).toEqual({ url, status: 200, body: { service, method, url } });
    }
  });

  test('the service sees the caller as the gateway established it, never identity headers the client sent', async () => {
    const token = await h.token('fan-3', ['fan']);
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const MATCH = randomUUID();
    const res = await request(h.service.app)
      .post('/v1/holds')
      .set('Authorization', `Bearer ${token}`)
      .set('Idempotency-Key', 'hold-1')
      .set('Device-Id', 'tablet-7')
      .set('X-User-Id', 'someone-else')
      .set('X-User-Roles', 'admin')
      .set('X-Session-Id', 'forged-session')
      .set('X-Device-Id', 'forged-device')
      .set('Cookie', 'sid=abc')
      .set('X-Request-Id', 'req-123')
      .set('traceparent', `00-${traceId}-00f067aa0ba902b7-01`)
      .send({ matchId: MATCH, quantity: 2 });
    expect(res.status).toBe(201);
    const seen = h.stubs.booking.received.at(-1)!;
    expect(seen).toMatchObject({ method: 'POST', url: '/v1/holds', body: { matchId: MATCH, quantity: 2 } });
    expect(seen.headers).toMatchObject({
      'x-user-id': 'fan-3',
      'x-user-roles': 'fan',
      'x-device-id': 'tablet-7',
      'x-session-id': res.headers['x-session-id'],
      'x-request-id': 'req-123',
      'x-forwarded-for': expect.stringMatching(/127\.0\.0\.1/),
      'idempotency-key': 'hold-1',
    });
    expect(seen.headers['x-session-id']).not.toBe('forged-session');
    expect(seen.headers.traceparent).toContain(traceId);
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.headers.cookie).toBeUndefined();
    expect(res.headers['x-request-id']).toBe('req-123');
  });

  test("a service's answer reaches the client as it was: status, Location, problem documents", async () => {
    const token = await h.token('fan-4', ['fan']);
    h.stubs.booking.respond = (req, res) => {
      if (req.method === 'POST') return void res.status(201).location('/v1/bookings/b-9').json({ bookingId: 'b-9' });
      res.status(409).type('application/problem+json').send(JSON.stringify({ type: 'https://matchday.dev/problems/hold-expired', title: 'Hold expired', status: 409, code: 'HOLD_EXPIRED' }));
    };
    try {
      const created = await request(h.service.app).post('/v1/bookings').set('Authorization', `Bearer ${token}`).set('Idempotency-Key', 'b-1').send({ holdId: randomUUID() });
      expect(created.status).toBe(201);
      expect(created.headers.location).toBe('/v1/bookings/b-9');
      const refused = await request(h.service.app).get(`/v1/bookings/${randomUUID()}`).set('Authorization', `Bearer ${token}`);
      expect(refused.status).toBe(409);
      expect(refused.headers['content-type']).toMatch(PROBLEM);
      expect(refused.body.code).toBe('HOLD_EXPIRED');
    } finally {
      h.stubs.booking.respond = echo('booking');
    }
  });

  test('connections to a service are kept alive across requests', async () => {
    const token = await h.token('fan-5', ['fan']);
    const before = h.stubs.payment.received.length;
    for (let i = 0; i < 5; i++) await request(h.service.app).get(`/v1/payments/p${i}`).set('Authorization', `Bearer ${token}`);
    const ports = new Set(h.stubs.payment.received.slice(before).map((r) => r.remotePort));
    expect(ports.size).toBe(1);
  });

  test("operations endpoints reach the service's own admin path; the gateway answers for itself", async () => {
    const admin = await h.token('admin-3', ['admin']);
    const dlq = await request(h.service.app).get('/v1/admin/dlq/fraud?limit=5').set('Authorization', `Bearer ${admin}`);
    expect(dlq.body).toEqual({ service: 'fraud', method: 'GET', url: '/v1/admin/dlq?limit=5' });
    const replay = await request(h.service.app).post('/v1/admin/dlq/payment/replay').set('Authorization', `Bearer ${admin}`);
    expect(replay.body).toEqual({ service: 'payment', method: 'POST', url: '/v1/admin/dlq/replay' });
    const breakers = await request(h.service.app).get('/v1/admin/breakers/booking').set('Authorization', `Bearer ${admin}`);
    expect(breakers.body).toEqual({ service: 'booking', method: 'GET', url: '/v1/admin/breakers' });
    const outbox = await request(h.service.app).get('/v1/admin/events/outbox/webhook-ingest?limit=500&after=42').set('Authorization', `Bearer ${admin}`);
    expect(outbox.body).toEqual({ service: 'webhook-ingest', method: 'GET', url: '/v1/admin/events/outbox?limit=500&after=42' });
    const inbox = await request(h.service.app).get('/v1/admin/events/inbox/notification?after=WyJhIiwiYiJd').set('Authorization', `Bearer ${admin}`);
    expect(inbox.body).toEqual({ service: 'notification', method: 'GET', url: '/v1/admin/events/inbox?after=WyJhIiwiYiJd' });
    const summary = await request(h.service.app).get('/v1/admin/events/summary/reconciliation').set('Authorization', `Bearer ${admin}`);
    expect(summary.body).toEqual({ service: 'reconciliation', method: 'GET', url: '/v1/admin/events/summary' });
    const fan = await h.token('fan-ops', ['fan']);
    const refused = await request(h.service.app).get('/v1/admin/events/outbox/booking').set('Authorization', `Bearer ${fan}`);
    expect(refused.status).toBe(403);
    expect(refused.headers['content-type']).toMatch(PROBLEM);
    const gatewayEvents = await request(h.service.app).get('/v1/admin/events/summary/gateway').set('Authorization', `Bearer ${admin}`);
    expect(gatewayEvents.status).toBe(400);
    const own = await request(h.service.app).get('/v1/admin/breakers/gateway').set('Authorization', `Bearer ${admin}`);
    expect(own.body.breakers.map((b: { name: string }) => b.name).sort()).toEqual(
      ['booking', 'fraud', 'notification', 'payment', 'reconciliation', 'webhook-ingest'].map((n) => `gateway.upstream.${n}`),
    );
    const unknown = await request(h.service.app).get('/v1/admin/breakers/nowhere').set('Authorization', `Bearer ${admin}`);
    expect(unknown.status).toBe(400);
  });
});

describe('requests that do not match the document', () => {
  test('are refused with problem+json before reaching a service', async () => {
    const token = await h.token('fan-6', ['fan']);
    const auth = { Authorization: `Bearer ${token}` };
    const before = h.stubs.booking.received.length;
    const badBody = await request(h.service.app).post('/v1/holds').set(auth).set('Idempotency-Key', 'v1').send({ matchId: randomUUID(), quantity: 0 });
    expect(badBody.status).toBe(400);
    expect(badBody.body.errors).toEqual([expect.objectContaining({ path: '/body/quantity' })]);
    const unknownQuery = await request(h.service.app).get('/v1/bookings?sort=evil').set(auth);
    expect(unknownQuery.status).toBe(400);
    const notFound = await request(h.service.app).get('/v1/nothing-here').set(auth);
    expect(notFound.status).toBe(404);
    const wrongMethod = await request(h.service.app).patch(`/v1/holds/${randomUUID()}`).set(auth).send({});
    expect(wrongMethod.status).toBe(405);
    const notJson = await request(h.service.app).post('/v1/holds').set(auth).set('Idempotency-Key', 'v2').set('Content-Type', 'text/plain').send('matchId=m');
    expect(notJson.status).toBe(415);
    const malformed = await request(h.service.app).post('/v1/holds').set(auth).set('Idempotency-Key', 'v3').set('Content-Type', 'application/json').send('{"matchId":');
    expect(malformed.status).toBe(400);
    const huge = await request(h.service.app).post('/v1/holds').set(auth).set('Idempotency-Key', 'v4').send({ matchId: randomUUID(), quantity: 1, pad: 'x'.repeat(20000) });
    expect(huge.status).toBe(413);
    for (const res of [badBody, unknownQuery, notFound, wrongMethod, notJson, malformed, huge]) expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(h.stubs.booking.received.length).toBe(before);
  });

  test('a path in another letter case, or with extra segments, reaches nothing: no authentication bypass', async () => {
    for (const path of ['/V1/ADMIN/BREAKERS/GATEWAY', '/v1/Admin/dlq/gateway', '/V1/WAITING-ROOM/m1/TICKETS/t1', '/v1/admin/rate-limits/u1/x', '/V1/HOLDS']) {
      const res = await request(h.service.app).get(path);
      expect({ path, status: res.status, type: res.headers['content-type'] }).toEqual({ path, status: 404, type: expect.stringMatching(PROBLEM) });
    }
    const admin = await h.token('admin-dots', ['admin']);
    for (const dots of ['..', '.', '%2e%2e']) {
      const res = await request(h.service.app).get(`/v1/matches/${dots}`).set('Authorization', `Bearer ${admin}`);
      expect({ dots, status: res.status }).toEqual({ dots, status: 400 });
    }
    const wrongMethod = await request(h.service.app).put('/v1/admin/breakers/gateway');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe('GET');
  });

  test('the document and a readable docs page are served from the gateway itself', async () => {
    const doc = await request(h.service.app).get('/v1/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.0.3');
    expect(Object.keys(doc.body.paths)).toContain('/v1/holds');
    const page = await request(h.service.app).get('/docs');
    expect(page.status).toBe(200);
    expect(page.text).toContain('/docs/assets/swagger-ui-bundle.js');
    expect(page.text).not.toMatch(/https?:\/\//);
    const bundle = await request(h.service.app).get('/docs/assets/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
    const init = await request(h.service.app).get('/docs/init.js');
    expect(init.text).toContain('/v1/openapi.json');
  });

  test('browsers from the web client origin may call the API; other origins get no CORS grant', async () => {
    const allowed = await request(h.service.app)
      .options('/v1/holds')
      .set('Origin', 'https://app.matchday.test')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type,idempotency-key');
    expect(allowed.status).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.matchday.test');
    expect(allowed.headers['access-control-allow-headers']).toMatch(/Idempotency-Key/);
    const other = await request(h.service.app).get('/v1/matches').set('Origin', 'https://evil.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('when a service fails', () => {
  test('a service that is down answers 503 problem+json fast', async () => {
    const admin = await h.token('admin-4', ['admin']);
    await h.stubs['webhook-ingest'].close();
    const started = Date.now();
    const res = await request(h.service.app).get('/v1/admin/webhooks').set('Authorization', `Bearer ${admin}`);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.body).toMatchObject({ type: 'https://matchday.dev/problems/upstream-unavailable', upstream: 'webhook-ingest' });
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  test('a service that does not answer in time gives 504 after the timeout', async () => {
    const fan = await h.token('fan-7', ['fan']);
    h.stubs.notification.respond = async (_req, res) => {
      await sleep(1500);
      if (!res.headersSent) res.json({ late: true });
    };
    try {
      const started = Date.now();
      const res = await request(h.service.app).get('/v1/me/preferences').set('Authorization', `Bearer ${fan}`);
      expect(res.status).toBe(504);
      expect(res.body.type).toBe('https://matchday.dev/problems/upstream-timeout');
      expect(Date.now() - started).toBeLessThan(1200);
    } finally {
      h.stubs.notification.respond = echo('notification');
    }
  });

  test('a failing service opens its breaker: later calls fail fast without reaching it, others are unaffected', async () => {
    const admin = await h.token('admin-5', ['admin']);
    const auth = { Authorization: `Bearer ${admin}` };
    h.stubs.reconciliation.respond = (_req, res) => {
      res.status(500).type('application/problem+json').send(JSON.stringify({ type: 'about:blank', title: 'Internal error', status: 500 }));
    };
    // The service's own 500s are relayed until enough of them open the breaker; from then on, 503.
    const statuses: number[] = [];
    let fast: request.Response | undefined;
    let reached = 0;
    for (let i = 0; i < 6 && !fast; i++) {
      reached = h.stubs.reconciliation.received.length;
      const res = await request(h.service.app).get('/v1/admin/reconciliation/runs').set(auth);
      statuses.push(res.status);
      if (res.status === 503) fast = res;
    }
    expect(statuses[0]).toBe(500);
    expect(statuses.at(-1)).toBe(503);
    expect(new Set(statuses.slice(0, -1))).toEqual(new Set([500]));
    if (!fast) throw new Error('breaker never opened');
    expect(fast.body.type).toBe('https://matchday.dev/problems/upstream-unavailable');
    expect(Number(fast.headers['retry-after'])).toBe(60);
    expect(h.stubs.reconciliation.received.length).toBe(reached);
    const states = await request(h.service.app).get('/v1/admin/breakers/gateway').set(auth);
    expect(states.body.breakers).toContainEqual(expect.objectContaining({ name: 'gateway.upstream.reconciliation', state: 'open' }));
    expect((await request(h.service.app).get('/v1/admin/fraud/reviews').set(auth)).status).toBe(200);
  });
});

describe('with an identity provider instead of the development issuer', () => {
  test("its tokens are verified against its JWKS (roles from a nested claim); the issuer's own tokens and token route are gone; an unusable JWKS is an outage (503)", async () => {
    const idp = await testKeys('idp-key');
    const { d: _private, ...publicJwk } = idp.privateJwk;
    const jwks = await startStub('idp');
    jwks.respond = (_req, res) => void res.status(500).json({ error: 'down' });
    const env: Record<string, string> = {
      ...h.configEnv,
      // Its own consumer group (a sub-prefix, deleted with the rest), so the main gateway's group does not rebalance.
      TOPIC_PREFIX: `${h.iso.topicPrefix}oidc.`,
      AUTH_DEV_ISSUER: 'false',
      AUTH_JWKS_URL: `${jwks.url}/realms/matchday/protocol/openid-connect/certs`,
      AUTH_ISSUER: 'https://idp.example/realms/matchday',
      AUTH_ROLES_CLAIM: 'realm_access.roles',
    };
    delete env.AUTH_DEV_PRIVATE_JWK;
    const service = await buildService(loadGatewayConfig(env));
    await service.start();
    try {
      const token = await idp.sign({ realm_access: { roles: ['fan'] } }, { subject: 'oidc-user', issuer: 'https://idp.example/realms/matchday' });
      const down = await request(service.app).get('/v1/bookings').set('Authorization', `Bearer ${token}`);
      expect(down.status).toBe(503);
      expect(down.body.type).toBe('https://matchday.dev/problems/identity-provider-unavailable');

      jwks.respond = (_req, res) => void res.json({ keys: [publicJwk] });
      const ok = await request(service.app).get('/v1/bookings').set('Authorization', `Bearer ${token}`);
      expect(ok.status).toBe(200);
      expect(h.stubs.booking.received.at(-1)!.headers).toMatchObject({ 'x-user-id': 'oidc-user', 'x-user-roles': 'fan' });

      const devToken = await h.token('someone', ['admin']);
      expect((await request(service.app).get('/v1/bookings').set('Authorization', `Bearer ${devToken}`)).status).toBe(401);
      expect((await request(service.app).post('/v1/auth/token').send({ userId: 'u1' })).status).toBe(404);
      expect((await request(service.app).get('/.well-known/jwks.json')).status).toBe(404);
    } finally {
      await service.stop();
      await jwks.close();
    }
  });
});
