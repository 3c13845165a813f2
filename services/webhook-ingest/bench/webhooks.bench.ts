/**
 * pnpm bench:webhooks [--webhooks 50000] [--duplicates 0.2] [--connections 64] [--trace]
 *
 * Signed Stripe webhooks (20 % of the deliveries are re-deliveries of earlier ones, all shuffled)
 * posted over HTTP with keep-alive to webhook-ingest running as its own process (src/main.ts,
 * real Postgres and Kafka), and the same deliveries to a bare Node HTTP server measured in the same
 * run. Prints acked/s and ack latency for both, checks that every distinct event was stored and
 * published exactly once, and ends with `ratio=` (our acked/s ÷ the bare server's).
 *
 * The floor is measured in the same run too: the bare server doing the least the ingest contract
 * allows (each webhook stored under its event id with an outbox row, group-committed, before the
 * answer; the new ones then published to Kafka; nothing verified and no event envelope; see
 * baseline-server.ts). `floor_ratio=` (its acked/s ÷ the bare server's) is the best `ratio=` any
 * implementation could show on this machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { topics } from '@matchday/contracts';
import { createDb, dropSchema, provisionSchema, urlForRole } from '@matchday/db';
import { createKafka, ensureTopics } from '@matchday/bus';
import { signStripe } from '@matchday/provider-sandbox';
import { Pool } from 'undici';

const { values } = parseArgs({
  options: {
    webhooks: { type: 'string', default: '50000' },
    duplicates: { type: 'string', default: '0.2' },
    connections: { type: 'string', default: '64' },
    warmup: { type: 'string', default: '2000' },
    trace: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    /** Writes a CPU profile of the service to this directory. */
    profile: { type: 'string' },
  },
});
const TOTAL = Number(values.webhooks);
const DUP_SHARE = Number(values.duplicates);
const CONNECTIONS = Number(values.connections);
const WARMUP = Number(values.warmup);

