import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { Pool } from 'undici';
import { listen } from '@matchday/http';
import { operationsOf, type Operation } from '../src/http/openapi-document';
import { startGateway, type Harness } from './helpers';

/**
 * Thousands of malformed requests against every public route of the gateway: whatever a client
 * sends, the answer is never a 5xx, and every error is a problem+json document whose status is
 * the response's. The services behind are healthy stubs, so any 5xx is the gateway's own.
 */
const RUNS_PER_OPERATION = Number(process.env.FUZZ_RUNS ?? 20);

let h: Harness;
let server: Server;
let pool: Pool;
let ops: Operation[];
let tokens: { fan: string; support: string; admin: string; expired: string; noRoles: string };
const seen = { requests: 0, byStatus: new Map<number, number>() };

beforeAll(async () => {
  h = await startGateway({
    RATE_LIMIT_IP_REQUESTS: '1000000',
    RATE_LIMIT_USER_REQUESTS: '1000000',
    RATE_LIMIT_HOLDS: '1000000',
    RATE_LIMIT_BOOKINGS: '1000000',
    RATE_LIMIT_MODIFICATIONS: '1000000',
    RATE_LIMIT_PAYMENTS: '1000000',
    RATE_LIMIT_AUTH: '1000000',
    RATE_LIMIT_WAITING_ROOM_JOINS: '1000000',
  });
  server = await listen(h.service.app, 0, '127.0.0.1');
  pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { connections: 4 });
  ops = operationsOf(h.service.document);
  tokens = {
    fan: await h.token('fuzz-fan', ['fan']),
    support: await h.token('fuzz-support', ['support']),
    admin: await h.token('fuzz-admin', ['admin']),
    expired: await h.keys.sign({ roles: ['admin'] }, { subject: 'fuzz-old', expiresIn: Math.floor(Date.now() / 1000) - 600 }),
    noRoles: await h.token('fuzz-none', []),
  };
});

afterAll(async () => {
  await pool.close();
  await new Promise<void>((r) => server.close(() => r()));
  await h.close();
});

// ---- arbitraries -------------------------------------------------------------------------------

const VISIBLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i));
/** Header-safe text (what an HTTP client can put on the wire), including quotes, commas, percent signs. */
const text = (maxLength = 60) => fc.string({ unit: fc.constantFrom(...VISIBLE), maxLength });

const segment = fc.oneof(
  fc.constant('id1'),
  fc.uuid(),
  fc.constantFrom('%zz', '%00', '%2F', '..', '.', '%E0%A4%A', '%C0%AF', '-', '~', 'null', 'undefined', '0', '-1', '1e309'),
  fc.string({ maxLength: 30 }).map(encodeURIComponent),
  fc.constant('x'.repeat(400)),
  fc.integer().map(String),
);

const fillPath = (template: string) =>
  fc.array(segment, { minLength: 4, maxLength: 4 }).map((segs) => {
    let i = 0;
    return template.replace(/\{[^}]+\}/g, () => segs[i++ % segs.length]!);
  });

const pathVariant = (template: string) =>
  fc.oneof(
    { weight: 6, arbitrary: fillPath(template) },
    { weight: 1, arbitrary: fillPath(template).map((p) => `${p}/`) },
    { weight: 1, arbitrary: fc.tuple(fillPath(template), segment).map(([p, s]) => `${p}/${s}`) },
    { weight: 1, arbitrary: fillPath(template).map((p) => p.replace('/v1/', '//v1//')) },
    { weight: 1, arbitrary: fillPath(template).map((p) => p.toUpperCase()) },
  );

