import type { QueueManager } from '@matchday/bus';
import type { Knex } from '@matchday/db';
import type { Provider, VerifiedWebhook } from '../domain/webhook';
import { outboxRow } from './outbox-row';

export type StoreOutcome = 'stored' | 'duplicate';

/** A webhook as kept in the `webhooks` table. */
export interface StoredWebhook {
  id: string;
  provider: Provider;
  dedupeKey: string;
  rootId: string;
  eventType: string;
  body: string;
  headers: Record<string, string>;
  receivedAt: Date;
  storedAt: Date;
  deliveries: number;
  lastDeliveryAt: Date;
  replays: number;
  lastReplayedAt: Date | null;
}

interface Row {
  id: string;
  provider: Provider;
  dedupe_key: string;
  root_id: string;
  event_type: string;
  body: string;
  headers: Record<string, string>;
  received_at: Date;
  stored_at: Date;
  deliveries: number;
  last_delivery_at: Date;
  replays: number;
  last_replayed_at: Date | null;
}

const toStored = (r: Row): StoredWebhook => ({
  id: r.id,
  provider: r.provider,
  dedupeKey: r.dedupe_key,
  rootId: r.root_id,
  eventType: r.event_type,
  body: r.body,
  headers: r.headers,
  receivedAt: r.received_at,
  storedAt: r.stored_at,
  deliveries: r.deliveries,
  lastDeliveryAt: r.last_delivery_at,
  replays: r.replays,
  lastReplayedAt: r.last_replayed_at,
});

export interface ListFilter {
  provider?: Provider;
  ids?: string[];
  since?: Date;
  /** Keyset cursor: rows after this (received_at, id). */
  after?: { receivedAt: Date; id: string };
  limit: number;
}

export interface WebhookRepository {
  /**
   * Stores a batch in one transaction: each webhook not seen before gets its row and its outbox
   * event; one seen before (now or in an earlier batch) only counts one more delivery.
   * Returns one outcome per input, in order.
   */
  storeBatch(items: VerifiedWebhook[]): Promise<StoreOutcome[]>;
  list(filter: ListFilter): Promise<StoredWebhook[]>;
  /** Records a replay of these webhooks and adds their events to the outbox, in one transaction. */
  replay(ids: string[], events: VerifiedWebhook['event'][]): Promise<void>;
}

const keyOf = (w: { provider: string; dedupeKey: string }) => `${w.provider}\u0000${w.dedupeKey}`;

/**
 * One batch of the group commit as one statement (autocommit: one round trip, durable when it
 * returns): each webhook not seen before gets its row and its outbox event; one seen before (now
 * or in an earlier batch) only counts one more delivery. The batch travels as one JSON parameter
 * (parsed by Postgres) rather than a pg array literal per column, escaped element by element.
 * Rows are inserted in key order, so two batches holding the same webhooks cannot deadlock; outbox
 * events keep the order the webhooks arrived in. An event's headers are read as text and turned into
 * jsonb only for the webhooks actually inserted.
 */
const STORE_BATCH = `
WITH batch AS (
  SELECT * FROM json_to_recordset(?::json) AS t(
    ord int, id uuid, provider text, dedupe_key text, root_id text, event_type text, body text, headers jsonb,
    received_at timestamptz, deliveries int, event_id uuid, topic text, key text, type text, event_headers text, payload text)
), stored AS (
  INSERT INTO webhooks (id, provider, dedupe_key, root_id, event_type, body, headers, received_at, deliveries)
  SELECT id, provider, dedupe_key, root_id, event_type, body, headers, received_at, deliveries FROM batch
   ORDER BY provider, dedupe_key
  ON CONFLICT (provider, dedupe_key) DO UPDATE
    SET deliveries = webhooks.deliveries + EXCLUDED.deliveries, last_delivery_at = now()
  RETURNING id, provider, dedupe_key, (xmax = 0) AS inserted
), queued AS (
  INSERT INTO outbox (id, topic, key, type, headers, payload)
  SELECT b.event_id, b.topic, b.key, b.type, b.event_headers::jsonb, b.payload
    FROM batch b JOIN stored s ON s.id = b.id AND s.inserted
   ORDER BY b.ord
)
SELECT provider, dedupe_key, inserted FROM stored`;

export function makeWebhookRepository(db: Knex, bus: QueueManager): WebhookRepository {
  return {
    async storeBatch(items) {
      // Copies of one webhook inside the batch: the first one stands for all of them.
      const first = new Map<string, { item: VerifiedWebhook; copies: number }>();
      for (const item of items) {
        const entry = first.get(keyOf(item));
        if (entry) entry.copies++;
        else first.set(keyOf(item), { item, copies: 1 });
      }
      const rows = [...first.values()].map(({ item, copies }, ord) => {
        const event = outboxRow(item.event);
        return {
          ord,
          id: item.webhookId,
          provider: item.provider,
          dedupe_key: item.dedupeKey,
          root_id: item.rootId,
          event_type: item.eventType,
          body: item.body,
          headers: item.headers,
          received_at: item.receivedAt,
          deliveries: copies,
          event_id: event.id,
          topic: event.topic,
          key: event.key,
          type: event.type,
          event_headers: event.headers,
          payload: event.payload,
        };
      });
      const { rows: outcomes } = await db.raw<{ rows: Array<{ provider: string; dedupe_key: string; inserted: boolean }> }>(STORE_BATCH, [
        JSON.stringify(rows),
      ]);
      // xmax = 0 marks a row this statement inserted; an updated row was already stored.
      const inserted = new Set(outcomes.filter((r) => r.inserted).map((r) => keyOf({ provider: r.provider, dedupeKey: r.dedupe_key })));
      const claimed = new Set<string>();
      return items.map((item) => {
        const key = keyOf(item);
        if (inserted.has(key) && !claimed.has(key)) {
          claimed.add(key);
          return 'stored';
        }
        return 'duplicate';
      });
    },

    async list(filter) {
      const q = db<Row>('webhooks').select('*').orderBy([{ column: 'received_at' }, { column: 'id' }]).limit(filter.limit);
      if (filter.provider) q.where('provider', filter.provider);
      if (filter.ids) q.whereIn('id', filter.ids);
      if (filter.since) q.where('received_at', '>=', filter.since);
      if (filter.after) q.whereRaw('(received_at, id) > (?, ?)', [filter.after.receivedAt, filter.after.id]);
      return (await q).map(toStored);
    },

    async replay(ids, events) {
      await db.transaction(async (trx) => {
        await trx('webhooks').whereIn('id', ids).update({ replays: trx.raw('replays + 1'), last_replayed_at: trx.fn.now() });
        if (events.length > 0) await bus.addToProcessingQueue(trx, events);
      });
    },
  };
}
