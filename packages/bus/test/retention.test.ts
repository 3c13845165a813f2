import { buildEvent } from '@matchday/contracts';
import { metricsText } from '@matchday/observability';
import { isolation, serviceDb, testInfra, type ServiceDb } from '@matchday/testkit';
import { busMigrations, createQueueManager, enqueue, type QueueManager } from '../src';
import { logger } from './fixtures/services';

const iso = isolation();
const schema = iso.schema('retain');
let sdb: ServiceDb;
let bus: QueueManager;

const event = (n: number) =>
  buildEvent(
    'booking.confirmed.v1',
    { bookingId: `b${n}`, matchId: 'm1', userId: `u${n}`, quantity: 1, amount: 5000, currency: 'EUR' },
    { source: 'retain', subject: `b${n}` },
  );

/** Outbox rows written `ageDays` ago, published (then) or not. */
async function outboxRows(from: number, count: number, ageDays: number, published: boolean): Promise<void> {
  const events = Array.from({ length: count }, (_, i) => event(from + i));
  await enqueue(sdb.db, events);
  await sdb.db.raw(
    `UPDATE outbox SET created_at = now() - ? * interval '1 day',
                       published_at = CASE WHEN ? THEN now() - ? * interval '1 day' END
      WHERE id = ANY(?::uuid[])`,
    [ageDays, published, ageDays, events.map((e) => e.id)],
  );
}

async function inboxRows(from: number, count: number, ageDays: number): Promise<void> {
  await sdb.db.raw(
    `INSERT INTO inbox (consumer_group, event_id, event_type, topic, kafka_partition, kafka_offset, processed_at)
     SELECT 'g', 'e' || g, 'booking.confirmed.v1', 'booking.events', 0, g, now() - ? * interval '1 day'
       FROM generate_series(?::int, ?::int) g`,
    [ageDays, from, from + count - 1],
  );
}

beforeAll(async () => {
  const infra = await testInfra();
  sdb = await serviceDb('retain', schema, { migrations: busMigrations(schema) });
  bus = createQueueManager({
    service: 'retain',
    db: sdb.db,
    schema,
    databaseUrl: sdb.url,
    brokers: infra.kafkaBrokers,
    logger,
    // Small chunks, so one sweep has to loop.
    retention: { outboxHours: 7 * 24, inboxHours: 14 * 24, chunk: 40 },
  });
});

afterAll(async () => {
  await sdb.destroy();
});

describe('retention of the outbox and the inbox', () => {
  it('when a sweep runs, then published events past the outbox retention and inbox rows past theirs go, and every event not yet published stays however old', async () => {
    await outboxRows(0, 100, 10, true); // published 10 days ago: past 7 days
    await outboxRows(100, 5, 30, false); // never published, 30 days old: Kafka is still owed them
    await outboxRows(200, 20, 2, true); // published 2 days ago
    await inboxRows(0, 90, 20); // applied 20 days ago: past 14 days
    await inboxRows(100, 30, 10); // applied 10 days ago

    expect(await bus.pruneOnce()).toEqual({ outbox: 100, inbox: 90 });

    const outbox = (await sdb.db.raw(
      `SELECT count(*) FILTER (WHERE published_at IS NULL)::int AS unpublished,
              count(*) FILTER (WHERE published_at IS NOT NULL)::int AS published,
              min(created_at) < now() - interval '29 days' AS oldest_kept
         FROM outbox`,
    )) as { rows: Array<{ unpublished: number; published: number; oldest_kept: boolean }> };
    expect(outbox.rows[0]).toEqual({ unpublished: 5, published: 20, oldest_kept: true });
    const inbox = (await sdb.db.raw(
      `SELECT count(*)::int AS n, min(kafka_offset)::int AS first FROM inbox`,
    )) as {
      rows: Array<{ n: number; first: number }>;
    };
    expect(inbox.rows[0]).toEqual({ n: 30, first: 100 });

    // A second sweep finds nothing more to delete.
    expect(await bus.pruneOnce()).toEqual({ outbox: 0, inbox: 0 });
    const metrics = await metricsText();
    expect(metrics).toMatch(/messaging_retention_pruned_rows_total\{service="retain",table="outbox"\} 100\n/);
    expect(metrics).toMatch(/messaging_retention_pruned_rows_total\{service="retain",table="inbox"\} 90\n/);
  });

  it('when the database fails during a sweep, then the failure is counted and logged, and the next sweep works', async () => {
    const broken = createQueueManager({
      service: 'retain-broken',
      db: sdb.db,
      schema,
      databaseUrl: sdb.url,
      brokers: (await testInfra()).kafkaBrokers,
      logger,
    });
    await sdb.db.raw('ALTER TABLE inbox RENAME TO inbox_away');
    try {
      expect(await broken.pruneOnce()).toBeUndefined();
    } finally {
      await sdb.db.raw('ALTER TABLE inbox_away RENAME TO inbox');
    }
    expect(await metricsText()).toMatch(/messaging_retention_errors_total\{service="retain-broken"\} 1\n/);
    expect(await broken.pruneOnce()).toEqual({ outbox: 0, inbox: 0 });
  });
});
