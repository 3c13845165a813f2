import { buildEvent, type EventData, type EventType, type MatchdayEvent } from '@matchday/contracts';
import type { Knex } from '@matchday/db';
import type { Logger } from '@matchday/observability';
import type { Kafka, Producer } from 'kafkajs';
import { GroupConsumer, type Subscription } from './consumer';
import { gauge } from '@matchday/observability';
import { listDeadLetters, pendingDeadLetters, replayDeadLetters, type DeadLetter } from './dead-letters';
import { countEvents, listInbox, listOutbox, type EventCounts, type InboxEntry, type OutboxEntry } from './event-records';

const dlqSize = gauge({
  name: 'messaging_dead_letter_queue_messages',
  help: 'Dead letters of a consumer group not yet replayed',
  labelNames: ['group'],
});
import { createKafka, idempotentProducer } from '@matchday/kafka';
import { enqueue, OutboxRelay } from './outbox';
import { DEFAULT_RETENTION, RetentionSweeper, type RetentionOptions } from './retention';

export interface QueueManagerOptions {
  /** The service: CloudEvents `source`, client id and metric label. */
  service: string;
  db: Knex;
  /** The service's schema (its outbox and inbox live there). */
  schema: string;
  /** Connection string for the relay's LISTEN connection (the service role's). */
  databaseUrl: string;
  brokers: string[];
  topicPrefix?: string;
  logger: Logger;
  relay?: { batchSize?: number; pollIntervalMs?: number; afterPublish?: (ids: string[]) => Promise<void> | void; enabled?: boolean };
  /** How long published outbox rows and inbox rows are kept (defaults: 7 and 14 days, swept every 10 minutes). */
  retention?: Partial<RetentionOptions>;
}

type Tx = Knex | Knex.Transaction;

/**
 * The seed's QueueManager: the event bus of one service. Events are added in the caller's
 * transaction (outbox), published by the relay, and consumed idempotently by subscriptions with
 * retry topics and a dead-letter topic per group.
 */
export interface QueueManager {
  /** Adds events to the outbox in `trx`: they are published if and only if `trx` commits. */
  addToProcessingQueue(trx: Tx, events: MatchdayEvent | MatchdayEvent[]): Promise<void>;
  /** Builds a contract-valid event and adds it to the outbox in `trx`. */
  publish<T extends EventType>(trx: Tx, type: T, data: EventData<T>, opts: { subject: string; id?: string }): Promise<MatchdayEvent<T>>;
  subscribe(sub: Subscription): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  relayOnce(): Promise<number>;
  outboxLag(): Promise<{ pending: number; lagSeconds: number }>;
  /** One retention sweep now: deletes published outbox rows and inbox rows past their retention. */
  pruneOnce(): Promise<{ outbox: number; inbox: number } | undefined>;
  deadLetters(group: string, opts?: { limit?: number }): Promise<DeadLetter[]>;
  replayDeadLetters(group: string, opts?: { limit?: number }): Promise<number>;
  /** This service's outbox, read-only, a page at a time in seq order (pass the last `seq` as `afterSeq`). */
  listOutbox(opts: { limit: number; afterSeq?: string }): Promise<OutboxEntry[]>;
  /** This service's inbox, read-only, a page at a time by (group, event id). */
  listInbox(opts: { limit: number; after?: { group: string; eventId: string } }): Promise<InboxEntry[]>;
  /** Outbox rows by type and published or not, inbox rows by group and type. */
  eventCounts(): Promise<EventCounts>;
  readonly kafka: Kafka;
  readonly groups: readonly string[];
}

export function createQueueManager(opts: QueueManagerOptions): QueueManager {
  const prefix = opts.topicPrefix ?? '';
  const kafka = createKafka({ brokers: opts.brokers, clientId: opts.service, logger: opts.logger });
  const producer: Producer = idempotentProducer(kafka);
  const relay = new OutboxRelay({
    db: opts.db,
    listenUrl: opts.databaseUrl,
    schema: opts.schema,
    service: opts.service,
    producer,
    topicPrefix: prefix,
    logger: opts.logger,
    ...opts.relay,
  });
  const retention = new RetentionSweeper(
    { db: opts.db, service: opts.service, logger: opts.logger },
    { ...DEFAULT_RETENTION, ...opts.retention },
  );
  const subs: Subscription[] = [];
  const consumers: GroupConsumer[] = [];
  let started = false;
  let dlqTimer: NodeJS.Timeout | undefined;
  const measureDlq = async () => {
    for (const sub of subs) {
      try {
        dlqSize.set({ group: sub.group }, await pendingDeadLetters(kafka, prefix + sub.group));
      } catch (e) {
        opts.logger.debug('could not measure dead letters', { group: sub.group, error: (e as Error).message });
      }
    }
  };

  const groupName = (group: string) => (group.startsWith(prefix) ? group : prefix + group);

  return {
    kafka,
    get groups() {
      return subs.map((s) => s.group);
    },
    addToProcessingQueue: (trx, events) => enqueue(trx, events),
    async publish(trx, type, data, { subject, id }) {
      const event = buildEvent(type, data, { source: opts.service, subject, id });
      await enqueue(trx, event);
      return event;
    },
    subscribe(sub) {
      if (started) throw new Error('subscribe before start()');
      subs.push(sub);
    },
    async start() {
      if (started) return;
      started = true;
      await producer.connect();
      if (opts.relay?.enabled !== false) await relay.start();
      retention.start();
      for (const sub of subs) {
        const c = new GroupConsumer({ kafka, producer, db: opts.db, logger: opts.logger, topicPrefix: prefix }, sub);
        consumers.push(c);
        await c.start();
      }
      if (subs.length > 0) {
        dlqTimer = setInterval(() => void measureDlq(), 30000);
        dlqTimer.unref();
        void measureDlq();
      }
      opts.logger.info('event bus started', { groups: subs.map((s) => s.group), relay: opts.relay?.enabled !== false });
    },
    async stop() {
      if (dlqTimer) clearInterval(dlqTimer);
      // Stop taking new messages first, then let the relay flush what is committed.
      await Promise.all(consumers.map((c) => c.stop()));
      await relay.stop();
      await retention.stop();
      await producer.disconnect();
      started = false;
    },
    relayOnce: () => relay.relayOnce(),
    outboxLag: () => relay.measureLag(),
    pruneOnce: () => retention.sweep(),
    deadLetters: (group, o) => listDeadLetters(kafka, groupName(group), o),
    async replayDeadLetters(group, o) {
      await producer.connect();
      return replayDeadLetters(kafka, producer, groupName(group), o);
    },
    listOutbox: (o) => listOutbox(opts.db, o),
    listInbox: (o) => listInbox(opts.db, o),
    eventCounts: () => countEvents(opts.db),
  };
}
