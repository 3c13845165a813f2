import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { Pool } from 'undici';
import { generateSendgridKeyPair, signSendgrid, signStripe, signTwilio } from '@matchday/provider-sandbox';
import { deleteTopics, isolation, serviceDb, setupTopics, testInfra, type ServiceDb } from '@matchday/testkit';
// Provider webhooks reach webhook-ingest directly (WEBHOOK_INGEST_URL), not through the gateway:
// its own app is what providers and attackers talk to, so that is what is fuzzed here.
import { configSchema } from '../../webhook-ingest/src/config';
import { migrations } from '../../webhook-ingest/src/db/migrations';
import { buildService, type WebhookIngestService } from '../../webhook-ingest/src/service';

/**
 * Thousands of malformed webhook deliveries — unsigned, wrongly signed, and correctly signed but
 * malformed (the case where only the parser stands between garbage and the database): never a 5xx
 * (a 5xx makes the provider retry garbage for days), and every error is problem+json.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 20) * 60;
const STRIPE_SECRET = 'whsec_fuzz_secret';
const TWILIO_TOKEN = 'fuzz_twilio_auth_token';
const sendgridKeys = generateSendgridKeyPair();

const iso = isolation();
let db: ServiceDb;
let service: WebhookIngestService;
let server: Server;
let pool: Pool;
let baseUrl: string;
const statuses = new Map<number, number>();

beforeAll(async () => {
  const infra = await testInfra();
  await setupTopics(iso.topicPrefix);
  const schema = iso.schema('webhook');
  db = await serviceDb('webhook_ingest', schema, { migrations: migrations(schema), poolMax: 3 });
  server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  service = buildService(
    configSchema.parse({
      NODE_ENV: 'test',
      LOG_LEVEL: 'error',
      DATABASE_URL: db.url,
      DB_SCHEMA: schema,
      KAFKA_BROKERS: infra.kafkaBrokers.join(','),
      TOPIC_PREFIX: iso.topicPrefix,
      STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
      TWILIO_AUTH_TOKEN: TWILIO_TOKEN,
      SENDGRID_WEBHOOK_PUBLIC_KEY: sendgridKeys.publicKey,
      WEBHOOK_PUBLIC_URL: baseUrl,
      WEBHOOK_BODY_LIMIT_BYTES: '65536',
    }),
    { db: db.db },
  );
  await service.start();
  server.on('request', service.handler);
  pool = new Pool(baseUrl, { connections: 4 });
});

afterAll(async () => {
  await pool.close();
  await new Promise<void>((r) => server.close(() => r()));
  await service.stop();
  await db.destroy();
  await deleteTopics(iso.topicPrefix);
});

const VISIBLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i));
const text = (maxLength = 60) => fc.string({ unit: fc.constantFrom(...VISIBLE), maxLength });

/** Payloads: near-real events with wrong parts, JSON of any shape, and bytes. */
const stripeLike = fc
  .record(
    {
      id: fc.oneof(fc.string(), fc.constant('evt_1'), fc.integer(), fc.constant(null)),
      object: fc.constantFrom('event', 'charge', 1),
      type: fc.oneof(fc.constantFrom('payment_intent.succeeded', 'charge.refunded', 'charge.dispute.created', 'unknown.type'), fc.string()),
      created: fc.oneof(fc.integer(), fc.string(), fc.constant(null)),
      data: fc.oneof(fc.jsonValue(), fc.record({ object: fc.oneof(fc.jsonValue(), fc.record({ id: fc.string(), object: fc.string(), payment_intent: fc.oneof(fc.string(), fc.jsonValue()) })) })),
    },
    { requiredKeys: [] },
  )
  .map((o) => JSON.stringify(o));
const sendgridLike = fc
  .oneof(
    fc.array(
      fc.record(
        {
          sg_event_id: fc.oneof(fc.string(), fc.integer()),
          sg_message_id: fc.oneof(fc.string(), fc.constant(null)),
          event: fc.oneof(fc.constantFrom('delivered', 'bounce', 'dropped', 'open'), fc.string()),
          email: fc.oneof(fc.emailAddress(), fc.string()),
          timestamp: fc.oneof(fc.integer(), fc.string()),
        },
        { requiredKeys: [] },
      ),
      { maxLength: 5 },
    ),
    fc.jsonValue(),
  )
  .map((v) => JSON.stringify(v));
