import { buildEvent, type MatchdayEvent } from '@matchday/contracts';
import {
  closeTestKafka,
  deleteTopics,
  eventually,
  isolation,
  publishEvents,
  serviceDb,
  setupTopics,
  testInfra,
  type ServiceDb,
} from '@matchday/testkit';
import {
  busMigrations,
  createQueueManager,
  type InboxEntry,
  type OutboxEntry,
  type QueueManager,
} from '../src';
import { logger, sinkBus, sinkMigrations } from './fixtures/services';

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
const expired = (n: number): MatchdayEvent =>
  buildEvent(
    'hold.expired.v1',
    { holdId: `h${n}`, matchId: 'm1', userId: `u${n}`, quantity: 1 },
    { source: 'bussrc', subject: `h${n}` },
  );

beforeAll(async () => {
  brokers = (await testInfra()).kafkaBrokers;
  await setupTopics(iso.topicPrefix, ['sink']);
  source = await serviceDb('bussrc', iso.schema('evsrc'), { migrations: busMigrations(iso.schema('evsrc')) });
  sink = await serviceDb('bussink', iso.schema('evsink'), {
    migrations: sinkMigrations(iso.schema('evsink')),
  });
});

afterAll(async () => {
  await Promise.all(running.splice(0).map((b) => b.stop()));
  await source.destroy();
  await sink.destroy();
  await deleteTopics(iso.topicPrefix);
  await closeTestKafka();
});

/** Every page of a listing, following the last row of each page. */
async function pages<T>(read: (after: T | undefined) => Promise<T[]>): Promise<T[][]> {
  const out: T[][] = [];
  let after: T | undefined;
  for (;;) {
    const page = await read(after);
    if (page.length === 0) return out;
    out.push(page);
    after = page[page.length - 1];
  }
}

describe('reading the outbox and inbox', () => {
  // First, and stopped at its end: the outbox test below publishes to the topic this consumer reads.
  it('when a consumer group applied events, then the inbox lists each once by (group, event id), page by page, and the counts agree', async () => {
    const events = [confirmed(11), confirmed(12), expired(13), confirmed(14), expired(15)];
    const bus = sinkBus({
      db: sink.db,
      url: sink.url,
      schema: sink.schema,
      brokers,
      prefix: iso.topicPrefix,
      sub: { topics: ['booking.events'], handler: async () => undefined },
    });
    await bus.start();
    try {
      // A duplicate delivery must not show twice.
      await publishEvents(iso.topicPrefix, [...events, events[0]!]);
      await eventually(
        async () => (await sink.db('inbox').count<Array<{ count: string }>>())[0]!.count === '5',
        { what: 'five events applied' },
      );

      const listed = await pages<InboxEntry>((after) =>
        bus.listInbox({ limit: 2, ...(after && { after: { group: after.group, eventId: after.eventId } }) }),
      );
      expect(listed.map((p) => p.length)).toEqual([2, 2, 1]);
      const all = listed.flat();
      expect(new Set(all.map((e) => e.eventId))).toEqual(new Set(events.map((e) => e.id)));
      expect(new Set(all.map((e) => e.group))).toEqual(new Set(['sink']));
      expect(all.find((e) => e.eventId === events[2]!.id)).toEqual({
        group: 'sink',
        eventId: events[2]!.id,
        type: 'hold.expired.v1',
        topic: 'booking.events',
      });

      expect((await bus.eventCounts()).inbox).toEqual([
        { group: 'sink', type: 'booking.confirmed.v1', count: 3 },
        { group: 'sink', type: 'hold.expired.v1', count: 2 },
      ]);
    } finally {
      await bus.stop();
    }
  });

  it('when events were published and others are still waiting, then the outbox lists each once, page by page in commit order, with its state, and the counts agree', async () => {
    // Without the relay running, one relay pass publishes what is there then, and what comes later waits.
    const bus = createQueueManager({
      service: 'bussrc',
      db: source.db,
      schema: source.schema,
      databaseUrl: source.url,
      brokers,
      topicPrefix: iso.topicPrefix,
      logger,
      relay: { enabled: false },
    });
    running.push(bus);
    await bus.start();
    const sent = [confirmed(1), confirmed(2), expired(3), confirmed(4), expired(5)];
    await source.db.transaction((trx) => bus.addToProcessingQueue(trx, sent));
    expect(await bus.relayOnce()).toBe(5);
    const waiting = [confirmed(6), expired(7)];
    await source.db.transaction((trx) => bus.addToProcessingQueue(trx, waiting));

    const listed = await pages<OutboxEntry>((after) =>
      bus.listOutbox({ limit: 3, ...(after && { afterSeq: after.seq }) }),
    );
    expect(listed.map((p) => p.length)).toEqual([3, 3, 1]);
    const all = listed.flat();
    expect(all.map((e) => e.eventId)).toEqual([...sent, ...waiting].map((e) => e.id));
    expect(all.map((e) => e.published)).toEqual([true, true, true, true, true, false, false]);
    expect(all[0]).toEqual({
      seq: expect.stringMatching(/^\d+$/),
      eventId: sent[0]!.id,
      type: 'booking.confirmed.v1',
      topic: 'booking.events',
      published: true,
      createdAt: expect.any(Date),
    });

    const counts = await bus.eventCounts();
    expect(counts.outbox).toEqual([
      { type: 'booking.confirmed.v1', published: false, count: 1 },
      { type: 'booking.confirmed.v1', published: true, count: 3 },
      { type: 'hold.expired.v1', published: false, count: 1 },
      { type: 'hold.expired.v1', published: true, count: 2 },
    ]);
    expect(counts.inbox).toEqual([]);
  });
});
