/**
 * pnpm bench:rush — a booking rush over HTTP against the real local stack.
 *
 * Defaults reproduce the scenario: 10,000 hold attempts (one slot each, each from its own
 * fan) from 1,000 concurrent clients on one 500-slot match, through the booking service running as
 * its own process (`tsx src/main.ts`, Redis admission, Postgres, outbox relay to Kafka).
 *
 * The baseline, measured in the same run: the raw Postgres ceiling of the very statement the service
 * runs for a hold (PLACE_HOLD_SQL: conditional update of the match row, hold insert, outbox insert),
 * sent by a bare `pg` pool of the same size from the same number of concurrent callers, on a match
 * with enough slots that every statement takes one (the contended write a hold is), in a twin schema
 * with no service attached. Ceiling = those transactions per second.
 *
 *   ratio         = decided attempts/s (sold or refused, until the last answer) ÷ ceiling
 *   sellout_ratio = successful holds/s until the match sold out ÷ ceiling
 *
 * Flags: --attempts N --clients N --slots N --pool N --ceiling N (statements for the baseline)
 *        --warmup N (attempts on a throw-away match first; 0 to skip) --trace (service with tracing on)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createKafka, ensureTopics } from '@matchday/bus';
import { buildEvent } from '@matchday/contracts';
import { createDb, dropSchema, migrate, provisionSchema, urlForRole } from '@matchday/db';
import { Pool as PgPool } from 'pg';
import { createClient } from 'redis';
import { Pool } from 'undici';
import { PLACE_HOLD_SQL, placeHoldBindings, positional } from '../src/db/hold-statement';
import { bookingMigrations } from '../src/db/migrations';
import { outboxRow } from '../src/db/outbox-row';
import { GROUP } from '../src/service';

const { values: flags } = parseArgs({
  options: {
    attempts: { type: 'string', default: '10000' },
    clients: { type: 'string', default: '1000' },
    slots: { type: 'string', default: '500' },
    pool: { type: 'string', default: '5' },
    ceiling: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '500' },
    trace: { type: 'boolean', default: false },
  },
});
const ATTEMPTS = Number(flags.attempts);
const CLIENTS = Number(flags.clients);
const SLOTS = Number(flags.slots);
const POOL = Number(flags.pool);
const CEILING_TX = Number(flags.ceiling);
const WARMUP = Number(flags.warmup);

const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/matchday_test';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const run = `bench${randomUUID().slice(0, 8)}`;
const schema = `${run}_booking`;
const rawSchema = `${run}_raw`;
const topicPrefix = `${run}.`;
const redisPrefix = `${run}:`;
const role = 'matchday_booking';
const serviceUrl = urlForRole(ADMIN_URL, role);

const admin = { 'x-user-id': 'bench-admin', 'x-user-roles': 'admin', 'content-type': 'application/json' };
const log = (msg: string) => process.stderr.write(`${msg}\n`);

interface Attempt {
  status: number;
  startedMs: number;
  endedMs: number;
}

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

/** Starts the service as its own process and resolves with its base URL once it listens. */
async function startService(): Promise<{ child: ChildProcess; base: string }> {
  // One process (tsx as a loader, not its CLI wrapper), so its CPU time can be read from /proc.
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'src', 'main.ts')], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: serviceUrl,
      DB_SCHEMA: schema,
      DB_POOL_MAX: String(POOL),
      KAFKA_BROKERS: BROKERS.join(','),
      TOPIC_PREFIX: topicPrefix,
      REDIS_URL,
      REDIS_PREFIX: redisPrefix,
      // Tracing off unless --trace, as in the tests: the figures are the booking path's own.
      ...(flags.trace ? {} : { OTEL_SDK_DISABLED: 'true' }),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('service did not start within 60 s')), 60_000);
    child.once('exit', (code) => reject(new Error(`service exited with ${code}`)));
    lines.on('line', (line) => {
      let entry: { msg?: string; port?: number; level?: string };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        return;
      }
      if (entry.level === 'error') log(`service: ${line}`);
      if (entry.msg === 'listening' && entry.port) {
        clearTimeout(timer);
        resolve({ child, base: `http://127.0.0.1:${entry.port}` });
      }
    });
  });
}

async function createMatch(http: Pool, capacity: number): Promise<string> {
  const res = await http.request({
    method: 'POST',
    path: '/v1/admin/matches',
    headers: { ...admin, 'idempotency-key': randomUUID() },
    body: JSON.stringify({
      title: 'Bench derby',
      venue: 'Bench stadium',
      kickoffAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      capacity,
      unitPrice: 5000,
      currency: 'EUR',
    }),
  });
  const body = (await res.body.json()) as { matchId?: string };
  if (res.statusCode !== 201 || !body.matchId) throw new Error(`create match: ${res.statusCode} ${JSON.stringify(body)}`);
  return body.matchId;
}

