import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api';
import {
  ContractError,
  deadLetterTopic,
  fromWire,
  headersToStrings,
  retryTopic,
  type EventType,
  type MatchdayEvent,
  type TopicName,
} from '@matchday/contracts';
import type { Knex } from '@matchday/db';
import { counter, gauge, histogram, withoutInstrumentation, type Logger } from '@matchday/observability';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { RETRY_LEVELS } from '@matchday/kafka';

const OFFSET_COMMIT_INTERVAL_MS = 1000;

const consumed = counter({
  name: 'messaging_client_consumed_messages_total',
  help: 'Messages a consumer group handled, by outcome (applied, duplicate, skipped, retry, dead_letter)',
  labelNames: ['group', 'topic', 'outcome'],
});
const processDuration = histogram({
  name: 'messaging_process_duration_seconds',
  help: 'Time to apply one message (inbox check, effect, commit)',
  labelNames: ['group', 'topic', 'outcome'],
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
});
const offsetCommits = counter({
  name: 'messaging_client_offset_commits_total',
  help: 'Offset commits a consumer group sent to Kafka (about one a second while busy)',
  labelNames: ['group'],
});
const consumerLag = gauge({
  name: 'messaging_kafka_consumer_lag',
  help: 'Messages between the consumer position and the end of the partition',
  labelNames: ['group', 'topic', 'partition'],
});
const deadLetters = counter({
  name: 'messaging_dead_letters_total',
  help: 'Messages moved to a dead-letter topic',
  labelNames: ['group', 'topic'],
});

/** What a handler gets besides the event: the transaction its effects (and outbox writes) belong in. */
export interface HandlerContext {
  trx: Knex.Transaction;
  topic: string;
  partition: number;
  offset: string;
  attempt: number;
}

export type EventHandler = (event: MatchdayEvent, ctx: HandlerContext) => Promise<void>;
/** Applies every new event of a chunk at once, for effects that are one statement for many events. */
export type BatchEventHandler = (events: MatchdayEvent[], ctx: HandlerContext) => Promise<void>;

export interface Subscription {
  /** Logical group name (usually the service's); topic and group prefixes are added. */
  group: string;
  topics: TopicName[];
  /** Applies one event. Give this or `batchHandler`. */
  handler?: EventHandler;
  /**
   * Applies a chunk's new events together (duplicates already dropped), in the transaction that
   * records them in the inbox. If it throws, the chunk is applied again one event at a time, each
   * in its own savepoint, so only the failing events are retried.
   */
  batchHandler?: BatchEventHandler;
  /** Only these types reach the handler; others are acknowledged untouched. */
  types?: EventType[];
  /** Delay before each retry level; the length must not exceed RETRY_LEVELS. */
  retryDelaysMs?: number[];
  /** Messages applied per database transaction (savepoint each). Use 1 when the handler calls a provider. */
  batchSize?: number;
  partitionsConsumedConcurrently?: number;
  fromBeginning?: boolean;
  /** Kafka session timeout; a dead member's partitions move after it (broker minimum 6 s). */
  sessionTimeoutMs?: number;
  /** Test seam: runs after a chunk's effects committed and before its offsets are committed. */
  afterApply?: (eventIds: string[]) => Promise<void> | void;
}

/** Headers carried by retry and dead-letter copies of a message. */
export const H = {
  attempt: 'x-attempt',
  retryAt: 'x-retry-at',
  error: 'x-error',
  originalTopic: 'x-original-topic',
  originalPartition: 'x-original-partition',
  originalOffset: 'x-original-offset',
  failedAt: 'x-failed-at',
} as const;

interface Parsed {
  message: KafkaMessage;
  headers: Record<string, string>;
  attempt: number;
  originalTopic: string;
  event?: MatchdayEvent;
  poison?: Error;
}

export interface ConsumerDeps {
  kafka: Kafka;
  producer: Producer;
  db: Knex;
  logger: Logger;
  topicPrefix: string;
}

/**
 * An idempotent consumer group (the seed's QueueManager processing side): each message's effect
 * and its inbox row commit together, so a redelivered event is a no-op; failures go through the
 * group's retry topics with backoff and then to its dead-letter topic, carrying the error; the
 * offset is committed only after that, so nothing is acked and dropped.
 */
