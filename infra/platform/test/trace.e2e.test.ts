/**
 * One booking, one trace: the services run as processes (startPlatform, own prefix and ports) with
 * tracing on and exporting OTLP/HTTP to a collector in this test (standing in for the OTel
 * collector and Jaeger). One fan books through the gateway, and the checkout's trace is followed
 * from the gateway through booking, its outbox and Kafka, to payment and its call to Stripe.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startPlatform, type Platform } from '@matchday/platform';

// OTLP span kinds (opentelemetry/proto/trace/v1/trace.proto).
const INTERNAL = 1;
const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;
const KIND_NAMES: Record<number, string> = {
  1: 'INTERNAL',
  2: 'SERVER',
  3: 'CLIENT',
  4: 'PRODUCER',
  5: 'CONSUMER',
};

const OFFSET = 500;
const prefix = `tr${randomBytes(3).toString('hex')}`;
const run = randomBytes(2).toString('hex');

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: Array<{ key: string; value: OtlpValue }>;
}
interface OtlpExport {
  resourceSpans: Array<{
    resource: { attributes: Array<{ key: string; value: OtlpValue }> };
    scopeSpans: Array<{ spans: OtlpSpan[] }>;
  }>;
}

/** A finished span as the collector received it, with its service and attributes flattened. */
interface Span {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: number;
  attrs: Record<string, string>;
}

const spans: Span[] = [];
let collector: http.Server;
let platform: Platform | undefined;
let bookingId: string;

const flatten = (list: Array<{ key: string; value: OtlpValue }> = []) =>
  Object.fromEntries(list.map((a) => [a.key, String(a.value.stringValue ?? a.value.intValue ?? '')]));

function collect(body: OtlpExport) {
  for (const rs of body.resourceSpans ?? []) {
    const service = flatten(rs.resource.attributes)['service.name'] ?? '';
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        spans.push({
          service,
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId || undefined,
          name: s.name,
          kind: s.kind,
          attrs: flatten(s.attributes),
        });
      }
    }
  }
}

// HTTP attributes under the stable and the older semantic conventions.
const methodOf = (s: Span) => s.attrs['http.request.method'] ?? s.attrs['http.method'];
const pathOf = (s: Span) => {
  const full = s.attrs['url.full'] ?? s.attrs['http.url'];
  return (s.attrs['url.path'] ?? s.attrs['http.target'] ?? (full ? new URL(full).pathname : '')).split(
    '?',
  )[0];
};
const portOf = (s: Span) => s.attrs['server.port'] ?? s.attrs['net.peer.port'];

const describeSpan = (s: Span) => `${s.service} ${KIND_NAMES[s.kind] ?? s.kind} ${s.name}`;

