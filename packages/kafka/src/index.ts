import { Kafka, logLevel, Partitioners, type Admin, type ITopicConfig, type LogEntry } from 'kafkajs';
import { topics as platformTopics, retryTopic, deadLetterTopic, type TopicName } from '@matchday/contracts';
import type { Logger } from '@matchday/observability';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

export interface KafkaOptions {
  brokers: string[];
  clientId: string;
  logger?: Logger;
}

/** A kafkajs client whose log lines go through the service's logger. */
export function createKafka(opts: KafkaOptions): Kafka {
  return new Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers,
    connectionTimeout: 3000,
    requestTimeout: 30000,
    retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 5000 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log, namespace }: LogEntry) => {
        if (!opts.logger) return;
        const { message, ...fields } = log;
        const line = `kafka ${namespace}: ${message}`;
        if (level <= logLevel.ERROR) opts.logger.error(line, fields);
        else if (level === logLevel.WARN) opts.logger.warn(line, fields);
        else opts.logger.debug(line, fields);
      },
  });
}

export const idempotentProducer = (kafka: Kafka) =>
  kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });

/** Retry levels every consumer group has; the last failure goes to the dead-letter topic. */
export const RETRY_LEVELS = 3;

/**
 * Creates the platform's topics and each group's retry and dead-letter topics, up front
 * (auto-creation is off on the broker). Safe to run again: existing topics are left alone.
 */
export async function ensureTopics(
  kafka: Kafka,
  opts: { prefix?: string; groups: string[]; topics?: TopicName[]; partitions?: number },
): Promise<string[]> {
  const prefix = opts.prefix ?? '';
  const wanted: ITopicConfig[] = [];
  for (const name of opts.topics ?? (Object.keys(platformTopics) as TopicName[])) {
    wanted.push({ topic: prefix + name, numPartitions: opts.partitions ?? platformTopics[name].partitions });
  }
  for (const group of opts.groups) {
    for (let level = 1; level <= RETRY_LEVELS; level++) {
      wanted.push({ topic: retryTopic(prefix + group, level), numPartitions: opts.partitions ?? 3 });
    }
    wanted.push({ topic: deadLetterTopic(prefix + group), numPartitions: 1 });
  }
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((t) => !existing.has(t.topic)).map((t) => ({ ...t, replicationFactor: 1 }));
    if (missing.length > 0) {
      try {
        // kafkajs's own wait gives up on "unknown topic" while a busy broker is still creating: wait below.
        await admin.createTopics({ topics: missing, waitForLeaders: false });
      } catch (e) {
        // Another process created some of them at the same time; anything else is real.
        if (!/already exists/i.test(String((e as Error).message))) throw e;
      }
    }
    const names = missing.map((t) => t.topic);
    await waitForLeaders(admin, names);
    return names;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Waits until every partition of `names` has a leader. A busy broker may answer "unknown topic
 * or partition" for a moment after creating a topic, so the first producer or consumer would fail.
 */
export async function waitForLeaders(admin: Admin, names: string[]): Promise<void> {
  for (let attempt = 0; names.length > 0; attempt++) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: names });
      if (topics.length === names.length && topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
    } catch (e) {
      if (attempt >= 60) throw e;
    }
    if (attempt >= 60) throw new Error(`topics not ready after 30 s: ${names.join(', ')}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
