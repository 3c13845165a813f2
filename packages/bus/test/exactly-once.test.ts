import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { buildEvent, type MatchdayEvent } from '@matchday/contracts';
import type { Knex } from '@matchday/db';
import {
  deleteTopics,
  eventually,
  isolation,
  probe,
  publishEvents,
  publishRaw,
  serviceDb,
  setupTopics,
  testInfra,
  type ServiceDb,
} from '@matchday/testkit';
import type { QueueManager } from '../src';
import { sinkBus, sinkMigrations, sourceBus } from './fixtures/services';
import { busMigrations, enqueue, pendingDeadLetters } from '../src';

const iso = isolation();
let brokers: string[];
let source: ServiceDb;
let sink: ServiceDb;
const running: QueueManager[] = [];

const confirmed = (n: number): MatchdayEvent =>
  buildEvent(
    'booking.confirmed.v1',
    { bookingId: `b${n}`, matchId: 'm1', userId: `u${n}`, quantity: 1, amount: 5000, currency: 'EUR' },
    { source: 'bussrc', subject: `b${n}` },
  );

const applied = async (db: Knex, id: string): Promise<number> =>
  Number((await db('effects').where({ event_id: id }).first())?.applied ?? 0);

/** Runs the crash fixture and resolves once the process is dead. */
function runUntilKilled(mode: 'relay' | 'consumer'): Promise<NodeJS.Signals | null> {
  const child = spawn(process.execPath, [require.resolve('tsx/cli'), join(__dirname, 'fixtures', 'crash.ts')], {
    env: {
      ...process.env,
      MODE: mode,
      KAFKA_BROKERS: brokers.join(','),
      PREFIX: iso.topicPrefix,
      SOURCE_URL: source.url,
      SOURCE_SCHEMA: source.schema,
      SINK_URL: sink.url,
      SINK_SCHEMA: sink.schema,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  // tsx runs the script in a child of its own and reports its SIGKILL as exit code 137.
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? (code === 137 ? 'SIGKILL' : null))),
  );
}

beforeAll(async () => {
  brokers = (await testInfra()).kafkaBrokers;
  await setupTopics(iso.topicPrefix, ['sink']);
  source = await serviceDb('bussrc', iso.schema('bussrc'), { migrations: busMigrations(iso.schema('bussrc')) });
  sink = await serviceDb('bussink', iso.schema('bussink'), { migrations: sinkMigrations(iso.schema('bussink')) });
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((b) => b.stop()));
});

afterAll(async () => {
  await source.destroy();
  await sink.destroy();
  await deleteTopics(iso.topicPrefix);
});

const startSink = async (sub?: Parameters<typeof sinkBus>[0]['sub']) => {
  const bus = sinkBus({ db: sink.db, url: sink.url, schema: sink.schema, brokers, prefix: iso.topicPrefix, sub });
  running.push(bus);
  await bus.start();
  return bus;
};
const startSource = async () => {
  const bus = sourceBus({ db: source.db, url: source.url, schema: source.schema, brokers, prefix: iso.topicPrefix });
  running.push(bus);
  await bus.start();
  return bus;
};

