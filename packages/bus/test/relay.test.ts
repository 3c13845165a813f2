import { buildEvent, type MatchdayEvent } from '@matchday/contracts';
import type { Knex } from '@matchday/db';
import { createKafka, idempotentProducer } from '@matchday/kafka';
import {
  deleteTopics,
  eventually,
  isolation,
  probe,
  serviceDb,
  setupTopics,
  testInfra,
  type EventProbe,
  type ServiceDb,
} from '@matchday/testkit';
import type { Producer } from 'kafkajs';
import { busMigrations, enqueue, OutboxRelay } from '../src';
import { logger } from './fixtures/services';

const iso = isolation();
let source: ServiceDb;
let producer: Producer;
let watch: EventProbe;
let relay: OutboxRelay | undefined;
let counter = 0;

/** Events of one booking: one key, so one partition, and Kafka keeps them in the order sent. */
const batchOf = (n: number): MatchdayEvent[] =>
  Array.from({ length: n }, () =>
    buildEvent(
      'booking.confirmed.v1',
      { bookingId: `b${++counter}`, matchId: 'm1', userId: 'u1', quantity: 1, amount: 5000, currency: 'EUR' },
      { source: 'relaytest', subject: `order-${iso.id}` },
    ),
  );

/** Rows of a query on the outbox not marked published (or whose mark has not committed yet). */
const unpublished = async (rows: Knex.QueryBuilder): Promise<number> =>
  Number(((await rows.whereNull('published_at').count({ n: '*' })) as Array<{ n: string }>)[0]?.n ?? NaN);

/** Outbox rows a relay cycle holds: claimed in a transaction that has not committed yet. */
async function claimedRows(): Promise<number> {
  const pending = await unpublished(source.db('outbox'));
  const trx = await source.db.transaction();
  try {
    const { rows } = await trx.raw(
      'SELECT count(*)::int AS n FROM (SELECT 1 FROM outbox WHERE published_at IS NULL FOR UPDATE SKIP LOCKED) s',
    );
    return pending - (rows[0].n as number);
  } finally {
    await trx.rollback();
  }
}

const startRelay = async (opts: {
  batchSize?: number;
  pollIntervalMs?: number;
  afterPublish?: (ids: string[]) => Promise<void>;
}) => {
  relay = new OutboxRelay({
    db: source.db,
    listenUrl: source.url,
    schema: source.schema,
    service: 'relaytest',
    producer,
    topicPrefix: iso.topicPrefix,
    logger,
    ...opts,
  });
  await relay.start();
};

const ids = (events: MatchdayEvent[]) => events.map((e) => e.id);
const seen = (events: MatchdayEvent[]) => {
  const wanted = new Set(ids(events));
  return watch.events.filter((e) => wanted.has(e.id)).map((e) => e.id);
};

beforeAll(async () => {
  const { kafkaBrokers } = await testInfra();
  await setupTopics(iso.topicPrefix);
  source = await serviceDb('relaytest', iso.schema('relaytest'), {
    migrations: busMigrations(iso.schema('relaytest')),
    poolMax: 4,
  });
  producer = idempotentProducer(createKafka({ brokers: kafkaBrokers, clientId: 'relay-test' }));
  await producer.connect();
  watch = await probe(iso.topicPrefix, ['booking.events']);
});

afterEach(async () => {
  await relay?.stop();
  relay = undefined;
});

afterAll(async () => {
  await watch.stop();
  await producer.disconnect();
  await source.destroy();
  await deleteTopics(iso.topicPrefix);
});