/** CPU time (user + system, ms) a process used so far, from /proc (0 where there is none). */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

/** Opens `clients` keep-alive connections (concurrent health checks, retried until all succeed). */
async function connectAll(http: Pool, clients: number): Promise<void> {
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let attempt = 0; attempt < 5; attempt++) {
        try {
          const res = await http.request({ method: 'GET', path: '/health/live' });
          await res.body.dump();
          return;
        } catch {
          // retried
        }
      }
    }),
  );
}

/** `attempts` hold attempts from `clients` concurrent clients, each attempt a different fan. */
async function rush(http: Pool, matchId: string, attempts: number, clients: number, userPrefix: string): Promise<{ results: Attempt[]; t0: number; t1: number }> {
  const results: Attempt[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(clients, attempts) }, async () => {
      for (let i = next++; i < attempts; i = next++) {
        const startedMs = performance.now();
        let status: number;
        try {
          const res = await http.request({
            method: 'POST',
            path: '/v1/holds',
            headers: {
              'content-type': 'application/json',
              'idempotency-key': `${userPrefix}-${i}`,
              'x-user-id': `${userPrefix}-${i}`,
              'x-user-roles': 'fan',
            },
            body: JSON.stringify({ matchId, quantity: 1 }),
          });
          status = res.statusCode;
          await res.body.dump();
        } catch {
          status = -1;
        }
        results.push({ status, startedMs, endedMs: performance.now() });
      }
    }),
  );
  return { results, t0, t1: performance.now() };
}

