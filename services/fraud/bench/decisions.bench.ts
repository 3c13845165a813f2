/**
 * pnpm --filter @matchday/fraud bench:decisions [--bookings 2000] [--rate 200] [--users 400] [--partitions 6]
 *
 * Fraud decision latency against the goal (p99 < 50 ms from event to decision).
 * `booking.created` events are published at a steady rate, as booking would; fraud runs in process
 * against the local Postgres and Kafka with its default rules; its `fraud.assessed` events are read
 * back from Kafka. The baseline, measured in the same run on the same broker at the same rate, is
 * raw kafkajs produce → consume of the same payloads: the transport alone.
 *
 * Prints p50/p95/p99 of event → decision committed (the decision's CloudEvents time, what the
 * `fraud_decision_duration_seconds` metric measures) and event → decision read from Kafka, then
 * `ratio=` (our read-back p99 ÷ raw p99) and `decided_p99_ratio=` (decided p99 ÷ 50 ms goal).
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createKafka, ensureTopics, idempotentProducer } from '@matchday/bus';
import { buildEvent, fromWire, toWire } from '@matchday/contracts';
import { createLogger, registry } from '@matchday/observability';
import { closeTestKafka, deleteTopics, isolation, serviceDb, testInfra } from '@matchday/testkit';
import type { Kafka, Message } from 'kafkajs';
import { loadFraudConfig } from '../src/config';
import { migrations } from '../src/db/migrations';
import { buildService } from '../src/service';

const { values } = parseArgs({
  options: {
    bookings: { type: 'string', default: '2000' },
    rate: { type: 'string', default: '200' },
    users: { type: 'string', default: '400' },
    partitions: { type: 'string', default: '6' },
  },
});
const N = Number(values.bookings);
const RATE = Number(values.rate);
const USERS = Number(values.users);
const PARTITIONS = Number(values.partitions);
const GOAL_MS = 50;

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends `make(i)` for i in [0, N) at RATE per second, in 20 ms slices. */
async function paced(send: (messages: Message[]) => Promise<unknown>, make: (i: number) => Message): Promise<void> {
  const t0 = Date.now();
  const perSlice = Math.max(1, Math.round(RATE / 50));
  for (let i = 0; i < N; i += perSlice) {
    const messages: Message[] = [];
    for (let j = i; j < Math.min(N, i + perSlice); j++) messages.push(make(j));
    await send(messages);
    const due = t0 + ((i + perSlice) / RATE) * 1000;
    if (due > Date.now()) await sleep(due - Date.now());
  }
}

function bookingCreated(i: number, run: string) {
  const user = i % USERS;
  const bookingId = `${run}-b${i}`;
  return buildEvent(
    'booking.created.v1',
    {
      bookingId,
      matchId: `${run}-m${i % 20}`,
      userId: `${run}-u${user}`,
      holdId: `${run}-h${i}`,
      quantity: 2,
      unitPrice: 4500,
      amount: 9000,
      currency: 'EUR',
      paymentDeadline: new Date(Date.now() + 900_000).toISOString(),
      payers: [{ payerId: `${run}-p${i}`, amount: 9000, currency: 'EUR' }],
      customer: {
        ip: `10.${user % 250}.${(user >> 8) % 250}.1`,
        deviceId: `${run}-d${user}`,
        cardFingerprint: `${run}-fp${user}`,
        cardCountry: 'DE',
        country: user % 10 === 0 ? 'FR' : 'DE',
        accountCreatedAt: new Date(Date.now() - 30 * 86400_000).toISOString(),
      },
    },
    { source: 'booking', subject: bookingId },
  );
}

async function baseline(kafka: Kafka, topic: string, run: string) {
  const producer = idempotentProducer(kafka);
  const consumer = kafka.consumer({ groupId: `${run}.raw` });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const latencies: number[] = [];
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  await consumer.run({
    eachMessage: async ({ message }) => {
      latencies.push(Date.now() - Number(message.headers?.sent?.toString()));
      if (latencies.length >= N) done();
    },
  });
  await sleep(1500);
  await paced(
    (messages) => producer.send({ topic, acks: -1, messages }),
    (i) => {
      const wire = toWire(bookingCreated(i, run));
      return { key: wire.key, value: wire.value, headers: { ...wire.headers, sent: String(Date.now()) } };
    },
  );
  await finished;
  await consumer.disconnect();
  await producer.disconnect();
  return { p50: pct(latencies, 50), p95: pct(latencies, 95), p99: pct(latencies, 99) };
}