describe('outbox → Kafka → idempotent consumer', () => {
  it('when a state change commits, then its event is published and applied once; when it rolls back, never', async () => {
    await startSink();
    const src = await startSource();
    const kept = confirmed(1);
    const dropped = confirmed(2);
    await source.db.transaction((trx) => src.addToProcessingQueue(trx, kept));
    await source.db
      .transaction(async (trx) => {
        await src.addToProcessingQueue(trx, dropped);
        throw new Error('business rule failed');
      })
      .catch(() => undefined);
    await eventually(async () => (await applied(sink.db, kept.id)) === 1, { what: 'kept event applied' });
    expect(await applied(sink.db, dropped.id)).toBe(0);
    expect(await source.db('outbox').where({ id: kept.id }).whereNotNull('published_at').first()).toBeTruthy();
  });

  it('when the same event is delivered twice, then its effect is applied once', async () => {
    await startSink();
    const event = confirmed(3);
    const marker = confirmed(4);
    await publishEvents(iso.topicPrefix, [event, event, marker]);
    await eventually(async () => (await applied(sink.db, marker.id)) === 1, { what: 'marker applied' });
    expect(await applied(sink.db, event.id)).toBe(1);
    expect(await sink.db('inbox').where({ event_id: event.id }).count<{ count: string }[]>()).toEqual([{ count: '1' }]);
  });

  it('when the relay dies after Kafka acknowledged but before marking the row, then the event is republished and still applied once', async () => {
    const watch = await probe(iso.topicPrefix, ['booking.events']);
    const event = confirmed(5);
    await source.db.transaction((trx) => enqueue(trx, event));
    expect(await runUntilKilled('relay')).toBe('SIGKILL');
    // Kafka has it, the outbox still says unpublished.
    await watch.waitFor('booking.confirmed.v1', (e) => e.id === event.id);
    expect((await source.db('outbox').where({ id: event.id }).first()).published_at).toBeNull();
    await startSource();
    await eventually(async () => (await source.db('outbox').where({ id: event.id }).first()).published_at !== null, {
      what: 'row marked published by the next relay',
    });
    await watch.waitForCount((e) => e.id === event.id, 2);
    await startSink();
    await eventually(async () => (await applied(sink.db, event.id)) === 1, { what: 'applied' });
    const marker = confirmed(6);
    await publishEvents(iso.topicPrefix, [marker]);
    await eventually(async () => (await applied(sink.db, marker.id)) === 1, { what: 'marker applied' });
    expect(await applied(sink.db, event.id)).toBe(1);
    await watch.stop();
  });

  it('when the consumer dies after its effect but before committing the offset, then the redelivery is a no-op', async () => {
    const event = confirmed(7);
    await publishEvents(iso.topicPrefix, [event]);
    expect(await runUntilKilled('consumer')).toBe('SIGKILL');
    expect(await applied(sink.db, event.id)).toBe(1);
    await startSink();
    const marker = confirmed(8);
    await publishEvents(iso.topicPrefix, [marker]);
    await eventually(async () => (await applied(sink.db, marker.id)) === 1, { what: 'marker applied', timeoutMs: 60000 });
    expect(await applied(sink.db, event.id)).toBe(1);
    const redelivered = await sink.db('inbox').where({ event_id: event.id }).first();
    expect(redelivered).toBeTruthy();
  });
});

describe('retry topics, dead letters and replay', () => {
  it('when a handler keeps failing, then the message goes through the retry topics to the dead-letter topic with its error, and replay applies it once fixed', async () => {
    let broken = true;
    const attempts: number[] = [];
    const bus = await startSink({
      handler: async (event, { trx, attempt }) => {
        attempts.push(attempt);
        if (broken && event.data && (event.data as { bookingId: string }).bookingId === 'b9') {
          throw new Error('downstream rule rejected b9');
        }
        await trx.raw(`INSERT INTO effects (event_id, applied) VALUES (?, 1) ON CONFLICT (event_id) DO UPDATE SET applied = effects.applied + 1`, [event.id]);
      },
    });
    const poisoned = confirmed(9);
    await publishEvents(iso.topicPrefix, [poisoned]);
    const dead = await eventually(
      async () => {
        const list = await bus.deadLetters('sink');
        return list.find((d) => d.eventId === poisoned.id);
      },
      { what: 'dead letter', timeoutMs: 60000, intervalMs: 1000 },
    );
    expect(dead.error).toMatch(/downstream rule rejected b9/);
    expect(dead.attempt).toBe(4);
    expect(dead.originalTopic).toBe('booking.events');
    // At-least-once: an attempt may repeat after a rebalance, but every level is passed through.
    expect([...new Set(attempts)]).toEqual([0, 1, 2, 3]);
    expect(await applied(sink.db, poisoned.id)).toBe(0);

    const group = `${iso.topicPrefix}sink`;
    expect(await pendingDeadLetters(bus.kafka, group)).toBeGreaterThanOrEqual(1);

    broken = false;
    expect(await bus.replayDeadLetters('sink')).toBeGreaterThanOrEqual(1);
    expect(await pendingDeadLetters(bus.kafka, group)).toBe(0);
    await eventually(async () => (await applied(sink.db, poisoned.id)) === 1, { what: 'replayed', timeoutMs: 30000 });
    // A second replay hands out nothing new.
    expect(await bus.replayDeadLetters('sink')).toBe(0);
  });

  it('when a message breaks the contract, then it goes straight to the dead-letter topic and the partition moves on', async () => {
    const bus = await startSink();
    await publishRaw(`${iso.topicPrefix}booking.events`, {
      key: 'bX',
      value: '{"bookingId": 42}',
      headers: { ce_id: 'poison-1', ce_type: 'booking.confirmed.v1', ce_source: 'x', ce_specversion: '1.0' },
    });
    const after = confirmed(10);
    await publishEvents(iso.topicPrefix, [after]);
    await eventually(async () => (await applied(sink.db, after.id)) === 1, { what: 'next message applied' });
    const dead = await eventually(async () => (await bus.deadLetters('sink')).find((d) => d.eventId === 'poison-1'), {
      what: 'contract violation dead-lettered',
      intervalMs: 1000,
    });
    expect(dead.error).toMatch(/ContractError/);
    expect(dead.attempt).toBe(1);
  });
});
