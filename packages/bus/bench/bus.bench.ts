/**
 * pnpm bench:bus [--events 20000] [--tx 50] [--writers 4] [--partitions 6]
 *
 * Outbox → relay → Kafka → idempotent consumer (inbox + effect in one transaction), against raw
 * kafkajs produce → consume of the same messages measured in the same run on the same broker.
 * Prints throughput and end-to-end latency for both, then `ratio=` (ours ÷ raw throughput) and
 * `p99_ratio=` (our p99 ÷ raw p99). The headline uses a batch handler (one effect statement per
 * chunk); the same pipeline with a per-event handler is printed too, as `per_event_ratio=`.
 */
import { parseArgs } from 'node:util';
import { buildEvent, type MatchdayEvent } from '@matchday/contracts';
import { createDb, dropSchema, type Knex, migrate, provisionSchema, urlForRole } from '@matchday/db';
import { createLogger } from '@matchday/observability';
import {
  busMigrations,
  createKafka,
  createQueueManager,
  ensureTopics,
  idempotentProducer,
  waitForLeaders,
} from '../src';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    tx: { type: 'string', default: '50' },
    partitions: { type: 'string', default: '6' },
    writers: { type: 'string', default: '4' },
  },
});
const N = Number(values.events);
const PER_TX = Number(values.tx);
const PARTITIONS = Number(values.partitions);
const WRITERS = Number(values.writers);

/** Runs `batch(from, to)` over [0, N) in PER_TX slices from WRITERS concurrent writers (both pipelines alike). */
async function writeAll(batch: (from: number, to: number) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (next < N) {
        const from = next;
        next += PER_TX;
        await batch(from, Math.min(from + PER_TX, N));
      }
    }),
  );
}
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/matchday_test';
const logger = createLogger({ service: 'bench-bus', level: 'error' });
const run = `bench${Date.now().toString(36)}`;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

const data = (i: number) => ({
  bookingId: `b${i}`,
  matchId: 'm1',
  userId: `u${i}`,
  quantity: 2,
  amount: 9000,
  currency: 'EUR',
});

async function raw(kafka: ReturnType<typeof createKafka>, topic: string) {
  const producer = idempotentProducer(kafka);
  const consumer = kafka.consumer({ groupId: `${run}.raw` });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const latencies: number[] = [];
  let seen = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  await consumer.run({
    partitionsConsumedConcurrently: 2,
    eachBatch: async ({ batch }) => {
      const now = Date.now();
      for (const m of batch.messages) {
        latencies.push(now - Number(m.headers?.sent?.toString()));
        seen++;
      }
      if (seen >= N) resolveDone();
    },
  });
  await new Promise((r) => setTimeout(r, 1500));
  const t0 = Date.now();
  await writeAll(async (from, to) => {
    const messages = [];
    for (let j = from; j < to; j++) {
      messages.push({ key: `b${j}`, value: JSON.stringify(data(j)), headers: { sent: String(Date.now()) } });
    }
    await producer.send({ topic, acks: -1, messages });
  });
  await done;
  const seconds = (Date.now() - t0) / 1000;
  await consumer.disconnect();
  await producer.disconnect();
  return { throughput: N / seconds, p50: pct(latencies, 50), p99: pct(latencies, 99), seconds };
}

/**
 * `batch`: the consumer applies each chunk's new events with one statement (batchHandler);
 * otherwise one statement per event (handler). Both record every event in the inbox first.
 */
