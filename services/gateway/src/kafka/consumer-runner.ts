import { setTimeout as sleep } from 'node:timers/promises';
import { deadLetterTopic, fromWire, headersToStrings, retryTopic, type EventType, type MatchdayEvent, type TopicName } from '@matchday/contracts';
import { busHeaders as H } from '@matchday/bus';
import { counter, type Logger } from '@matchday/observability';
import type { Consumer, EachMessagePayload, Kafka, KafkaMessage, Producer } from 'kafkajs';

const consumed = counter({
  name: 'messaging_client_consumed_messages_total',
  help: 'Messages a consumer group handled, by outcome (applied, duplicate, skipped, retry, dead_letter)',
  labelNames: ['group', 'topic', 'outcome'],
});
const deadLetters = counter({
  name: 'messaging_dead_letters_total',
  help: 'Messages moved to a dead-letter topic',
  labelNames: ['group', 'topic'],
});

export interface ConsumerRunnerOptions {
  kafka: Kafka;
  producer: Producer;
  group: string;
  topicPrefix: string;
  topics: TopicName[];
  types: EventType[];
  handler: (event: MatchdayEvent) => Promise<void>;
  /** Waits between attempts; after the last one the message goes to the group's dead-letter topic. */
  retryDelaysMs: number[];
  sessionTimeoutMs: number;
  logger: Logger;
}

export interface ConsumerRunner {
  start(): Promise<void>;
  stop(): Promise<void>;
  isRunning(): boolean;
}

/**
 * A consumer group for a service without a database (the bus's consumers keep their inbox in
 * Postgres). It follows the bus's conventions so the platform's tooling works on it: the group's
 * dead-letter topic `<group>.dlq` with the same headers, and replays arriving on `<group>.retry.1`
 * (which `replayDeadLetters` writes to). Effects must be idempotent and order-guarded by the
 * handler itself, since there is no inbox: a redelivered event is applied again.
 *
 * A failing handler is retried in place with the configured delays (heartbeating meanwhile), then
 * dead-lettered; a message that breaks the contract goes to the dead-letter topic at once. The
 * offset moves only after one of those, so nothing is acknowledged and dropped.
 */
export function createConsumerRunner(opts: ConsumerRunnerOptions): ConsumerRunner {
  const groupId = opts.topicPrefix + opts.group;
  const log = opts.logger.child({ component: 'consumer', group: groupId });
  let consumer: Consumer | undefined;
  let running = false;
  let stopping = false;

  const toDeadLetter = async (topic: string, partition: number, message: KafkaMessage, headers: Record<string, string>, error: Error, attempt: number) => {
    const originalTopic = headers[H.originalTopic] ?? topic;
    await opts.producer.send({
      topic: deadLetterTopic(groupId),
      acks: -1,
      messages: [
        {
          key: message.key,
          value: message.value,
          headers: {
            ...headers,
            [H.attempt]: String(attempt),
            [H.error]: `${error.name}: ${error.message}`.slice(0, 2000),
            [H.originalTopic]: originalTopic,
            [H.originalPartition]: headers[H.originalPartition] ?? String(partition),
            [H.originalOffset]: headers[H.originalOffset] ?? message.offset,
            [H.failedAt]: new Date().toISOString(),
          },
        },
      ],
    });
    const logical = originalTopic.slice(opts.topicPrefix.length);
    consumed.inc({ group: opts.group, topic: logical, outcome: 'dead_letter' });
    deadLetters.inc({ group: opts.group, topic: logical });
    log.error('message dead-lettered', { topic: originalTopic, offset: message.offset, eventType: headers.ce_type, eventId: headers.ce_id, attempt, error: error.message });
  };

  const onMessage = async ({ topic, partition, message, heartbeat }: EachMessagePayload): Promise<void> => {
    const headers = headersToStrings(message.headers);
    const logical = (headers[H.originalTopic] ?? topic).slice(opts.topicPrefix.length);
    let event: MatchdayEvent;
    try {
      event = fromWire(message);
    } catch (err) {
      // A contract violation: no retry can make it valid.
      await toDeadLetter(topic, partition, message, headers, err as Error, 1);
      return;
    }
    if (!opts.types.includes(event.type)) {
      consumed.inc({ group: opts.group, topic: logical, outcome: 'skipped' });
      return;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        await opts.handler(event);
        consumed.inc({ group: opts.group, topic: logical, outcome: 'applied' });
        return;
      } catch (err) {
        const delay = opts.retryDelaysMs[attempt - 1];
        if (delay === undefined || stopping) {
          if (stopping && delay !== undefined) throw err; // not committed: redelivered after the restart
          await toDeadLetter(topic, partition, message, headers, err as Error, attempt);
          return;
        }
        consumed.inc({ group: opts.group, topic: logical, outcome: 'retry' });
        log.warn('message failed; retrying', { eventType: event.type, eventId: event.id, attempt, delayMs: delay, err });
        for (let waited = 0; waited < delay && !stopping; waited += 1000) {
          await sleep(Math.min(1000, delay - waited));
          await heartbeat();
        }
      }
    }
  };

  return {
    async start() {
      stopping = false;
      consumer = opts.kafka.consumer({
        groupId,
        sessionTimeout: opts.sessionTimeoutMs,
        heartbeatInterval: Math.min(3000, Math.floor(opts.sessionTimeoutMs / 3)),
      });
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        running = false;
        log.error('consumer crashed', { err: payload.error, restart: payload.restart });
      });
      consumer.on(consumer.events.GROUP_JOIN, () => {
        running = true;
      });
      await consumer.connect();
      await consumer.subscribe({
        topics: [...opts.topics.map((t) => opts.topicPrefix + t), retryTopic(groupId, 1)],
        fromBeginning: true,
      });
      await consumer.run({ partitionsConsumedConcurrently: 2, eachMessage: onMessage });
      running = true;
      log.info('consumer started', { topics: opts.topics });
    },
    async stop() {
      stopping = true;
      running = false;
      await consumer?.disconnect();
    },
    isRunning: () => running,
  };
}
