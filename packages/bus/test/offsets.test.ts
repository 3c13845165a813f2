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
  // What the interval held back is committed when the next (idle) fetch comes back.
  await eventually(async () => ((await behind()).length === 0 ? true : undefined), {
    timeoutMs: 15_000,
    what: 'committed offsets at the end of every partition',
  });
  // Applied within the interval of the last commit, then stopped: committed before leaving the group.
  await publishEvents(iso.topicPrefix, [confirmed(20)]);
  await eventually(async () => (await applied()) === 21, { what: 'the last event applied' });
  await bus.stop();
  bus = undefined;
  expect(await behind()).toEqual([]);
});