export class GroupConsumer {
  readonly groupId: string;
  private readonly retryDelays: number[];
  private main: Consumer | undefined;
  private retry: Consumer | undefined;
  private stopping = false;
  /**
   * kafkajs restarts a consumer that crashed on a lost broker. A stop that lands while such a
   * restart is connecting cannot cancel it, and the restarted consumer would reconnect for ever
   * (a process that never finishes its shutdown during a broker outage): once stopping, no restart.
   */
  private readonly restartUnlessStopping = { retries: 5, restartOnFailure: async () => !this.stopping };

  constructor(
    private readonly deps: ConsumerDeps,
    private readonly sub: Subscription,
  ) {
    if (!sub.handler === !sub.batchHandler)
      throw new Error(`subscription ${sub.group}: give exactly one of handler and batchHandler`);
    this.groupId = deps.topicPrefix + sub.group;
    this.retryDelays = (sub.retryDelaysMs ?? [1000, 10000, 60000]).slice(0, RETRY_LEVELS);
  }

  async start(): Promise<void> {
    const { kafka, topicPrefix } = this.deps;
    const concurrency = this.sub.partitionsConsumedConcurrently ?? 2;
    const sessionTimeout = this.sub.sessionTimeoutMs ?? 30000;
    const heartbeatInterval = Math.min(3000, Math.floor(sessionTimeout / 3));
    this.main = kafka.consumer({
      groupId: this.groupId,
      sessionTimeout,
      heartbeatInterval,
      retry: this.restartUnlessStopping,
    });
    this.main.on(this.main.events.COMMIT_OFFSETS, () => offsetCommits.inc({ group: this.sub.group }));
    await this.main.connect();
    await this.main.subscribe({
      topics: this.sub.topics.map((t) => topicPrefix + t),
      fromBeginning: this.sub.fromBeginning ?? true,
    });
    await this.main.run({
      // Offsets are committed once a second (and when the consumer stops or an idle fetch comes
      // back), not after every batch: a commit is a broker round trip the next fetch would wait
      // for. A crash redelivers at most that second's events, and the inbox drops them.
      autoCommitInterval: OFFSET_COMMIT_INTERVAL_MS,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: concurrency,
      eachBatch: (payload) => this.onBatch(payload),
    });
    this.retry = kafka.consumer({
      groupId: `${this.groupId}.retry`,
      sessionTimeout,
      heartbeatInterval,
      retry: this.restartUnlessStopping,
    });
    await this.retry.connect();
    await this.retry.subscribe({
      topics: this.retryDelays.map((_, i) => retryTopic(this.groupId, i + 1)),
      fromBeginning: true,
    });
    await this.retry.run({
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.retryDelays.length,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([this.main?.disconnect(), this.retry?.disconnect()]);
  }

  /**
   * Seed: processQueueItem — applies a chunk of messages in one transaction. Fast path: one inbox
   * insert for the whole chunk, then each new event's handler. If any handler fails, the chunk is
   * rolled back and applied again with a savepoint per message, so one bad message cannot take
   * the others with it; the failed ones are returned for retry.
   */
  async processQueueItem(
    items: Parsed[],
    topic: string,
    partition: number,
  ): Promise<Array<{ item: Parsed; error: Error }>> {
    const failed: Array<{ item: Parsed; error: Error }> = [];
    const outcomes: Array<{ item: Parsed; outcome: string; started: bigint }> = [];
    const started = process.hrtime.bigint();
    const wanted: Parsed[] = [];
    for (const item of items) {
      if (item.poison || !item.event)
        failed.push({ item, error: item.poison ?? new Error('unparseable message') });
      else if (this.sub.types && !this.sub.types.includes(item.event.type))
        outcomes.push({ item, outcome: 'skipped', started });
      else wanted.push(item);
    }
    if (wanted.length > 0) {
      try {
        outcomes.push(
          ...(await this.deps.db.transaction((trx) =>
            this.applyChunk(trx, wanted, topic, partition, started),
          )),
        );
      } catch {
        outcomes.push(
          ...(await this.deps.db.transaction(async (trx) => {
            const out: Array<{ item: Parsed; outcome: string; started: bigint }> = [];
            for (const item of wanted) {
              const t = process.hrtime.bigint();
              try {
                out.push(
                  ...(await trx.transaction((sp) => this.applyChunk(sp, [item], topic, partition, t))),
                );
              } catch (e) {
                failed.push({ item, error: e instanceof Error ? e : new Error(String(e)) });
              }
            }
            return out;
          })),
        );
      }
    }
    const now = process.hrtime.bigint();
    for (const o of outcomes) {
      consumed.inc({ group: this.sub.group, topic: o.item.originalTopic, outcome: o.outcome });
      processDuration.observe(
        { group: this.sub.group, topic: o.item.originalTopic, outcome: o.outcome },
        Number(now - o.started) / 1e9,
      );
    }
    return failed;
  }

  /** Records the chunk in the inbox and runs the handler for each event seen for the first time. */
  private async applyChunk(
    trx: Knex.Transaction,
    items: Parsed[],
    topic: string,
    partition: number,
    started: bigint,
  ): Promise<Array<{ item: Parsed; outcome: string; started: bigint }>> {
    // One array per column (six parameters for any chunk size); the insert returns only new events.
    const { rows } = await trx.raw(
      `INSERT INTO inbox (consumer_group, event_id, event_type, topic, kafka_partition, kafka_offset)
         SELECT ?, * FROM unnest(?::text[], ?::text[], ?::text[], ?::int[], ?::bigint[])
         ON CONFLICT (consumer_group, event_id) DO NOTHING
         RETURNING event_id`,
      [
        this.sub.group,
        items.map((item) => item.event!.id),
        items.map((item) => item.event!.type),
        items.map((item) => item.originalTopic),
        items.map(() => partition),
        items.map((item) => item.message.offset),
      ],
    );
    const inserted = new Set<string>((rows as Array<{ event_id: string }>).map((r) => r.event_id));
    const outcomes: Array<{ item: Parsed; outcome: string; started: bigint }> = [];
    const fresh: Parsed[] = [];
    for (const item of items) {
      // The first copy of an event in this chunk applies it; any other copy is a duplicate.
      if (inserted.delete(item.event!.id)) fresh.push(item);
      else outcomes.push({ item, outcome: 'duplicate', started });
    }
    if (fresh.length === 0) return outcomes;
    const first = fresh[0]!;
    const ctx = { trx, topic, partition, offset: first.message.offset, attempt: first.attempt };
    const tracer = trace.getTracer('@matchday/bus');
    const attributes = {
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.destination.name': first.originalTopic,
      'messaging.consumer.group.name': this.groupId,
    };
    const traced = async (span: Span, parent: Context, apply: () => Promise<void>) => {
      try {
        await context.with(trace.setSpan(parent, span), apply);
        span.end();
      } catch (e) {
        const error = e instanceof Error ? e : new Error(String(e));
        span.recordException(error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
        span.end();
        throw error;
      }
    };
    if (this.sub.batchHandler) {
      // One span for the chunk, linked to each message's producer context (OTel batch processing).
      const links = fresh.flatMap((item) => {
        const sc = trace.getSpanContext(propagation.extract(context.active(), item.headers));
        return sc ? [{ context: sc }] : [];
      });
      const span = tracer.startSpan(`process ${first.originalTopic}`, {
        kind: SpanKind.CONSUMER,
        attributes: { ...attributes, 'messaging.batch.message_count': fresh.length },
        links,
      });
      const batchHandler = this.sub.batchHandler;
      await traced(span, context.active(), () =>
        batchHandler(
          fresh.map((item) => item.event!),
          { ...ctx, offset: fresh[fresh.length - 1]!.message.offset },
        ),
      );
      for (const item of fresh) outcomes.push({ item, outcome: 'applied', started });
      return outcomes;
    }
    const handler = this.sub.handler!;
    for (const item of fresh) {
      const event = item.event!;
      const parent = propagation.extract(context.active(), item.headers);
      const span = tracer.startSpan(
        `process ${item.originalTopic}`,
        {
          kind: SpanKind.CONSUMER,
          attributes: {
            ...attributes,
            'messaging.message.id': event.id,
            'cloudevents.event_type': event.type,
          },
        },
        parent,
      );
      await traced(span, parent, () =>
        handler(event, { ...ctx, offset: item.message.offset, attempt: item.attempt }),
      );
      outcomes.push({ item, outcome: 'applied', started });
    }
    return outcomes;
  }

  /**
   * Seed: handleQueueFailure — sends a failed message to the next retry level (or to the
   * dead-letter topic after the last one) with the error and its origin in headers. Contract
   * violations skip the retries: no retry can make them valid.
   */
  async handleQueueFailure(item: Parsed, error: Error): Promise<'retry' | 'dead_letter'> {
    const next = item.attempt + 1;
    const poisoned = error instanceof ContractError;
    const toDlq = poisoned || next > this.retryDelays.length;
    const topic = toDlq ? deadLetterTopic(this.groupId) : retryTopic(this.groupId, next);
    const headers: Record<string, string> = {
      ...item.headers,
      [H.attempt]: String(next),
      [H.error]: `${error.name}: ${error.message}`.slice(0, 2000),
      [H.originalTopic]: item.headers[H.originalTopic] ?? item.originalTopic,
      [H.originalPartition]: item.headers[H.originalPartition] ?? '',
      [H.originalOffset]: item.headers[H.originalOffset] ?? item.message.offset,
    };
    if (toDlq) headers[H.failedAt] = new Date().toISOString();
    else headers[H.retryAt] = String(Date.now() + (this.retryDelays[next - 1] ?? 0));
    // The copy keeps the original traceparent, so its retry is processed in the event's own trace;
    // kafkajs's instrumentation would otherwise replace it with a new trace of its own.
    await withoutInstrumentation(() =>
      this.deps.producer.send({
        topic,
        acks: -1,
        messages: [{ key: item.message.key, value: item.message.value, headers }],
      }),
    );
    const outcome = toDlq ? 'dead_letter' : 'retry';
    consumed.inc({ group: this.sub.group, topic: item.originalTopic, outcome });
    if (toDlq) deadLetters.inc({ group: this.sub.group, topic: item.originalTopic });
    const log = toDlq ? this.deps.logger.error : this.deps.logger.warn;
    log.call(this.deps.logger, toDlq ? 'message dead-lettered' : 'message failed; scheduled for retry', {
      group: this.groupId,
      topic: item.originalTopic,
      eventId: item.event?.id,
      eventType: item.event?.type,
      attempt: next,
      error: error.message,
    });
    return outcome;
  }

  private parse(topic: string, partition: number, message: KafkaMessage): Parsed {
    const headers = headersToStrings(message.headers);
    const attempt = Number(headers[H.attempt] ?? 0) || 0;
    // Retry and dead-letter copies carry the original topic without the prefix already.
    const originalTopic = headers[H.originalTopic] ?? topic.slice(this.deps.topicPrefix.length);
    if (!headers[H.originalPartition]) headers[H.originalPartition] = String(partition);
    try {
      return { message, headers, attempt, originalTopic, event: fromWire(message) };
    } catch (e) {
      return { message, headers, attempt, originalTopic, poison: e as Error };
    }
  }

  private async onBatch({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
    commitOffsetsIfNecessary,
  }: EachBatchPayload) {
    // Retry copies are applied one at a time, each when it is due.
    const isRetryTopic = batch.topic.startsWith(`${this.groupId}.retry.`);
    const chunkSize = isRetryTopic ? 1 : (this.sub.batchSize ?? 100);
    const messages = batch.messages;
    for (let i = 0; i < messages.length && isRunning() && !isStale(); i += chunkSize) {
      const chunk = messages.slice(i, i + chunkSize).map((m) => this.parse(batch.topic, batch.partition, m));
      const due = Number(chunk[0]?.headers[H.retryAt] ?? 0);
      while (due > Date.now() && isRunning() && !this.stopping) {
        await new Promise((r) => setTimeout(r, Math.min(1000, due - Date.now())));
        await heartbeat();
      }
      if (!isRunning() || this.stopping) return;
      const failed = await this.processQueueItem(chunk, batch.topic, batch.partition);
      for (const f of failed) await this.handleQueueFailure(f.item, f.error);
      await this.sub.afterApply?.(chunk.flatMap((c) => (c.event ? [c.event.id] : [])));
      const last = chunk[chunk.length - 1];
      if (last) resolveOffset(last.message.offset);
      await commitOffsetsIfNecessary();
      await heartbeat();
    }
    const lag = Number(batch.offsetLag());
    consumerLag.set(
      {
        group: this.sub.group,
        topic: batch.topic.slice(this.deps.topicPrefix.length),
        partition: String(batch.partition),
      },
      lag,
    );
  }
}
