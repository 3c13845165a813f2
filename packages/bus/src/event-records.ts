import type { Knex } from '@matchday/db';

/** One outbox row as operators see it (no payload or headers). */
export interface OutboxEntry {
  /** The row's position in the outbox (bigserial, as a decimal string): the listing's keyset. */
  seq: string;
  eventId: string;
  type: string;
  /** Without the platform's topic prefix. */
  topic: string;
  published: boolean;
  createdAt: Date;
}

/** One inbox row: an event a consumer group applied. */
export interface InboxEntry {
  group: string;
  eventId: string;
  type: string;
  /** Without the platform's topic prefix. */
  topic: string;
}

/** Outbox rows by event type and published or not; inbox rows by consumer group and event type. */
export interface EventCounts {
  outbox: Array<{ type: string; published: boolean; count: number }>;
  inbox: Array<{ group: string; type: string; count: number }>;
}

/**
 * Outbox rows after `afterSeq`, in seq order: a range scan of the primary key, however large the
 * outbox has grown.
 */
export async function listOutbox(
  db: Knex,
  opts: { limit: number; afterSeq?: string },
): Promise<OutboxEntry[]> {
  const { rows } = await db.raw<{
    rows: Array<{
      seq: string;
      id: string;
      type: string;
      topic: string;
      published: boolean;
      created_at: Date;
    }>;
  }>(
    `SELECT seq, id::text AS id, type, topic, published_at IS NOT NULL AS published, created_at
       FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?`,
    [opts.afterSeq ?? '0', opts.limit],
  );
  return rows.map((r) => ({
    seq: String(r.seq),
    eventId: r.id,
    type: r.type,
    topic: r.topic,
    published: r.published,
    createdAt: r.created_at,
  }));
}

/**
 * Inbox rows after `(group, eventId)`, in primary-key order: the row comparison lets Postgres
 * start the index scan at the cursor.
 */
export async function listInbox(
  db: Knex,
  opts: { limit: number; after?: { group: string; eventId: string } },
): Promise<InboxEntry[]> {
  const { rows } = await db.raw<{
    rows: Array<{ consumer_group: string; event_id: string; event_type: string; topic: string }>;
  }>(
    `SELECT consumer_group, event_id, event_type, topic FROM inbox
       ${opts.after ? 'WHERE (consumer_group, event_id) > (?, ?)' : ''}
       ORDER BY consumer_group, event_id LIMIT ?`,
    opts.after ? [opts.after.group, opts.after.eventId, opts.limit] : [opts.limit],
  );
  return rows.map((r) => ({
    group: r.consumer_group,
    eventId: r.event_id,
    type: r.event_type,
    topic: r.topic,
  }));
}

/** The counts behind the listings, one grouped scan per table. */
export async function countEvents(db: Knex): Promise<EventCounts> {
  const [outbox, inbox] = await Promise.all([
    db.raw<{ rows: Array<{ type: string; published: boolean; count: string }> }>(
      `SELECT type, published_at IS NOT NULL AS published, count(*) AS count FROM outbox GROUP BY 1, 2 ORDER BY 1, 2`,
    ),
    db.raw<{ rows: Array<{ consumer_group: string; event_type: string; count: string }> }>(
      `SELECT consumer_group, event_type, count(*) AS count FROM inbox GROUP BY 1, 2 ORDER BY 1, 2`,
    ),
  ]);
  return {
    outbox: outbox.rows.map((r) => ({ type: r.type, published: r.published, count: Number(r.count) })),
    inbox: inbox.rows.map((r) => ({ group: r.consumer_group, type: r.event_type, count: Number(r.count) })),
  };
}
