import { buildEvent, fromWire, toWire, type EventData, type EventType, type MatchdayEvent, type TopicName } from '@matchday/contracts';
import { createKafka, ensureTopics, idempotentProducer } from '@matchday/kafka';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { testInfra } from './infra';

let kafkaP: Promise<Kafka> | undefined;
let producerP: Promise<Producer> | undefined;

const kafka = (): Promise<Kafka> =>
  (kafkaP ??= testInfra().then((i) => createKafka({ brokers: i.kafkaBrokers, clientId: 'testkit' })));

const producer = (): Promise<Producer> =>
  (producerP ??= kafka().then(async (k) => {
    const p = idempotentProducer(k);
    await p.connect();
    // The shared jest setup closes it after the file's tests (scripts/jest-after-env.js).
    (globalThis as Record<symbol, unknown>)[Symbol.for('matchday.testkit.close')] = closeTestKafka;
    return p;
  }));

/** Creates the platform's topics and the given groups' retry/dead-letter topics under a prefix. */
export async function setupTopics(prefix: string, groups: string[] = [], partitions = 3): Promise<void> {
  await ensureTopics(await kafka(), { prefix, groups, partitions });
}

/** Deletes every topic under a prefix (best effort, at the end of a test file). */
export async function deleteTopics(prefix: string): Promise<void> {
  const admin = (await kafka()).admin();
  await admin.connect();
  try {
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine, timeout: 10000 });
  } catch {
    // best effort
  } finally {
    await admin.disconnect();
  }
}

/**
 * Publishes any contract-valid event, as the owning service would (same envelope, same key),
 * so a service can be tested without the others running.
 */
export async function publishEvent<T extends EventType>(
  prefix: string,
  type: T,
  data: EventData<T>,
  opts: { subject: string; id?: string; source?: string },
): Promise<MatchdayEvent<T>> {
  const event = buildEvent(type, data, { source: opts.source ?? 'testkit', subject: opts.subject, id: opts.id });
  await publishEvents(prefix, [event]);
  return event;
}

/** Publishes already-built events (e.g. the same event twice, or in a chosen order). */
export async function publishEvents(prefix: string, events: MatchdayEvent[]): Promise<void> {
  const p = await producer();
  for (const e of events) {
    const wire = toWire(e);
    await p.send({ topic: prefix + wire.topic, acks: -1, messages: [{ key: wire.key, value: wire.value, headers: wire.headers }] });
  }
}

/** Publishes raw bytes to a topic: for poisoned messages. */
export async function publishRaw(
  topic: string,
  message: { key?: string; value: string; headers?: Record<string, string> },
): Promise<void> {
  const p = await producer();
  await p.send({ topic, acks: -1, messages: [message] });
}

export interface EventProbe {
  /** Every event seen so far. */
  readonly events: MatchdayEvent[];
  /** Resolves with the first event (seen before or after the call) that matches. */
  waitFor<T extends EventType>(
    type: T,
    match?: (e: MatchdayEvent<T>) => boolean,
    timeoutMs?: number,
  ): Promise<MatchdayEvent<T>>;
  /** Resolves once `count` matching events have been seen. */
  waitForCount(match: (e: MatchdayEvent) => boolean, count: number, timeoutMs?: number): Promise<MatchdayEvent[]>;
  stop(): Promise<void>;
}

/** Listens to topics (under a prefix) from their end onwards, collecting parsed events. */
export async function probe(prefix: string, topics: TopicName[], opts: { fromBeginning?: boolean } = {}): Promise<EventProbe> {
  const k = await kafka();
  const consumer: Consumer = k.consumer({ groupId: `${prefix}probe-${Math.random().toString(36).slice(2)}` });
  const events: MatchdayEvent[] = [];
  const waiters = new Set<() => void>();
  await consumer.connect();
  await consumer.subscribe({ topics: topics.map((t) => prefix + t), fromBeginning: opts.fromBeginning ?? true });
  let ready!: () => void;
  const joined = new Promise<void>((r) => (ready = r));
  consumer.on(consumer.events.GROUP_JOIN, () => ready());
  await consumer.run({
    eachMessage: async ({ message }) => {
      try {
        events.push(fromWire(message));
      } catch {
        return;
      }
      for (const w of waiters) w();
    },
  });
  await joined;

  const until = <R>(check: () => R | undefined, timeoutMs: number, what: string): Promise<R> =>
    new Promise<R>((resolve, reject) => {
      const tick = () => {
        const r = check();
        if (r !== undefined) {
          waiters.delete(tick);
          clearTimeout(timer);
          resolve(r);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(tick);
        reject(new Error(`timed out after ${timeoutMs}ms waiting for ${what}; saw ${events.map((e) => e.type).join(', ') || 'nothing'}`));
      }, timeoutMs);
      waiters.add(tick);
      tick();
    });

  return {
    events,
    waitFor: <T extends EventType>(type: T, match?: (e: MatchdayEvent<T>) => boolean, timeoutMs = 30000) =>
      until(
        () => events.find((e): e is MatchdayEvent<T> => e.type === type && (!match || match(e as MatchdayEvent<T>))),
        timeoutMs,
        type,
      ),
    waitForCount: (match, count, timeoutMs = 30000) =>
      until(
        () => {
          const found = events.filter(match);
          return found.length >= count ? found : undefined;
        },
        timeoutMs,
        `${count} matching events`,
      ),
    stop: () => consumer.disconnect(),
  };
}

/** Closes the shared producer (call in a global teardown or afterAll of the last suite). */
export async function closeTestKafka(): Promise<void> {
  if (producerP) await (await producerP).disconnect();
  producerP = undefined;
}