/** The raw Postgres ceiling: PLACE_HOLD_SQL over a bare pg pool, every statement taking a slot. */
async function ceiling(): Promise<{ perSecond: number; placed: number }> {
  const matchId = randomUUID();
  const db = createDb({ url: serviceUrl, schema: rawSchema, poolMax: 1, name: `${rawSchema}-setup` });
  await migrate(db, { schema: rawSchema, migrations: bookingMigrations(rawSchema) });
  const now = new Date();
  await db('matches').insert({
    id: matchId,
    title: 'Ceiling',
    venue: 'Raw',
    kickoff_at: new Date(now.getTime() + 7 * 86_400_000),
    capacity: CEILING_TX,
    unit_price: 5000,
    currency: 'EUR',
    status: 'SCHEDULED',
    available_slots: CEILING_TX,
    created_at: now,
    updated_at: now,
  });
  await db.destroy();

  const pg = new PgPool({ connectionString: serviceUrl, max: POOL, options: `-c search_path=${rawSchema}` });
  const sql = positional(PLACE_HOLD_SQL);
  // Warm the pool's connections and the plan once.
  await Promise.all(Array.from({ length: POOL }, () => pg.query('SELECT 1')));
  let next = 0;
  let placed = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(CLIENTS, CEILING_TX) }, async () => {
      for (let i = next++; i < CEILING_TX; i = next++) {
        const holdId = randomUUID();
        const at = new Date();
        const expiresAt = new Date(at.getTime() + 600_000);
        const event = buildEvent(
          'hold.placed.v1',
          { holdId, matchId, userId: `raw-${i}`, quantity: 1, expiresAt: expiresAt.toISOString() },
          { source: 'booking', subject: holdId },
        );
        const { rows } = await pg.query(
          sql,
          placeHoldBindings({ holdId, matchId, userId: `raw-${i}`, quantity: 1, sessionId: null, deviceId: null, expiresAt, now: at, event: outboxRow(event) }),
        );
        if ((rows[0] as { placed: number }).placed === 1) placed++;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  await pg.end();
  return { perSecond: placed / seconds, placed };
}

async function main(): Promise<void> {
  log(`bench:rush ${ATTEMPTS} attempts, ${CLIENTS} clients, ${SLOTS} slots, pool ${POOL}; schema ${schema}`);
  await provisionSchema(ADMIN_URL, { schema, role });
  await provisionSchema(ADMIN_URL, { schema: rawSchema, role });
  const kafka = createKafka({ brokers: BROKERS, clientId: 'bench-rush' });
  await ensureTopics(kafka, { prefix: topicPrefix, groups: [GROUP], partitions: 1 });
  const setup = createDb({ url: serviceUrl, schema, poolMax: 1, name: `${schema}-setup` });
  await migrate(setup, { schema, migrations: bookingMigrations(schema) });

  const { child, base } = await startService();
  const http = new Pool(base, { connections: CLIENTS, pipelining: 1, keepAliveTimeout: 60_000 });
  let exitCode = 0;
  try {
    if (WARMUP > 0) {
      const warm = await createMatch(http, Math.max(1, Math.floor(WARMUP / 4)));
      await rush(http, warm, WARMUP, Math.min(CLIENTS, WARMUP), `warm-${run}`);
    }
    const matchId = await createMatch(http, SLOTS);
    // The clients' connections are open before the clock starts, as the gateway's keep-alive pool
    // to booking would be: 1,000 simultaneous handshakes overflow the listen backlog (511) and
    // would measure SYN retransmission timers instead of the service.
    await connectAll(http, CLIENTS);
    log('rush…');
    const serviceCpu0 = cpuMs(child.pid);
    const benchCpu0 = process.cpuUsage();
    const { results, t0, t1 } = await rush(http, matchId, ATTEMPTS, CLIENTS, `fan-${run}`);
    const serviceCpu = cpuMs(child.pid) - serviceCpu0;
    const benchCpu = process.cpuUsage(benchCpu0);
    if (process.env.BENCH_DUMP) writeFileSync(process.env.BENCH_DUMP, JSON.stringify(results.map((r) => [r.status, Math.round(r.startedMs - t0), Math.round(r.endedMs - t0)])));
    const held = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status === 409);
    const failed = results.length - held.length - refused.length;
    const selloutMs = Math.max(...held.map((r) => r.endedMs)) - t0;
    const latencies = results.map((r) => r.endedMs - r.startedMs).sort((a, b) => a - b);
    const row = (await setup('matches').where({ id: matchId }).first()) as { capacity: number; held_slots: number; confirmed_slots: number };
    const activeHolds = Number(
      ((await setup('holds').where({ match_id: matchId, status: 'ACTIVE' }).sum({ n: 'quantity' })) as Array<{ n: string | null }>)[0]?.n ?? 0,
    );
    const oversold = Math.max(0, row.held_slots + row.confirmed_slots - row.capacity, activeHolds - row.capacity, held.length - SLOTS);

    log('raw postgres ceiling…');
    const raw = await ceiling();

    const decidedPerSecond = results.length / ((t1 - t0) / 1000);
    const holdsPerSecond = held.length / (selloutMs / 1000);
    const fmt = (n: number, digits = 0) => n.toFixed(digits).padStart(10);
    console.log('');
    console.log('| measure                                   |      value |');
    console.log('|-------------------------------------------|-----------:|');
    console.log(`| attempts decided                          | ${fmt(results.length)} |`);
    console.log(`| holds placed (201)                        | ${fmt(held.length)} |`);
    console.log(`| refused sold out (409)                    | ${fmt(refused.length)} |`);
    console.log(`| other answers / errors                    | ${fmt(failed)} |`);
    console.log(`| decided attempts/s                        | ${fmt(decidedPerSecond)} |`);
    console.log(`| successful holds/s until sell-out         | ${fmt(holdsPerSecond)} |`);
    console.log(`| sell-out after (ms)                       | ${fmt(selloutMs)} |`);
    console.log(`| latency p50 (ms)                          | ${fmt(quantile(latencies, 0.5), 1)} |`);
    console.log(`| latency p99 (ms)                          | ${fmt(quantile(latencies, 0.99), 1)} |`);
    console.log(`| latency max (ms)                          | ${fmt(latencies[latencies.length - 1] ?? 0, 1)} |`);
    const done = results.map((r) => r.endedMs - t0).sort((a, b) => a - b);
    console.log(`| 99% of attempts answered after (ms)       | ${fmt(quantile(done, 0.99))} |`);
    console.log(`| oversold                                  | ${fmt(oversold)} |`);
    console.log(`| raw Postgres ceiling (hold statements/s)  | ${fmt(raw.perSecond)} |`);
    console.log(`| service CPU per attempt (ms)              | ${fmt(serviceCpu / results.length, 3)} |`);
    console.log(`| load generator CPU per attempt (ms)       | ${fmt((benchCpu.user + benchCpu.system) / 1000 / results.length, 3)} |`);
    console.log(`| machine load average (1 min)              | ${fmt(loadavg()[0] ?? 0, 2)} |`);
    console.log(`| tracing in the service                    | ${(flags.trace ? 'on' : 'off').padStart(10)} |`);
    console.log('');
    console.log(`ratio=${(decidedPerSecond / raw.perSecond).toFixed(2)}`);
    console.log(`sellout_ratio=${(holdsPerSecond / raw.perSecond).toFixed(2)}`);
    if (oversold > 0 || held.length !== SLOTS || failed > 0) exitCode = 1;
  } finally {
    await http.close();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await setup.destroy();
    await dropSchema(ADMIN_URL, schema);
    await dropSchema(ADMIN_URL, rawSchema);
    const redis = createClient({ url: REDIS_URL });
    await redis.connect();
    const keys = await redis.keys(`${redisPrefix}*`);
    if (keys.length > 0) await redis.del(keys);
    await redis.close();
    const kadmin = kafka.admin();
    await kadmin.connect();
    const mine = (await kadmin.listTopics()).filter((t) => t.startsWith(topicPrefix));
    if (mine.length > 0) await kadmin.deleteTopics({ topics: mine }).catch(() => undefined);
    await kadmin.disconnect();
  }
  process.exit(exitCode);
}

main().catch((err: unknown) => {
  log(`bench:rush failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
