import { buildEvent } from '@matchday/contracts';
import { createKafka } from '@matchday/kafka';
import { registry } from '@matchday/observability';
import {
  deleteTopics,
  eventually,
  isolation,
  publishEvents,
  serviceDb,
  setupTopics,
  testInfra,
  type ServiceDb,
} from '@matchday/testkit';
import type { QueueManager } from '../src';
import { sinkBus, sinkMigrations } from './fixtures/services';

const iso = isolation();
let brokers: string[];
let sink: ServiceDb;
let bus: QueueManager | undefined;

/** Offset commits the `sink` group has sent, from the bus's own metric. */
const commits = async (): Promise<number> =>
  ((await registry.getSingleMetric('messaging_client_offset_commits_total')?.get())?.values ?? [])
    .filter((v) => v.labels.group === 'sink')
    .reduce((sum, v) => sum + v.value, 0);

/** Partitions whose committed offset is behind their end (nothing committed counts as behind). */
async function behind(): Promise<number[]> {
  const admin = createKafka({ brokers, clientId: 'offsets-test' }).admin();
  await admin.connect();
  try {
    const topic = `${iso.topicPrefix}booking.events`;
    const [group] = await admin.fetchOffsets({ groupId: `${iso.topicPrefix}sink`, topics: [topic] });
    const committed = new Map((group?.partitions ?? []).map((p) => [p.partition, p.offset]));
    return (await admin.fetchTopicOffsets(topic))
      .filter((p) => p.offset !== '0' && committed.get(p.partition) !== p.offset)
      .map((p) => p.partition);
  } finally {
    await admin.disconnect();
  }
}

const confirmed = (i: number) =>
  buildEvent(
    'booking.confirmed.v1',
    { bookingId: `b${i}`, matchId: 'm1', userId: `u${i}`, quantity: 1, amount: 5000, currency: 'EUR' },
    { source: 'offsets', subject: `b${i}` },
  );

const applied = async () => Number((await sink.db('effects').count<{ n: string }[]>({ n: '*' }))[0]?.n);

beforeAll(async () => {
  brokers = (await testInfra()).kafkaBrokers;
  await setupTopics(iso.topicPrefix, ['sink']);
  sink = await serviceDb('bussink', iso.schema('bussink'), {
    migrations: sinkMigrations(iso.schema('bussink')),
  });
});

afterAll(async () => {
  await bus?.stop();
  await sink.destroy();
  await deleteTopics(iso.topicPrefix);
});

/** Waits for the group's next offset commit after `count` commits, then applies event `i`: inside that commit's interval. */
async function appliedRightAfterACommit(count: number, i: number): Promise<void> {
  await eventually(async () => ((await commits()) > count ? true : undefined), {
    intervalMs: 10,
    timeoutMs: 15_000,
    what: 'an offset commit',
  });
  await publishEvents(iso.topicPrefix, [confirmed(i)]);
  await eventually(async () => ((await applied()) === i + 1 ? true : undefined), {
    what: `event ${i} applied`,
  });
}

it('when events keep arriving, then offsets are committed about once a second, not after every batch; all of them once idle, and on stop', async () => {
  bus = sinkBus({ db: sink.db, url: sink.url, schema: sink.schema, brokers, prefix: iso.topicPrefix });
  await bus.start();
  const before = await commits();
  const started = Date.now();
  // One at a time, 100 ms apart: each arrives in a fetch of its own, a batch of one.
  for (let i = 0; i < 20; i++) {
    await publishEvents(iso.topicPrefix, [confirmed(i)]);
    await new Promise((r) => setTimeout(r, 100));
  }
  await eventually(async () => (await applied()) === 20, { what: 'every event applied' });
  const seconds = (Date.now() - started) / 1000;
  // After every batch this would be 20.
  expect((await commits()) - before).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
  // The next event is applied right after a commit, so the interval holds its offset back; with
  // nothing more arriving, the next commit can only come from the idle fetch.
  await publishEvents(iso.topicPrefix, [confirmed(20)]);
  await appliedRightAfterACommit(await commits(), 21);
  expect(await behind()).not.toEqual([]);
  await appliedRightAfterACommit(await commits(), 22);
  // The last one too is applied right after a commit: stopping commits it before leaving the group.
  await bus.stop();
  bus = undefined;
  expect(await behind()).toEqual([]);
});