const formLike = fc
  .dictionary(fc.oneof(fc.constantFrom('MessageSid', 'MessageStatus', 'ErrorCode', 'AccountSid', 'To'), fc.string({ maxLength: 10 })), fc.string({ maxLength: 30 }), { maxKeys: 5 })
  .map((o) => new URLSearchParams(o).toString());
const anyBody = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 300 }),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')),
  fc.constantFrom('', '{', '[', 'null', '{"id":', '\u0000\u0000', 'x'.repeat(70 * 1024)),
);

const provider = fc.constantFrom('stripe', 'twilio', 'sendgrid');
type Signing = 'none' | 'garbage' | 'valid' | 'stale';

const delivery = provider.chain((p) =>
  fc.record({
    provider: fc.constant(p),
    method: fc.oneof({ weight: 8, arbitrary: fc.constant('POST') }, { weight: 1, arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS') }),
    query: fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('?a=1', '?%zz', `?x=${'y'.repeat(2000)}`) }),
    body: p === 'stripe' ? fc.oneof(stripeLike, anyBody) : p === 'sendgrid' ? fc.oneof(sendgridLike, anyBody) : fc.oneof(formLike, anyBody),
    contentType: fc.oneof(
      { weight: 6, arbitrary: fc.constant(p === 'twilio' ? 'application/x-www-form-urlencoded' : 'application/json') },
      { weight: 1, arbitrary: fc.constant(undefined) },
      { weight: 2, arbitrary: fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=q', 'application/json; charset=utf-16') },
      { weight: 1, arbitrary: text(30) },
    ),
    signing: fc.constantFrom<Signing>('none', 'garbage', 'valid', 'valid', 'valid', 'stale'),
    garbage: text(120),
  }),
);

type Delivery = { provider: string; method: string; query: string; body: string; contentType: string | undefined; signing: Signing; garbage: string };

function signatureHeaders(d: Delivery): Record<string, string> {
  if (d.signing === 'none') return {};
  const now = Math.floor(Date.now() / 1000);
  switch (d.provider) {
    case 'stripe':
      return { 'stripe-signature': d.signing === 'garbage' ? d.garbage : signStripe(d.body, STRIPE_SECRET, d.signing === 'stale' ? now - 3600 : now) };
    case 'twilio': {
      if (d.signing === 'garbage') return { 'x-twilio-signature': d.garbage };
      const params = Object.fromEntries(new URLSearchParams(d.body));
      return { 'x-twilio-signature': signTwilio(`${baseUrl}/webhooks/twilio${d.query}`, params, TWILIO_TOKEN) };
    }
    default: {
      const timestamp = String(d.signing === 'stale' ? now - 3600 : now);
      return {
        'x-twilio-email-event-webhook-timestamp': timestamp,
        'x-twilio-email-event-webhook-signature': d.signing === 'garbage' ? d.garbage : signSendgrid(d.body, timestamp, sendgridKeys.privateKey),
      };
    }
  }
}

test('webhook endpoints answer thousands of malformed deliveries without a 5xx, with problem+json errors', async () => {
  await fc.assert(
    fc.asyncProperty(delivery, async (d) => {
      const headers: Record<string, string> = signatureHeaders(d);
      if (d.contentType) headers['content-type'] = d.contentType;
      const withBody = d.method !== 'GET';
      const res = await pool.request({ method: d.method as 'POST', path: `/webhooks/${d.provider}${d.query}`, headers, body: withBody ? d.body : null });
      const payload = await res.body.text();
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      const where = `${d.method} /webhooks/${d.provider} (${d.signing})`;
      if (res.statusCode >= 500) throw new Error(`${where} answered ${res.statusCode}: ${payload.slice(0, 300)}`);
      if (res.statusCode >= 400) {
        const type = String(res.headers['content-type'] ?? '');
        if (!type.startsWith('application/problem+json')) throw new Error(`${where} answered ${res.statusCode} as ${type}: ${payload.slice(0, 200)}`);
        const problem = JSON.parse(payload) as { status?: unknown; type?: unknown };
        if (problem.status !== res.statusCode || typeof problem.type !== 'string') throw new Error(`${where}: not a problem document: ${payload.slice(0, 200)}`);
      }
    }),
    { numRuns: RUNS, endOnFailure: true },
  );
  console.info(`webhook fuzz: ${RUNS} deliveries, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
  expect(statuses.size).toBeGreaterThan(1);
});