const query = fc.oneof(
  { weight: 3, arbitrary: fc.constant('') },
  {
    weight: 3,
    arbitrary: fc
      .array(fc.tuple(fc.constantFrom('limit', 'status', 'after', 'before', 'userId', 'wait', 'provider', 'since', 'cursor', 'kind', 'x'), text(20)), { maxLength: 4 })
      .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}` : '')),
  },
  { weight: 1, arbitrary: fc.constantFrom('?a[b][c]=1', '?limit=1&limit=2', '?%zz=1', '?limit=-1', '?limit=1e99', '?=', '?&&&', `?q=${'y'.repeat(3000)}`) },
);

/** Bodies shaped like the operation's (right keys, wrong values) and plain garbage. */
const body = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
  {
    weight: 4,
    arbitrary: fc
      .dictionary(
        fc.constantFrom('matchId', 'quantity', 'holdId', 'payers', 'userId', 'roles', 'ttlSeconds', 'toUserId', 'newTime', 'newDate', 'reason', 'hot', 'channels', 'email', 'phone', 'token', 'kind', 'decision', 'ruleSet', 'ids', 'limit', '__proto__', 'constructor'),
        fc.oneof(fc.jsonValue(), fc.uuid(), fc.constant(null), fc.integer({ min: -5, max: 30 }), fc.string()),
        { maxKeys: 5 },
      )
      .map((o) => JSON.stringify(o)),
  },
  { weight: 2, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
  { weight: 1, arbitrary: fc.constantFrom('{"a":', '[1,2', '{"matchId":"', 'null', '""', '{"__proto__":{"admin":true}}', '\u0000', '{"a":1}{"b":2}') },
  { weight: 1, arbitrary: fc.constant('x'.repeat(40 * 1024)) },
);

const contentType = fc.oneof(
  { weight: 5, arbitrary: fc.constant('application/json') },
  { weight: 2, arbitrary: fc.constant(undefined) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=zz',
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      'application/problem+json',
      'application/xml',
      'application/json;;',
    ),
  },
  { weight: 1, arbitrary: text(40) },
);

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'] as const;
type Method = (typeof METHODS)[number];

const request = (op: Operation) =>
  fc.record({
    method: fc.oneof({ weight: 5, arbitrary: fc.constant(op.method as Method) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) }),
    path: pathVariant(op.path),
    query,
    body,
    contentType,
    auth: fc.oneof(
      fc.constant<keyof typeof tokens | undefined>(undefined),
      fc.constantFrom<keyof typeof tokens>('fan', 'support', 'admin', 'expired', 'noRoles'),
    ),
    rawAuth: fc.option(fc.oneof(text(80), text(80).map((t) => `Bearer ${t}`), fc.constant('Bearer a.b.c'), fc.constant('Bearer ')), { nil: undefined }),
    extra: fc.dictionary(
      fc.constantFrom('idempotency-key', 'device-id', 'x-admission-token', 'traceparent', 'x-request-id', 'x-forwarded-for', 'x-user-id', 'x-user-roles', 'if-match', 'accept', 'origin'),
      text(80),
      { maxKeys: 4 },
    ),
  });

type Req = {
  method: Method;
  path: string;
  query: string;
  body: string | Buffer | undefined;
  contentType: string | undefined;
  auth: keyof typeof tokens | undefined;
  rawAuth: string | undefined;
  extra: Record<string, string>;
};

async function send(r: Req): Promise<void> {
  const headers: Record<string, string> = { ...r.extra };
  if (r.contentType) headers['content-type'] = r.contentType;
  if (r.rawAuth !== undefined) headers.authorization = r.rawAuth;
  else if (r.auth) headers.authorization = `Bearer ${tokens[r.auth]}`;
  const withBody = r.body !== undefined && r.method !== 'GET' && r.method !== 'HEAD';
  const res = await pool.request({ method: r.method, path: r.path + r.query, headers, body: withBody ? r.body : null });
  const payload = await res.body.text();
  seen.requests++;
  seen.byStatus.set(res.statusCode, (seen.byStatus.get(res.statusCode) ?? 0) + 1);
  const where = `${r.method} ${r.path}${r.query}`;
  if (res.statusCode >= 500) throw new Error(`${where} answered ${res.statusCode}: ${payload.slice(0, 500)}`);
  if (res.statusCode >= 400) {
    const type = String(res.headers['content-type'] ?? '');
    if (!type.startsWith('application/problem+json')) throw new Error(`${where} answered ${res.statusCode} as ${type}: ${payload.slice(0, 200)}`);
    if (r.method === 'HEAD') return;
    const problem = JSON.parse(payload) as { type?: unknown; title?: unknown; status?: unknown };
    if (typeof problem.type !== 'string' || typeof problem.title !== 'string' || problem.status !== res.statusCode) {
      throw new Error(`${where}: not a problem document for ${res.statusCode}: ${payload.slice(0, 200)}`);
    }
  }
}

test('every public route answers malformed requests without a 5xx, with problem+json errors', async () => {
  for (const op of ops) {
    await fc.assert(
      fc.asyncProperty(request(op), (r) => send(r)),
      { numRuns: RUNS_PER_OPERATION, endOnFailure: true },
    );
  }
  expect(seen.requests).toBeGreaterThanOrEqual(ops.length * RUNS_PER_OPERATION);
});

test('paths nobody documented answer 404/405 problems, never 5xx', async () => {
  const anyPath = fc.oneof(
    fc.array(segment, { minLength: 1, maxLength: 6 }).map((s) => `/${s.join('/')}`),
    fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => `/v1/${s.join('/')}`),
    fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => `/v1/admin/${s.join('/')}`),
    fc.constantFrom('/webhooks/stripe', '/webhooks/twilio', '/webhooks/sendgrid', '/docs/assets/../../package.json', '/.well-known/../v1/holds', '/%2e%2e/%2e%2e/etc/passwd'),
  );
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        method: fc.constantFrom(...METHODS),
        path: anyPath,
        query,
        body,
        contentType,
        auth: fc.constantFrom<keyof typeof tokens | undefined>(undefined, 'fan', 'admin'),
        rawAuth: fc.constant(undefined),
        extra: fc.constant({}),
      }),
      (r) => send(r),
    ),
    { numRuns: RUNS_PER_OPERATION * 20, endOnFailure: true },
  );
  console.info(`fuzz: ${seen.requests} requests, statuses ${JSON.stringify(Object.fromEntries([...seen.byStatus].sort()))}`);
});
