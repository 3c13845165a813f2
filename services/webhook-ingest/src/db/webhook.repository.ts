import type { QueueManager } from '@matchday/bus';
import type { Knex } from '@matchday/db';
import type { Provider, VerifiedWebhook } from '../domain/webhook';

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
      const unique = [...first.values()];
      const inserted = await db.transaction(async (trx) => {
        const { rows } = await trx.raw<{ rows: Array<{ provider: string; dedupe_key: string; inserted: boolean }> }>(
          `INSERT INTO webhooks (id, provider, dedupe_key, root_id, event_type, body, headers, received_at, deliveries)
           SELECT * FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::jsonb[], ?::timestamptz[], ?::int[])
           ON CONFLICT (provider, dedupe_key) DO UPDATE
             SET deliveries = webhooks.deliveries + EXCLUDED.deliveries, last_delivery_at = now()
           RETURNING provider, dedupe_key, (xmax = 0) AS inserted`,
          [
            unique.map((u) => u.item.webhookId),
            unique.map((u) => u.item.provider),
            unique.map((u) => u.item.dedupeKey),
            unique.map((u) => u.item.rootId),
            unique.map((u) => u.item.eventType),
            unique.map((u) => u.item.body),
            unique.map((u) => JSON.stringify(u.item.headers)),
            unique.map((u) => u.item.receivedAt),
            unique.map((u) => u.copies),
          ],
        );
        // xmax = 0 marks a row this statement inserted; an updated row was already stored.
        const fresh = new Set(rows.filter((r) => r.inserted).map((r) => keyOf({ provider: r.provider, dedupeKey: r.dedupe_key })));
        const events = unique.filter((u) => fresh.has(keyOf(u.item))).map((u) => u.item.event);
        if (events.length > 0) await bus.addToProcessingQueue(trx, events);
        return fresh;
      });
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