const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/matchday_test';
const run = `bw${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const prefix = `${run}.`;
const schema = `${run}_webhook`;
const floorSchema = `${run}_floor`;
const secret = `whsec_${randomBytes(16).toString('hex')}`;

interface Delivery {
  eventId: string;
  body: string;
  signature: string;
}

/** A Stripe event about the size the provider sends (pretty-printed, a full object). */
function stripeEvent(eventId: string, type: string, pi: string, i: number): string {
  const object = {
    id: pi,
    object: 'payment_intent',
    amount: 1000 + (i % 9000),
    amount_capturable: 0,
    amount_received: 1000 + (i % 9000),
    capture_method: 'manual',
    client_secret: `${pi}_secret_${randomBytes(12).toString('hex')}`,
    confirmation_method: 'automatic',
    created: Math.floor(Date.now() / 1000),
    currency: 'eur',
    description: `Matchday booking ${i}`,
    latest_charge: `ch_${randomBytes(12).toString('hex')}`,
    livemode: false,
    metadata: {
      booking_id: `b-${Math.floor(i / 4)}`,
      payer_id: `p-${i % 3}`,
      payment_id: `pay-${Math.floor(i / 4)}`,
    },
    payment_method: 'pm_card_visa',
    payment_method_types: ['card'],
    status: type === 'payment_intent.succeeded' ? 'succeeded' : 'requires_capture',
  };
  return JSON.stringify(
    {
      id: eventId,
      object: 'event',
      api_version: '2026-01-28.clover',
      created: Math.floor(Date.now() / 1000),
      data: { object },
      livemode: false,
      pending_webhooks: 1,
      request: {
        id: `req_${randomBytes(7).toString('hex')}`,
        idempotency_key: `booking:b-${i}:payer:p:attempt:1`,
      },
      type,
    },
    null,
    2,
  );
}

const TYPES = [
  'payment_intent.created',
  'charge.succeeded',
  'payment_intent.amount_capturable_updated',
  'payment_intent.succeeded',
];

/** `unique` distinct events (four per payment intent), plus re-deliveries, shuffled. */
function deliveries(unique: number, total: number, tag: string): { list: Delivery[]; ids: string[] } {
  const events: Delivery[] = [];
  for (let i = 0; i < unique; i++) {
    const eventId = `evt_${tag}${i.toString(36).padStart(8, '0')}`;
    const body = stripeEvent(eventId, TYPES[i % 4]!, `pi_${tag}${Math.floor(i / 4).toString(36)}`, i);
    events.push({ eventId, body, signature: signStripe(body, secret) });
  }
  const list = [...events];
  while (list.length < total) list.push(events[Math.floor(Math.random() * events.length)]!);
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return { list, ids: events.map((e) => e.eventId) };
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

interface Result {
  /** Server CPU time per acknowledged webhook, in microseconds. */
  cpuMicros?: number;
  acked: number;
  failed: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
}

/** Posts every delivery over `connections` keep-alive connections, `connections` in flight at a time. */
async function blast(origin: string, list: Delivery[]): Promise<Result> {
  const pool = new Pool(origin, { connections: CONNECTIONS, pipelining: 1, keepAliveTimeout: 60_000 });
  const latencies = new Float64Array(list.length);
  let next = 0;
  let acked = 0;
  let failed = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      for (let i = next++; i < list.length; i = next++) {
        const d = list[i]!;
        const t0 = process.hrtime.bigint();
        try {
          const res = await pool.request({
            method: 'POST',
            path: '/webhooks/stripe',
            headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': d.signature },
            body: d.body,
          });
          await res.body.dump();
          if (res.statusCode === 200) acked++;
          else failed++;
        } catch {
          failed++;
        }
        latencies[i] = Number(process.hrtime.bigint() - t0) / 1e6;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await pool.close();
  const sorted = latencies.sort();
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
  return { acked, failed, seconds, perSecond: acked / seconds, p50: pct(0.5), p99: pct(0.99) };
}

/** Starts a process and resolves with the first JSON line it prints. */
function start(
  cmd: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ child: ChildProcess; first: Record<string, unknown> }> {
  const child = spawn(process.execPath, cmd, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve({ child, first: JSON.parse(line) as Record<string, unknown> }));
    child.once('exit', (code) => reject(new Error(`${cmd.join(' ')} exited with ${code}`)));
  });
}

async function waitReady(origin: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${origin}/health/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('webhook-ingest did not become ready');
}

const stop = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });

/** Mean group-commit batch size and duration, from the service's own metrics. */
async function groupCommitFigures(origin: string): Promise<string> {
  const text = await (await fetch(`${origin}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN);
  const batches = value('webhook_group_commit_batch_size_count');
  const size = value('webhook_group_commit_batch_size_sum') / batches;
  const ms =
    (value('webhook_group_commit_duration_seconds_sum') /
      value('webhook_group_commit_duration_seconds_count')) *
    1000;
  return `group commit: ${batches} transactions, ${size.toFixed(1)} webhooks each on average, ${ms.toFixed(1)} ms each`;
}

/** Outbox events the relay has not published yet. */
async function unpublished(url: string): Promise<number> {
  const db = createDb({ url, schema, poolMax: 1 });
  try {
    return (
      (await db.raw(`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`)).rows as [
        { n: number },
      ]
    )[0].n;
  } finally {
    await db.destroy();
  }
}