async function ours(kafka: ReturnType<typeof createKafka>, prefix: string, batch: boolean) {
  const srcSchema = `${run}_${batch ? 'b' : 'e'}_src`;
  const dstSchema = `${run}_${batch ? 'b' : 'e'}_dst`;
  await provisionSchema(adminUrl, { schema: srcSchema, role: 'matchday_bench' });
  await provisionSchema(adminUrl, { schema: dstSchema, role: 'matchday_bench' });
  const url = urlForRole(adminUrl, 'matchday_bench');
  const src = createDb({ url, schema: srcSchema, poolMax: WRITERS + 2 });
  const dst = createDb({ url, schema: dstSchema, poolMax: 6 });
  await migrate(src, { schema: srcSchema, migrations: busMigrations(srcSchema) });
  await migrate(dst, {
    schema: dstSchema,
    migrations: [
      ...busMigrations(dstSchema),
      {
        name: '001',
        up: async (k) => void (await k.raw('CREATE TABLE effects (booking_id text PRIMARY KEY, n int)')),
      },
    ],
  });
  const source = createQueueManager({
    service: 'bench',
    db: src,
    schema: srcSchema,
    databaseUrl: url,
    brokers,
    topicPrefix: prefix,
    logger,
  });
  const sink = createQueueManager({
    service: 'bench-sink',
    db: dst,
    schema: dstSchema,
    databaseUrl: url,
    brokers,
    topicPrefix: prefix,
    logger,
    relay: { enabled: false },
  });
  const latencies: number[] = [];
  let seen = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  sink.subscribe({
    group: 'sink',
    topics: ['booking.events'],
    partitionsConsumedConcurrently: PARTITIONS,
    batchSize: 500,
    ...(batch
      ? {
          batchHandler: async (events: MatchdayEvent[], { trx }: { trx: Knex.Transaction }) => {
            await trx.raw(
              'INSERT INTO effects SELECT unnest(?::text[]), 1 ON CONFLICT (booking_id) DO UPDATE SET n = effects.n + 1',
              [events.map((e) => (e.data as { bookingId: string }).bookingId)],
            );
            const now = Date.now();
            for (const e of events) latencies.push(now - Date.parse(e.time));
            if ((seen += events.length) >= N) resolveDone();
          },
        }
      : {
          handler: async (event: MatchdayEvent, { trx }: { trx: Knex.Transaction }) => {
            await trx.raw(
              'INSERT INTO effects VALUES (?, 1) ON CONFLICT (booking_id) DO UPDATE SET n = effects.n + 1',
              [(event.data as { bookingId: string }).bookingId],
            );
            latencies.push(Date.now() - Date.parse(event.time));
            if (++seen >= N) resolveDone();
          },
        }),
  });
  await sink.start();
  await source.start();
  await new Promise((r) => setTimeout(r, 1500));
  const t0 = Date.now();
  await writeAll(async (from, to) => {
    // Like the baseline's producer batches: one transaction (one outbox insert) per batch.
    const events: MatchdayEvent[] = [];
    for (let j = from; j < to; j++) {
      events.push(buildEvent('booking.confirmed.v1', data(j), { source: 'bench', subject: `b${j}` }));
    }
    await src.transaction((trx) => source.addToProcessingQueue(trx, events));
  });
  const written = (Date.now() - t0) / 1000;
  let drained = NaN;
  const watchRelay = (async () => {
    for (;;) {
      const { rows } = await src.raw('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL');
      if (rows[0].n === 0) return (drained = (Date.now() - t0) / 1000);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  await done;
  await watchRelay;
  const seconds = (Date.now() - t0) / 1000;
  console.log(
    `${batch ? 'batch handler' : 'per-event handler'} stages: outbox written ${written.toFixed(2)}s, relay drained ${drained.toFixed(2)}s, consumer done ${seconds.toFixed(2)}s`,
  );
  // Latency was taken inside the transaction; the applied count is checked after commit.
  await new Promise((r) => setTimeout(r, 500));
  const { rows } = await dst.raw('SELECT count(*)::int AS n, max(n)::int AS max FROM effects');
  await source.stop();
  await sink.stop();
  await src.destroy();
  await dst.destroy();
  await dropSchema(adminUrl, srcSchema);
  await dropSchema(adminUrl, dstSchema);
  return {
    throughput: N / seconds,
    p50: pct(latencies, 50),
    p99: pct(latencies, 99),
    seconds,
    applied: rows[0],
  };
}

async function main() {
  const kafka = createKafka({ brokers, clientId: 'bench-bus', logger });
  const prefix = `${run}.`;
  await ensureTopics(kafka, { prefix, groups: ['sink'], topics: ['booking.events'], partitions: PARTITIONS });
  const admin = kafka.admin();
  await admin.connect();
  const rawTopic = `${prefix}raw`;
  await admin.createTopics({
    topics: [{ topic: rawTopic, numPartitions: PARTITIONS, replicationFactor: 1 }],
    waitForLeaders: false,
  });
  await waitForLeaders(admin, [rawTopic]);
  await admin.disconnect();

  await ensureTopics(kafka, {
    prefix: `${prefix}e.`,
    groups: ['sink'],
    topics: ['booking.events'],
    partitions: PARTITIONS,
  });
  const baseline = await raw(kafka, rawTopic);
  const mine = await ours(kafka, prefix, true);
  const perEvent = await ours(kafka, `${prefix}e.`, false);

  const row = (name: string, r: { throughput: number; p50: number; p99: number; seconds: number }) =>
    `${name.padEnd(34)} ${r.throughput.toFixed(0).padStart(10)} ${String(r.p50).padStart(8)} ${String(r.p99).padStart(8)} ${r.seconds.toFixed(2).padStart(8)}`;
  console.log(`events=${N} per_tx=${PER_TX} writers=${WRITERS} partitions=${PARTITIONS}`);
  console.log(
    `${'pipeline'.padEnd(34)} ${'events/s'.padStart(10)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'seconds'.padStart(8)}`,
  );
  console.log(row('raw kafkajs produce→consume', baseline));
  console.log(row('outbox→relay→Kafka→inbox+effect', mine));
  console.log(row('  same, effect one event at a time', perEvent));
  for (const [name, r] of [
    ['batch', mine],
    ['per-event', perEvent],
  ] as const) {
    console.log(
      `applied_once_${name}=${r.applied.n === N && r.applied.max === 1 ? 'yes' : 'NO'} (${r.applied.n} rows, max applications ${r.applied.max})`,
    );
  }
  console.log(
    `per_event_ratio=${(perEvent.throughput / baseline.throughput).toFixed(2)} per_event_p99_ratio=${(perEvent.p99 / Math.max(1, baseline.p99)).toFixed(2)}`,
  );

  const cleanup = kafka.admin();
  await cleanup.connect();
  const mine2 = (await cleanup.listTopics()).filter((t) => t.startsWith(prefix));
  await cleanup.deleteTopics({ topics: mine2 }).catch(() => undefined);
  await cleanup.disconnect();

  console.log(`p99_ratio=${(mine.p99 / Math.max(1, baseline.p99)).toFixed(2)}`);
  console.log(`ratio=${(mine.throughput / baseline.throughput).toFixed(2)}`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
