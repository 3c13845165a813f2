import { Client } from 'pg';
import { toWire, type MatchdayEvent } from '@matchday/contracts';
import type { Knex } from '@matchday/db';
import {
  counter,
  extractTraceContext,
  gauge,
  injectTraceHeaders,
  withoutInstrumentation,
  type Logger,
} from '@matchday/observability';
import { SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { Producer } from 'kafkajs';
import { outboxChannel } from './migrations';

const published = counter({
  name: 'messaging_client_published_messages_total',
  help: 'Events the outbox relay published and Kafka acknowledged',
  labelNames: ['service', 'topic'],
});
const publishErrors = counter({
  name: 'outbox_publish_errors_total',
  help: 'Outbox relay cycles that failed to publish (retried with backoff)',
  labelNames: ['service'],
});
const pendingGauge = gauge({
  name: 'outbox_pending_events',
  help: 'Events in the outbox not yet acknowledged by Kafka',
  labelNames: ['service'],
});
const lagGauge = gauge({
  name: 'outbox_lag_seconds',
  help: 'Age of the oldest unpublished outbox event',
  labelNames: ['service'],
});

const tracer = trace.getTracer('@matchday/bus');

/** A batch claimed in a cycle's transaction, ready to send. */
interface Claimed {
  count: number;
  ids: string[];
  byTopic: Map<string, Array<{ key: string; value: string; headers: Record<string, string> }>>;
  spans: Span[];
}

interface OutboxRow {
  seq: string;
  id: string;
  topic: string;
  key: string;
  headers: Record<string, string>;
  payload: string;
}

/**
 * Writes events to the outbox inside the caller's transaction: they are published only if that
 * commits. Several events go in one statement.
 */
export async function enqueue(
  db: Knex | Knex.Transaction,
  events: MatchdayEvent | MatchdayEvent[],
): Promise<void> {
  const list = Array.isArray(events) ? events : [events];
  if (list.length === 0) return;
  const headers = injectTraceHeaders({});
  const cols = {
    id: [] as string[],
    topic: [] as string[],
    key: [] as string[],
    type: [] as string[],
    headers: [] as string[],
    payload: [] as string[],
  };
  for (const event of list) {
    const wire = toWire(event, headers);
    cols.id.push(event.id);
    cols.topic.push(wire.topic);
    cols.key.push(wire.key);
    cols.type.push(event.type);
    cols.headers.push(JSON.stringify(wire.headers));
    cols.payload.push(wire.value);
  }
  // One array per column: six parameters whatever the number of events, so a large batch costs
  // one short statement to build, send and plan.
  await db.raw(
    `INSERT INTO outbox (id, topic, key, type, headers, payload)
       SELECT * FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::jsonb[], ?::text[])`,
    [cols.id, cols.topic, cols.key, cols.type, cols.headers, cols.payload],
  );
}

/**
 * How a claim finds its rows: it walks `outbox_pending` in outbox order and stops at the batch
 * size. Left to the planner, a table without statistics (a new service's outbox, until autovacuum
 * first analyzes it) is read with a bitmap scan of every pending row and a sort; that index also
 * keeps the entries of rows published since the last vacuum, and a bitmap scan visits them all
 * again. Every claim would read the whole backlog and more, and draining a backlog would take time
 * growing with its square.
 */
const claimSettings = 'SET LOCAL enable_bitmapscan = off; SET LOCAL enable_seqscan = off';

/** Claims and marks up to `?` of the oldest pending rows; rows another cycle holds are skipped. */
const claimStatement = `UPDATE outbox SET published_at = now()
   WHERE seq IN (SELECT seq FROM outbox WHERE published_at IS NULL ORDER BY seq LIMIT ? FOR UPDATE SKIP LOCKED)
   RETURNING seq, id, topic, key, headers, payload`;

export interface RelayOptions {
  db: Knex;
  /** A connection string for the LISTEN connection (the service role's). */
  listenUrl: string;
  schema: string;
  service: string;
  producer: Producer;
  topicPrefix: string;
  logger: Logger;
  batchSize?: number;
  pollIntervalMs?: number;
  /** Test seam: runs after Kafka acknowledged a batch and before the rows' mark as published commits. */
  afterPublish?: (ids: string[]) => Promise<void> | void;
}

/**
 * Publishes the outbox to Kafka: wakes on LISTEN/NOTIFY (and polls as a fallback), claims rows
 * with FOR UPDATE SKIP LOCKED so several replicas share the work, sends them with the idempotent
 * producer, and commits their mark as published only after Kafka acknowledged them. A crash in
 * between publishes them again; consumers drop the duplicate by event id.
 */
export class OutboxRelay {
  private running = false;
  private wake: (() => void) | undefined;
  /**
   * Set by every notification, cleared just before each claim: a notification that arrives while
   * a cycle is busy (nobody asleep to wake) still keeps the relay from sleeping on events that
   * committed after its claim read the outbox.
   */
  private notified = false;
  private loop: Promise<void> | undefined;
  private listener: Client | undefined;
  private failures = 0;
  private lagTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: RelayOptions) {}

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.listen();
    this.lagTimer = setInterval(() => void this.measureLag().catch(() => undefined), 5000);
    this.lagTimer.unref();
    this.loop = this.run();
  }

  /** Stops after the cycle in flight; what it claimed is either marked published or left for the next run. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    if (this.lagTimer) clearInterval(this.lagTimer);
    await this.loop;
    await this.listener?.end().catch(() => undefined);
    this.listener = undefined;
  }

  /** One claim-publish-mark cycle; returns how many events it published. */
  async relayOnce(): Promise<number> {
    return this.opts.db.transaction(async (trx) => {
      const batch = await this.claim(trx);
      if (batch) await this.publish(batch);
      return batch?.count ?? 0;
    });
  }

  /**
   * Claims and marks up to a batch of rows in one statement, in the caller's transaction: the mark
   * becomes visible only when it commits, after Kafka acknowledged them (a failed send rolls it
   * back). Rows another cycle holds are skipped. Returns the messages by topic, in outbox order.
   */
  private async claim(trx: Knex.Transaction): Promise<Claimed | undefined> {
    const { topicPrefix, batchSize = 500 } = this.opts;
    await trx.raw(claimSettings);
    const claimed: OutboxRow[] = (await trx.raw(claimStatement, [batchSize])).rows;
    if (claimed.length === 0) return undefined;
    // RETURNING has no order: put the events back in outbox order (per key, the order written).
    const rows = claimed.sort((a, b) => a.seq.length - b.seq.length || (a.seq < b.seq ? -1 : 1));
    const byTopic = new Map<string, Array<{ key: string; value: string; headers: Record<string, string> }>>();
    const spans: Span[] = [];
    for (const r of rows) {
      const topic = topicPrefix + r.topic;
      const list = byTopic.get(topic) ?? [];
      // The send span continues the trace the event was written in (its row keeps that context),
      // and the message carries the send span on to the consumers.
      const parent = extractTraceContext(r.headers);
      const span = tracer.startSpan(
        `send ${r.topic}`,
        {
          kind: SpanKind.PRODUCER,
          attributes: {
            'messaging.system': 'kafka',
            'messaging.operation.type': 'send',
            'messaging.operation.name': 'send',
            'messaging.destination.name': r.topic,
            'messaging.message.id': r.id,
            'messaging.kafka.message.key': r.key,
          },
        },
        parent,
      );
      spans.push(span);
      list.push({
        key: r.key,
        value: r.payload,
        headers: injectTraceHeaders({ ...r.headers }, trace.setSpan(parent, span)),
      });
      byTopic.set(topic, list);
    }
    return { count: rows.length, ids: rows.map((r) => r.id), byTopic, spans };
  }

  /** Sends a claimed batch and waits for Kafka's acknowledgement of every message. */
  private async publish({ ids, byTopic, spans }: Claimed): Promise<void> {
    const { producer, topicPrefix } = this.opts;
    try {
      // kafkajs's own instrumentation would start each send span in the relay's context (a new
      // trace) and overwrite the traceparent written above.
      await withoutInstrumentation(() =>
        producer.sendBatch({
          acks: -1,
          topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
        }),
      );
    } catch (e) {
      for (const span of spans) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error).message });
        span.end();
      }
      throw e;
    }
    for (const span of spans) span.end();
    await this.opts.afterPublish?.(ids);
    for (const [topic, messages] of byTopic) {
      published.inc({ service: this.opts.service, topic: topic.slice(topicPrefix.length) }, messages.length);
    }
  }

  async measureLag(): Promise<{ pending: number; lagSeconds: number }> {
    const { rows } = await this.opts.db.raw(
      `SELECT count(*)::int AS pending, COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float AS lag
         FROM outbox WHERE published_at IS NULL`,
    );
    const pending = Number(rows[0].pending);
    const lagSeconds = Number(rows[0].lag);
    pendingGauge.set({ service: this.opts.service }, pending);
    lagGauge.set({ service: this.opts.service }, lagSeconds);
    return { pending, lagSeconds };
  }

  private async listen(): Promise<void> {
    const client = new Client({
      connectionString: this.opts.listenUrl,
      application_name: `${this.opts.service}-relay`,
    });
    client.on('notification', () => {
      this.notified = true;
      this.wake?.();
    });
    client.on('error', (e) => {
      this.opts.logger.warn('outbox listener lost its connection; polling until it is back', {
        error: e.message,
      });
      this.listener = undefined;
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${outboxChannel(this.opts.schema)}"`);
      this.listener = client;
    } catch (e) {
      this.opts.logger.warn('outbox listener could not connect; polling instead', {
        error: (e as Error).message,
      });
    }
  }

  /**
   * Cycles until stopped. While one cycle waits for Kafka and commits its mark, the next one
   * already claims and prepares its batch (the rows held by the first are skipped), so the
   * database and Kafka work side by side. Its send waits for the first cycle's commit: batches
   * reach Kafka one at a time, in outbox order, and if a cycle fails, the batch claimed after it
   * is rolled back unsent and both are claimed again in order.
   */
  private async run(): Promise<void> {
    const { db, pollIntervalMs: poll = 1000, batchSize = 500 } = this.opts;
    let inFlight: Promise<void> | undefined;
    while (this.running) {
      let trx: Knex.Transaction | undefined;
      let unsent: Claimed | undefined;
      try {
        trx = await db.transaction();
        this.notified = false;
        const batch = await this.claim(trx);
        unsent = batch;
        await inFlight;
        inFlight = undefined;
        this.failures = 0;
        if (!batch) {
          await trx.rollback();
          trx = undefined;
          await this.idle(poll);
          continue;
        }
        const cycle = trx;
        trx = undefined;
        unsent = undefined;
        const sent = this.publish(batch).then(
          async () => void (await cycle.commit()),
          async (e: unknown) => {
            await cycle.rollback().catch(() => undefined);
            throw e;
          },
        );
        // Its failure is handled where it is awaited: before the next send, or just below.
        sent.catch(() => undefined);
        inFlight = sent;
        if (batch.count < batchSize) {
          await inFlight;
          inFlight = undefined;
          await this.idle(poll);
        }
      } catch (e) {
        if (trx) await trx.rollback().catch(() => undefined);
        for (const span of unsent?.spans ?? []) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: 'not sent: the batch ahead of it failed' });
          span.end();
        }
        // Nothing is claimed or sent again before the cycle ahead has settled (or, if it is what
        // failed, it already has).
        await inFlight?.catch(() => undefined);
        inFlight = undefined;
        this.failures++;
        publishErrors.inc({ service: this.opts.service });
        const delay = Math.min(30000, 200 * 2 ** Math.min(this.failures, 8)) * (0.5 + Math.random() / 2);
        this.opts.logger.error('outbox relay failed to publish; retrying', {
          error: (e as Error).message,
          attempt: this.failures,
          retryInMs: Math.round(delay),
        });
        await this.sleep(delay, false);
      }
    }
    await inFlight?.catch(() => undefined);
  }

  /** Nothing left to claim: waits for a notification (listening again if the listener was lost) or the poll. */
  private async idle(poll: number): Promise<void> {
    if (!this.listener && this.running) await this.listen();
    await this.sleep(poll, true);
  }

  private sleep(ms: number, wakeOnNotify: boolean): Promise<void> {
    if (wakeOnNotify && this.notified && this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = wakeOnNotify || !this.running ? done : () => (this.running ? undefined : done());
    });
  }
}