/** Waits until the relay has published every outbox row (the service is stopped only then). */
async function outboxDrained(url: string): Promise<void> {
  const db = createDb({ url, schema, poolMax: 1 });
  try {
    for (let i = 0; i < 600; i++) {
      const [{ n }] = (await db.raw(`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`))
        .rows as [{ n: number }];
      if (n === 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await db.destroy();
  }
}

/** Reads the provider.webhooks topic from the start until `expected` events were seen or it stays quiet. */
async function publishedCounts(expected: number): Promise<Map<string, number>> {
  const kafka = createKafka({ brokers: brokers.split(','), clientId: 'bench-webhooks' });
  const consumer = kafka.consumer({ groupId: `${prefix}bench-check` });
  const seen = new Map<string, number>();
  let total = 0;
  await consumer.connect();
  await consumer.subscribe({ topics: [`${prefix}provider.webhooks`], fromBeginning: true });
  let last = Date.now();
  await consumer.run({
    eachMessage: async ({ message }: { message: { value: Buffer | null } }) => {
      const data = JSON.parse(message.value!.toString()) as { eventId: string };
      seen.set(data.eventId, (seen.get(data.eventId) ?? 0) + 1);
      total++;
      last = Date.now();
    },
  });
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline && (total < expected || Date.now() - last < 2000))
    await new Promise((r) => setTimeout(r, 200));
  await consumer.disconnect();
  return seen;
}

async function main() {
  const unique = Math.round(TOTAL * (1 - DUP_SHARE));
  const warm = deliveries(WARMUP, WARMUP, 'w');
  const measured = deliveries(unique, TOTAL, 'm');

  const kafka = createKafka({ brokers: brokers.split(','), clientId: 'bench-webhooks' });
  await ensureTopics(kafka, {
    prefix,
    groups: [],
    topics: ['provider.webhooks'],
    partitions: topics['provider.webhooks'].partitions,
  });
  const setup = kafka.admin();
  await setup.connect();
  await setup.createTopics({
    topics: [
      {
        topic: `${prefix}floor`,
        numPartitions: topics['provider.webhooks'].partitions,
        replicationFactor: 1,
      },
    ],
  });
  await setup.disconnect();
  const role = 'matchday_webhook_ingest';
  await provisionSchema(adminUrl, { schema, role });
  const serviceUrl = urlForRole(adminUrl, role);

  const baseline = await start(['--import', 'tsx', join(__dirname, 'baseline-server.ts')], process.env);
  const baselineOrigin = `http://127.0.0.1:${String(baseline.first.port)}`;
  await blast(baselineOrigin, warm.list);
  const bareCpu = cpuSeconds(baseline.child.pid);
  const bare = await blast(baselineOrigin, measured.list);
  bare.cpuMicros = ((cpuSeconds(baseline.child.pid) - bareCpu) / bare.acked) * 1e6;
  await stop(baseline.child);

  await provisionSchema(adminUrl, { schema: floorSchema, role });
  const floorDb = createDb({ url: serviceUrl, schema: floorSchema, poolMax: 1 });
  await floorDb.raw(`
    CREATE TABLE webhooks (dedupe_key text PRIMARY KEY, body text NOT NULL);
    CREATE TABLE outbox (seq bigserial PRIMARY KEY, payload text NOT NULL);`);
  const floorServer = await start(['--import', 'tsx', join(__dirname, 'baseline-server.ts')], {
    ...process.env,
    BASELINE_STORE_URL: serviceUrl,
    BASELINE_STORE_SCHEMA: floorSchema,
    BASELINE_TOPIC: `${prefix}floor`,
    KAFKA_BROKERS: brokers,
  });
  const floorOrigin = `http://127.0.0.1:${String(floorServer.first.port)}`;
  await blast(floorOrigin, warm.list);
  const floorCpu = cpuSeconds(floorServer.child.pid);
  const floor = await blast(floorOrigin, measured.list);
  floor.cpuMicros = ((cpuSeconds(floorServer.child.pid) - floorCpu) / floor.acked) * 1e6;
  // It exits once every stored webhook is published.
  const floorStopped = Date.now();
  await stop(floorServer.child);
  const floorDrainSeconds = (Date.now() - floorStopped) / 1000;
  // A failed publish makes it exit with 1.
  const floorPublished = floorServer.child.exitCode === 0;
  const [{ floorStored, floorQueued }] = (
    await floorDb.raw(
      `SELECT (SELECT count(*) FROM webhooks)::int AS "floorStored", (SELECT count(*) FROM outbox)::int AS "floorQueued"`,
    )
  ).rows as [{ floorStored: number; floorQueued: number }];
  await floorDb.destroy();

  const port = 20000 + Math.floor(Math.random() * 20000);
  const origin = `http://127.0.0.1:${port}`;
  const profile = values.profile ? ['--cpu-prof', `--cpu-prof-dir=${values.profile}`] : [];
  const service = spawn(
    process.execPath,
    [...profile, '--import', 'tsx', join(__dirname, '..', 'src', 'main.ts')],
    {
      env: {
        ...process.env,
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        PORT: String(port),
        DATABASE_URL: serviceUrl,
        DB_SCHEMA: schema,
        KAFKA_BROKERS: brokers,
        TOPIC_PREFIX: prefix,
        STRIPE_WEBHOOK_SECRET: secret,
        WEBHOOK_PUBLIC_URL: origin,
        ...(values.trace ? {} : { OTEL_SDK_DISABLED: 'true' }),
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  let ours: Result;
  let commits: string;
  const relayFigures = { behind: NaN, drainSeconds: NaN };
  try {
    await waitReady(origin);
    await blast(origin, warm.list);
    const cpu = cpuSeconds(service.pid);
    ours = await blast(origin, measured.list);
    ours.cpuMicros = ((cpuSeconds(service.pid) - cpu) / ours.acked) * 1e6;
    commits = await groupCommitFigures(origin);
    const drainStarted = Date.now();
    relayFigures.behind = await unpublished(serviceUrl);
    await outboxDrained(serviceUrl);
    relayFigures.drainSeconds = (Date.now() - drainStarted) / 1000;
  } finally {
    // Graceful stop: the group commit and the outbox relay finish what they hold.
    await stop(service);
  }

  const expectedIds = [...warm.ids, ...measured.ids];
  const db = createDb({ url: serviceUrl, schema, poolMax: 1 });
  const [{ stored }] = (await db.raw(`SELECT count(*)::int AS stored FROM webhooks`)).rows as [
    { stored: number },
  ];
  const [{ deliveries: deliveryCount }] = (
    await db.raw(`SELECT sum(deliveries)::int AS deliveries FROM webhooks`)
  ).rows as [{ deliveries: number }];
  const [{ queued, unpublished: left, cycles }] = (
    await db.raw(
      `SELECT count(*)::int AS queued, count(*) FILTER (WHERE published_at IS NULL)::int AS unpublished,
              count(DISTINCT published_at)::int AS cycles FROM outbox`,
    )
  ).rows as [{ queued: number; unpublished: number; cycles: number }];
  await db.destroy();
  const seen = await publishedCounts(expectedIds.length);
  const missing = expectedIds.filter((id) => !seen.has(id)).length;
  const doubled = [...seen.values()].filter((n) => n > 1).length;
  const exactlyOnce =
    stored === expectedIds.length &&
    queued === expectedIds.length &&
    missing === 0 &&
    doubled === 0 &&
    seen.size === expectedIds.length;

  const row = (name: string, r: Result) =>
    `${name.padEnd(36)} ${r.perSecond.toFixed(0).padStart(9)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)} ${String(r.failed).padStart(7)} ${r.seconds.toFixed(2).padStart(8)} ${(r.cpuMicros ?? NaN).toFixed(0).padStart(10)}`;
  console.log(
    `webhooks=${TOTAL} distinct=${unique} duplicates=${TOTAL - unique} connections=${CONNECTIONS} tracing=${values.trace ? 'on' : 'off'}`,
  );
  console.log(
    `${'server'.padEnd(36)} ${'acked/s'.padStart(9)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'failed'.padStart(7)} ${'seconds'.padStart(8)} ${'cpu µs/ack'.padStart(10)}`,
  );
  console.log(row('bare Node HTTP (baseline)', bare));
  console.log(row('bare HTTP + durable store (floor)', floor));
  console.log(row('webhook-ingest (verify+store+outbox)', ours));
  console.log(commits);
  console.log(
    `relay: ${cycles} publish cycles (${(queued / Math.max(1, cycles)).toFixed(1)} events each); ${relayFigures.behind} events not yet published when the last webhook was acked, drained ${relayFigures.drainSeconds.toFixed(2)} s later`,
  );
  console.log(
    `exactly_once=${exactlyOnce ? 'yes' : 'NO'} (distinct ${expectedIds.length}, stored ${stored}, deliveries counted ${deliveryCount}, ` +
      `outbox ${queued} (${left} unpublished), published distinct ${seen.size}, missing ${missing}, published twice ${doubled})`,
  );
  console.log(
    `floor: ${floorStored} webhooks stored, ${floorQueued} outbox rows (distinct ${expectedIds.length}), ` +
      (floorPublished
        ? `all published ${floorDrainSeconds.toFixed(2)} s after the last ack`
        : 'publishing FAILED (its figures do not count)'),
  );
  console.log(`ack_p99_ms=${ours.p99.toFixed(2)} floor_ack_p99_ms=${floor.p99.toFixed(2)}`);
  console.log(`floor_ratio=${(floor.perSecond / bare.perSecond).toFixed(2)}`);
  console.log(`ratio=${(ours.perSecond / bare.perSecond).toFixed(2)}`);

  if (!values.keep) {
    await dropSchema(adminUrl, schema);
    await dropSchema(adminUrl, floorSchema);
    const admin = kafka.admin();
    await admin.connect();
    await admin
      .deleteTopics({ topics: (await admin.listTopics()).filter((t: string) => t.startsWith(prefix)) })
      .catch(() => undefined);
    await admin.disconnect();
  }
  process.exit(exactlyOnce ? 0 : 1);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
