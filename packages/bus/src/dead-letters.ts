import { deadLetterTopic, headersToStrings, retryTopic } from '@matchday/contracts';
import type { Kafka, Producer } from 'kafkajs';
import { withoutInstrumentation } from '@matchday/observability';
import { H } from './consumer';

export interface DeadLetter {
  partition: number;
  offset: string;
  key: string | null;
  eventId?: string;
  eventType?: string;
  originalTopic?: string;
  attempt: number;
  error?: string;
  failedAt?: string;
  value: string;
}

async function endOffsets(kafka: Kafka, topic: string): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Dead letters not replayed yet: the dead-letter topic's end minus the replay position. Scraped
 * as `messaging_dead_letter_queue_messages{group}`.
 */
export async function pendingDeadLetters(kafka: Kafka, group: string): Promise<number> {
  const topic = deadLetterTopic(group);
  const ends = await endOffsets(kafka, topic);
  const admin = kafka.admin();
  await admin.connect();
  try {
    const committed = await admin.fetchOffsets({ groupId: `${group}.dlq-replay`, topics: [topic] });
    const start = new Map<number, bigint>();
    for (const t of committed)
      for (const p of t.partitions) start.set(p.partition, BigInt(p.offset === '-1' ? '0' : p.offset));
    let pending = 0n;
    for (const [p, end] of ends) pending += end - (start.get(p) ?? 0n);
    return Number(pending);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Reads a dead-letter topic from `groupId`'s committed position up to its current end. With
 * `commit`, the position moves on, so each dead letter is handed out once (replay); without it,
 * a throw-away group reads everything (inspection).
 */
async function readTopic(
  kafka: Kafka,
  topic: string,
  opts: { groupId: string; commit: boolean; limit: number },
  onMessage: (
    d: DeadLetter,
    raw: { key: Buffer | null; value: Buffer | null; headers: Record<string, string> },
  ) => Promise<void>,
): Promise<number> {
  const ends = await endOffsets(kafka, topic);
  const admin = kafka.admin();
  await admin.connect();
  const committed = await admin.fetchOffsets({ groupId: opts.groupId, topics: [topic] }).catch(() => []);
  await admin.disconnect();
  const start = new Map<number, bigint>();
  for (const t of committed)
    for (const p of t.partitions) start.set(p.partition, BigInt(p.offset === '-1' ? '0' : p.offset));
  const remaining = new Set([...ends].filter(([p, end]) => end > (start.get(p) ?? 0n)).map(([p]) => p));
  if (remaining.size === 0) return 0;
  const consumer = kafka.consumer({ groupId: opts.groupId, sessionTimeout: 30000 });
  let count = 0;
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const finish = (partition: number) => {
        remaining.delete(partition);
        if (remaining.size === 0 || count >= opts.limit) resolve();
      };
      consumer
        .run({
          autoCommit: opts.commit,
          eachBatchAutoResolve: false,
          eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary }) => {
            const end = ends.get(batch.partition) ?? 0n;
            for (const message of batch.messages) {
              // Stop at the end seen when we started, and at the limit, without resolving the rest.
              if (BigInt(message.offset) >= end || count >= opts.limit) break;
              const headers = headersToStrings(message.headers);
              await onMessage(
                {
                  partition: batch.partition,
                  offset: message.offset,
                  key: message.key?.toString() ?? null,
                  eventId: headers.ce_id,
                  eventType: headers.ce_type,
                  originalTopic: headers[H.originalTopic],
                  attempt: Number(headers[H.attempt] ?? 0),
                  error: headers[H.error],
                  failedAt: headers[H.failedAt],
                  value: message.value?.toString() ?? '',
                },
                { key: message.key, value: message.value, headers },
              );
              count++;
              resolveOffset(message.offset);
            }
            if (opts.commit) await commitOffsetsIfNecessary();
            const last = batch.messages[batch.messages.length - 1];
            if (count >= opts.limit || !last || BigInt(last.offset) + 1n >= end) finish(batch.partition);
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return count;
}

/** Lists a consumer group's dead letters (newest last) without moving any position. */
export async function listDeadLetters(
  kafka: Kafka,
  group: string,
  opts: { limit?: number } = {},
): Promise<DeadLetter[]> {
  const out: DeadLetter[] = [];
  await readTopic(
    kafka,
    deadLetterTopic(group),
    {
      groupId: `${group}.dlq-inspect.${Date.now()}.${Math.random().toString(36).slice(2)}`,
      commit: false,
      limit: opts.limit ?? 1000,
    },
    async (d) => {
      out.push(d);
    },
  );
  return out;
}

/**
 * Re-delivers a group's dead letters to that group (through its first retry topic, due at once,
 * attempt count reset) — once the handler is fixed. Each dead letter is replayed once; one that
 * fails again travels the retry topics and lands in the dead-letter topic anew.
 */
export async function replayDeadLetters(
  kafka: Kafka,
  producer: Producer,
  group: string,
  opts: { limit?: number } = {},
): Promise<number> {
  return readTopic(
    kafka,
    deadLetterTopic(group),
    { groupId: `${group}.dlq-replay`, commit: true, limit: opts.limit ?? 10000 },
    async (_d, raw) => {
      const headers = {
        ...raw.headers,
        [H.attempt]: '0',
        [H.retryAt]: String(Date.now()),
        'x-replayed-at': new Date().toISOString(),
      };
      // Replayed in the event's own trace (its traceparent header), not a new one from kafkajs's instrumentation.
      await withoutInstrumentation(() =>
        producer.send({
          topic: retryTopic(group, 1),
          acks: -1,
          messages: [{ key: raw.key, value: raw.value, headers }],
        }),
      );
    },
  );
}