describe('outbox relay', () => {
  it('when an event commits while the relay is publishing, then it is published at once, not at the next poll', async () => {
    const [first] = batchOf(1);
    const [second] = batchOf(1);
    await source.db.transaction((trx) => enqueue(trx, first!));
    await startRelay({
      pollIntervalMs: 120_000,
      afterPublish: async (published) => {
        if (!published.includes(first!.id)) return;
        // Commits (and notifies) while this cycle is busy: nobody is asleep to be woken.
        await source.db.transaction((trx) => enqueue(trx, second!));
        await new Promise((r) => setTimeout(r, 300));
      },
    });
    await eventually(
      async () => (await source.db('outbox').where({ id: second!.id }).first()).published_at !== null,
      {
        timeoutMs: 10_000,
        what: 'the event committed during a cycle published without waiting for the poll',
      },
    );
    expect(seen([first!, second!])).toEqual(ids([first!, second!]));
  });

  it('while a batch waits for Kafka, then the next one is already claimed, and it is sent only after the first', async () => {
    const events = batchOf(12);
    await source.db.transaction((trx) => enqueue(trx, events));
    let claimedWhileWaiting = -1;
    let sentAheadOfFirst: string[] = [];
    await startRelay({
      batchSize: 5,
      pollIntervalMs: 200,
      afterPublish: async (published) => {
        if (!published.includes(events[0]!.id)) return;
        claimedWhileWaiting = await eventually(async () => ((await claimedRows()) === 10 ? 10 : undefined), {
          timeoutMs: 10_000,
          what: 'the second batch claimed while the first waits',
        }).catch(() => -1);
        await watch.waitForCount((e) => published.includes(e.id), 5);
        sentAheadOfFirst = seen(events.slice(5));
      },
    });
    await watch.waitForCount((e) => ids(events).includes(e.id), 12);
    expect(claimedWhileWaiting).toBe(10);
    expect(sentAheadOfFirst).toEqual([]);
    expect(seen(events)).toEqual(ids(events));
    expect(await unpublished(source.db('outbox').whereIn('id', ids(events)))).toBe(0);
  });

  it('when a cycle fails after Kafka acknowledged it, then the batch claimed behind it is rolled back unsent, and both go out again in outbox order', async () => {
    const events = batchOf(12);
    await source.db.transaction((trx) => enqueue(trx, events));
    let failed = false;
    await startRelay({
      batchSize: 5,
      pollIntervalMs: 200,
      afterPublish: async (published) => {
        if (failed || !published.includes(events[0]!.id)) return;
        failed = true;
        await eventually(async () => ((await claimedRows()) === 10 ? true : undefined), {
          timeoutMs: 10_000,
          what: 'the second batch claimed while the first waits',
        });
        throw new Error('relay lost its database connection before marking the batch');
      },
    });
    await watch.waitForCount((e) => ids(events).includes(e.id), 17);
    await eventually(async () => (await unpublished(source.db('outbox').whereIn('id', ids(events)))) === 0, {
      what: 'every event marked published',
    });
    const first = ids(events.slice(0, 5));
    // The failed batch once, then everything again in order; nothing of the second batch ahead of it.
    expect(seen(events)).toEqual([...first, ...ids(events)]);
  });
  it('on a table without statistics, then a claim reads only the rows it claims, not the whole backlog', async () => {
    // A new outbox (a new service, a test, a benchmark) has no statistics until autovacuum
    // analyzes it; kept that way here so the planner sees what it sees then. One connection, so
    // the relay's claim and the statistics read below share a backend.
    const fresh = await serviceDb('relaytest', iso.schema('relaystats'), {
      migrations: busMigrations(iso.schema('relaystats')),
      poolMax: 1,
    });
    try {
      await fresh.db.raw('ALTER TABLE outbox SET (autovacuum_enabled = false)');
      const backlog = batchOf(3000);
      await fresh.db.transaction((trx) => enqueue(trx, backlog));
      const claimer = new OutboxRelay({
        db: fresh.db,
        listenUrl: fresh.url,
        schema: fresh.schema,
        service: 'relaytest',
        producer,
        topicPrefix: iso.topicPrefix,
        logger,
        batchSize: 100,
      });
      expect(await claimer.relayOnce()).toBe(100);
      await fresh.db.raw('SELECT pg_stat_force_next_flush()');
      const read = await eventually(
        async () => {
          const { rows } = await fresh.db.raw(
            `SELECT idx_scan::int AS scans, idx_tup_read::int AS n FROM pg_stat_user_indexes
              WHERE schemaname = current_schema() AND indexrelname = 'outbox_pending'`,
          );
          return rows[0]?.scans > 0 ? (rows[0].n as number) : undefined;
        },
        { what: 'the claim counted in the statistics' },
      );
      // A bitmap scan of outbox_pending would have read all 3,000 entries to claim 100.
      expect(read).toBeLessThanOrEqual(101);
      await watch.waitForCount((e) => ids(backlog).includes(e.id), 100);
    } finally {
      await fresh.destroy();
    }
  });
});