async function fraud(kafka: Kafka, prefix: string, run: string) {
  const iso = isolation();
  const schema = iso.schema('fraud');
  const sdb = await serviceDb('fraud', schema, { migrations: migrations(schema), poolMax: 5 });
  const infra = await testInfra();
  const config = loadFraudConfig({
    DATABASE_URL: sdb.url,
    DB_SCHEMA: schema,
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    TOPIC_PREFIX: prefix,
    LOG_LEVEL: 'error',
    CONSUMER_SESSION_TIMEOUT_MS: '10000',
  });
  const svc = buildService(config, { db: sdb.db, logger: createLogger({ service: 'fraud', level: 'error' }) });

  const decided: number[] = [];
  const observed: number[] = [];
  const decisions = new Map<string, number>();
  const sentAt = new Map<string, number>();
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const reader = kafka.consumer({ groupId: `${run}.reader` });
  await reader.connect();
  await reader.subscribe({ topics: [`${prefix}fraud.decisions`], fromBeginning: true });
  await reader.run({
    eachMessage: async ({ message }) => {
      const now = Date.now();
      const event = fromWire(message);
      if (event.type !== 'fraud.assessed.v1') return;
      const sent = sentAt.get(event.subject);
      if (sent === undefined) return;
      decided.push(Date.parse(event.time) - sent);
      observed.push(now - sent);
      const d = (event.data as { decision: string }).decision;
      decisions.set(d, (decisions.get(d) ?? 0) + 1);
      if (observed.length >= N) done();
    },
  });
  await svc.start();
  await sleep(3000);

  const producer = idempotentProducer(kafka);
  await producer.connect();
  await paced(
    (messages) => producer.send({ topic: `${prefix}booking.events`, acks: -1, messages }),
    (i) => {
      const event = bookingCreated(i, run);
      sentAt.set(event.subject, Date.parse(event.time));
      const wire = toWire(event);
      return { key: wire.key, value: wire.value, headers: wire.headers };
    },
  );
  await finished;
  /** Sum of a histogram's `_sum` or `_count` series over all labels. */
  const metric = async (base: string, part: 'sum' | 'count'): Promise<number> => {
    const values = (await registry.getSingleMetric(base)?.get())?.values ?? [];
    return values.filter((v) => (v as { metricName?: string }).metricName === `${base}_${part}`).reduce((s, v) => s + v.value, 0);
  };
  const assessMs = (1000 * (await metric('fraud_assessment_duration_seconds', 'sum'))) / Math.max(1, await metric('fraud_assessment_duration_seconds', 'count'));
  const processMs =
    (1000 * (await metric('messaging_process_duration_seconds', 'sum'))) / Math.max(1, await metric('messaging_process_duration_seconds', 'count'));
  await producer.disconnect();
  await reader.disconnect();
  await svc.stop();
  await sdb.destroy();
  return {
    decided: { p50: pct(decided, 50), p95: pct(decided, 95), p99: pct(decided, 99) },
    observed: { p50: pct(observed, 50), p95: pct(observed, 95), p99: pct(observed, 99) },
    decisions: Object.fromEntries(decisions),
    assessMs,
    processMs,
  };
}

async function main() {
  const infra = await testInfra();
  const kafka = createKafka({ brokers: infra.kafkaBrokers, clientId: 'bench-fraud' });
  const run = `bf${randomUUID().slice(0, 6)}`;
  const prefix = `${run}.`;
  await ensureTopics(kafka, { prefix, groups: ['fraud'], partitions: PARTITIONS });
  try {
    // The baseline uses a topic fraud does not read, with the same partitions.
    const raw = await baseline(kafka, `${prefix}notification.events`, run);
    const ours = await fraud(kafka, prefix, run);
    const row = (name: string, r: { p50: number; p95: number; p99: number }) =>
      `${name.padEnd(40)} ${String(r.p50).padStart(7)} ${String(r.p95).padStart(7)} ${String(r.p99).padStart(7)}`;
    console.log(`bookings=${N} rate=${RATE}/s users=${USERS} partitions=${PARTITIONS} goal_p99_ms=${GOAL_MS}`);
    console.log(`${'path'.padEnd(40)} ${'p50 ms'.padStart(7)} ${'p95 ms'.padStart(7)} ${'p99 ms'.padStart(7)}`);
    console.log(row('raw kafkajs produce→consume', raw));
    console.log(row('booking.created → decision committed', ours.decided));
    console.log(row('booking.created → fraud.assessed read', ours.observed));
    console.log(`decisions=${JSON.stringify(ours.decisions)}`);
    console.log(`mean scoring ${ours.assessMs.toFixed(1)} ms, mean apply per message (inbox+effect, from chunk start) ${ours.processMs.toFixed(1)} ms`);
    console.log(`decided_p99_ratio=${(ours.decided.p99 / GOAL_MS).toFixed(2)}`);
    console.log(`ratio=${(ours.observed.p99 / Math.max(1, raw.p99)).toFixed(2)}`);
  } finally {
    await deleteTopics(prefix);
    await closeTestKafka();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