async function api<T>(method: string, path: string, token?: string, body?: unknown): Promise<T> {
  const res = await fetch(`${platform!.gatewayUrl}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(method === 'POST' ? { 'idempotency-key': randomUUID() } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text.slice(0, 500)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The gateway's SERVER span of the checkout, once exported. */
const checkoutSpan = () =>
  spans.find(
    (s) =>
      s.service === 'gateway' && s.kind === SERVER && methodOf(s) === 'POST' && pathOf(s) === '/v1/bookings',
  );

/** Payment's call to the provider sandbox that created the booking's PaymentIntent. */
const isStripeCreate = (s: Span) =>
  s.service === 'payment' &&
  s.kind === CLIENT &&
  methodOf(s) === 'POST' &&
  portOf(s) === String(4010 + OFFSET) &&
  /^\/v1\/payment_intents\/?$/.test(pathOf(s) ?? '');

beforeAll(async () => {
  // Stands in for the OTel collector: keeps every span posted to /v1/traces (OTLP/HTTP JSON).
  collector = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces') collect(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  collector.listen(0, '127.0.0.1');
  await once(collector, 'listening');
  const { port } = collector.address() as AddressInfo;

  platform = await startPlatform({
    prefix,
    portOffset: OFFSET,
    only: ['gateway', 'booking', 'payment', 'fraud', 'webhook-ingest'],
    logLevel: 'warn',
    env: {
      OTEL_SDK_DISABLED: 'false',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      // Export finished spans within a fraction of a second instead of every 5 s.
      OTEL_BSP_SCHEDULE_DELAY: '200',
      CONSUMER_RETRY_DELAYS_MS: '200,400,800',
      SHUTDOWN_GRACE_MS: '2000',
      DB_POOL_MAX: '3',
    },
  });

  const admin = (
    await api<{ accessToken: string }>('POST', '/v1/auth/token', undefined, {
      userId: `ops-${run}`,
      roles: ['admin'],
    })
  ).accessToken;
  const fan = (
    await api<{ accessToken: string }>('POST', '/v1/auth/token', undefined, {
      userId: `fan-${run}`,
      roles: ['fan'],
    })
  ).accessToken;
  const { matchId } = await api<{ matchId: string }>('POST', '/v1/admin/matches', admin, {
    title: `Harbour FC v Valley United ${run}`,
    homeTeam: 'Harbour FC',
    awayTeam: 'Valley United',
    venue: 'Riverside Ground',
    kickoffAt: new Date(Date.now() + 14 * 24 * 3600 * 1000).toISOString(),
    capacity: 20,
    unitPrice: 2500,
    currency: 'EUR',
  });
  const { holdId } = await api<{ holdId: string }>('POST', '/v1/holds', fan, { matchId, quantity: 2 });
  ({ bookingId } = await api<{ bookingId: string }>('POST', '/v1/bookings', fan, {
    holdId,
    paymentMethod: 'pm_card_visa',
  }));
  await until(
    'the booking to be confirmed',
    async () =>
      (await api<{ status: string }>('GET', `/v1/bookings/${bookingId}`, fan)).status === 'CONFIRMED'
        ? true
        : undefined,
    60_000,
  );
  // The provider call ended before the booking was confirmed; its span arrives within one export interval.
  await until(
    'the checkout trace to reach the collector',
    () => {
      const root = checkoutSpan();
      return root && spans.some((s) => s.traceId === root.traceId && isStripeCreate(s)) ? true : undefined;
    },
    10_000,
  ).catch(() => undefined);
}, 240_000);

afterAll(async () => {
  await platform?.stop();
  await new Promise((r) => collector?.close(r));
}, 60_000);

describe('tracing across the platform', () => {
  it('when a fan books through the gateway, then one trace covers the gateway request, booking, the Kafka hop and payment’s call to Stripe', () => {
    const root = checkoutSpan();
    expect(root).toBeDefined();
    const trace = spans.filter((s) => s.traceId === root!.traceId);
    // What a failure shows: the trace without middleware, database and Redis spans.
    const summary = trace
      .filter((s) => s.kind !== INTERNAL && !s.attrs['db.system'] && !s.attrs['db.system.name'])
      .map(describeSpan);

    // Booking served the request the gateway forwarded, inside the gateway's trace.
    expect(summary).toContain('booking SERVER POST /v1/bookings');
    // Payment consumed booking.created: its CONSUMER span…
    const consumed = trace.find(
      (s) =>
        s.service === 'payment' &&
        s.kind === CONSUMER &&
        s.attrs['cloudevents.event_type'] === 'booking.created.v1',
    );
    expect(consumed ? describeSpan(consumed) : summary).toEqual(
      expect.stringMatching(/^payment CONSUMER process (.+\.)?booking\.events$/),
    );
    // …is the child of the PRODUCER span in which booking's outbox relay sent that event to Kafka.
    const published = trace.find((s) => s.spanId === consumed!.parentSpanId);
    expect(published ? describeSpan(published) : summary).toEqual(
      expect.stringMatching(/^booking PRODUCER send (.+\.)?booking\.events$/),
    );
    expect(published).toMatchObject({
      kind: PRODUCER,
      attrs: { 'messaging.system': 'kafka', 'messaging.message.id': consumed!.attrs['messaging.message.id'] },
    });
    // Payment then called the Stripe sandbox to create the PaymentIntent, from its provider work queue.
    const stripe = trace.find(isStripeCreate);
    expect(stripe ? describeSpan(stripe) : summary).toEqual(expect.stringMatching(/^payment CLIENT POST/));

    // Not merely the same trace id: every one of them descends from the gateway's request.
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const reachesRoot = (s: Span): boolean => {
      for (
        let cur: Span | undefined = s, hops = 0;
        cur && hops < 100;
        cur = cur.parentSpanId ? byId.get(cur.parentSpanId) : undefined, hops++
      ) {
        if (cur.spanId === root!.spanId) return true;
      }
      return false;
    };
    expect([published!, consumed!, stripe!].filter((s) => !reachesRoot(s)).map(describeSpan)).toEqual([]);
    expect([...new Set(trace.map((s) => s.service))]).toEqual(
      expect.arrayContaining(['gateway', 'booking', 'payment']),
    );
  });
});
