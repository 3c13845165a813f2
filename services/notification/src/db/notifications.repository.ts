import { randomUUID } from 'node:crypto';
import type { Knex } from '@matchday/db';
import type { Channel, NotificationStatus, TemplateContext, TemplateId } from '../domain';

type Db = Knex | Knex.Transaction;

export interface SourceEvent {
  eventId: string;
  type: string;
  subject: string;
  template: TemplateId;
  critical: boolean;
  context: TemplateContext;
  occurredAt: string;
  recipients: number;
}

/** What every recipient of a source event shares: kept by the dispatchers while they send it. */
export interface SourceEventInfo {
  type: string;
  template: TemplateId;
  critical: boolean;
  occurredAt: Date;
  context: TemplateContext;
}

/** A notification a worker took, with what sending it needs. */
export interface ClaimedNotification {
  id: string;
  eventId: string;
  userId: string;
  channel: Channel;
  attempts: number;
  fallbackFrom: string | null;
  email: string | null;
  phone: string | null;
  locale: string | null;
  eventType: string;
  template: TemplateId;
  critical: boolean;
  occurredAt: Date;
  /** What the event tells every recipient. */
  context: TemplateContext;
}

export interface NotificationRecord {
  id: string;
  eventId: string;
  eventType: string;
  userId: string;
  channel: Channel;
  status: NotificationStatus;
  provider: string | null;
  attempts: number;
  reason: string | null;
  fallbackFrom: string | null;
  fallbackTo: Channel | null;
  createdAt: string;
  sentAt: string | null;
  finishedAt: string | null;
  deliveries: Array<{
    id: string;
    provider: string;
    deviceId: string | null;
    externalId: string | null;
    status: string;
    error: string | null;
    createdAt: string;
    updatedAt: string;
  }>;
}

export interface DeliveryRow {
  id: string;
  notificationId: string;
  provider: string;
  deviceId: string | null;
  externalId: string | null;
  status: 'sent' | 'failed';
  error: string | null;
}

/** A delivery and its notification, as a provider report finds them. */
export interface DeliveryMatch {
  deliveryId: string;
  deliveryStatus: string;
  provider: string;
  notificationId: string;
  status: NotificationStatus;
  eventId: string;
  eventType: string;
  userId: string;
  channel: Channel;
  occurredAt: Date;
}

const CHUNK = 20_000;

/**
 * Rows for a set-wise statement as one JSON parameter read with `json_to_recordset`: a single string
 * Postgres parses, instead of a pg array literal per column escaped element by element in JS.
 */
const json = (rows: unknown[]): string => JSON.stringify(rows);

function chunks<T>(list: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

interface ClaimRow {
  id: string;
  event_id: string;
  user_id: string;
  channel: Channel;
  attempts: number;
  fallback_from: string | null;
  email: string | null;
  phone: string | null;
  locale: string | null;
}

/** Notifications (the dispatchers' work queue), their deliveries, and the events they were made for. */
export function notificationsRepository() {
  return {
    /** Records what an event tells its recipients; false when it was recorded before. */
    async saveSourceEvent(db: Db, e: SourceEvent): Promise<boolean> {
      const rows = await db('source_events')
        .insert({
          event_id: e.eventId,
          type: e.type,
          subject: e.subject,
          template: e.template,
          critical: e.critical,
          context: JSON.stringify(e.context),
          occurred_at: e.occurredAt,
          recipients: e.recipients,
        })
        .onConflict('event_id')
        .ignore()
        .returning('event_id');
      return rows.length > 0;
    },

    /**
     * One pending notification per (user, channel) of the event; pairs that exist already are left
     * alone. The ids are made here (Node draws them from a buffered random pool): the column's
     * gen_random_uuid() default costs Postgres about 5 µs a row, a second of a 200,000-row fan-out.
     */
    async createNotifications(
      db: Db,
      eventId: string,
      rows: Array<{ userId: string; channel: Channel }>,
    ): Promise<number> {
      let created = 0;
      for (const part of chunks(rows)) {
        const res = (await db.raw(
          `INSERT INTO notifications (id, event_id, user_id, channel)
             SELECT t.id, ?, t."userId", t.channel FROM json_to_recordset(?::json) AS t(id uuid, "userId" text, channel text)
           ON CONFLICT (user_id, event_id, channel) DO NOTHING`,
          [eventId, json(part.map((r) => ({ id: randomUUID(), userId: r.userId, channel: r.channel })))],
        )) as { rowCount: number };
        created += res.rowCount;
      }
      return created;
    },

    /**
     * Takes up to `limit` due notifications of a channel for this worker (SKIP LOCKED: workers of
     * every replica share the queue without waiting on each other), oldest first, with the user's
     * contacts and the event's template. What the event tells everyone is read once per event:
     * `events` holds the events already known and receives the ones read here.
     */
    async claim(
      db: Db,
      channel: Channel,
      limit: number,
      events: Map<string, SourceEventInfo>,
    ): Promise<ClaimedNotification[]> {
      const { rows } = (await db.raw(
        // The rows are locked by the first step, so their physical address (ctid) cannot change
        // before the update reaches them: no second lookup per row through the primary key.
        `WITH due AS (
           SELECT ctid FROM notifications
            WHERE status = 'pending' AND channel = ? AND next_attempt_at <= now()
            ORDER BY next_attempt_at
            LIMIT ? FOR UPDATE SKIP LOCKED
         ), claimed AS (
           UPDATE notifications n SET status = 'sending', claimed_at = now()
            WHERE n.ctid = ANY (ARRAY(SELECT ctid FROM due))
           RETURNING n.id, n.event_id, n.user_id, n.channel, n.attempts, n.fallback_from
         )
         SELECT c.*, ct.email, ct.phone, ct.locale
           FROM claimed c
           LEFT JOIN contacts ct ON ct.user_id = c.user_id`,
        [channel, limit],
      )) as { rows: ClaimRow[] };
      // This batch's own view: another worker may reset the shared map meanwhile.
      const known = new Map<string, SourceEventInfo>();
      const missing: string[] = [];
      for (const id of new Set(rows.map((r) => r.event_id))) {
        const e = events.get(id);
        if (e) known.set(id, e);
        else missing.push(id);
      }
      if (missing.length > 0) {
        const found = (
          (await db.raw(
            `SELECT event_id, type, template, critical, occurred_at, context FROM source_events
              WHERE event_id = ANY(?::text[])`,
            [missing],
          )) as {
            rows: Array<{
              event_id: string;
              type: string;
              template: TemplateId;
              critical: boolean;
              occurred_at: Date;
              context: TemplateContext;
            }>;
          }
        ).rows;
        for (const e of found) {
          const info: SourceEventInfo = {
            type: e.type,
            template: e.template,
            critical: e.critical,
            occurredAt: e.occurred_at,
            context: e.context,
          };
          events.set(e.event_id, info);
          known.set(e.event_id, info);
        }
      }
      const claimed: ClaimedNotification[] = [];
      for (const r of rows) {
        const e = known.get(r.event_id);
        // Notifications are only ever created with their source event, in one transaction.
        if (!e) throw new Error(`notification ${r.id}: source event ${r.event_id} not found`);
        claimed.push({
          id: r.id,
          eventId: r.event_id,
          userId: r.user_id,
          channel: r.channel,
          attempts: r.attempts,
          fallbackFrom: r.fallback_from,
          email: r.email,
          phone: r.phone,
          locale: r.locale,
          eventType: e.type,
          template: e.template,
          critical: e.critical,
          occurredAt: e.occurredAt,
          context: e.context,
        });
      }
      return claimed;
    },

    async markSent(db: Db, items: Array<{ id: string; provider: string }>): Promise<void> {
      for (const part of chunks(items)) {
        await db.raw(
          `UPDATE notifications n SET status = 'sent', provider = v.provider, sent_at = now(), claimed_at = NULL, reason = NULL
             FROM json_to_recordset(?::json) AS v(id uuid, provider text)
            WHERE n.id = v.id AND n.status = 'sending'`,
          [json(part)],
        );
      }
    },

    async saveDeliveries(db: Db, rows: DeliveryRow[]): Promise<void> {
      for (const part of chunks(rows)) {
        await db.raw(
          `INSERT INTO deliveries (id, notification_id, provider, device_id, external_id, status, error)
             SELECT id, "notificationId", provider, "deviceId", "externalId", status, error
               FROM json_to_recordset(?::json)
                 AS t(id uuid, "notificationId" uuid, provider text, "deviceId" uuid, "externalId" text, status text, error text)`,
          [json(part)],
        );
      }
    },

    /** Puts claimed notifications back in the queue, due at `at`. */
    async reschedule(
      db: Db,
      items: Array<{ id: string; at: Date; countsAsAttempt: boolean; reason: string }>,
    ): Promise<void> {
      for (const part of chunks(items)) {
        await db.raw(
          `UPDATE notifications n SET status = 'pending', claimed_at = NULL, next_attempt_at = v.at,
                  attempts = n.attempts + CASE WHEN v."countsAsAttempt" THEN 1 ELSE 0 END, reason = v.reason
             FROM json_to_recordset(?::json) AS v(id uuid, at timestamptz, "countsAsAttempt" boolean, reason text)
            WHERE n.id = v.id AND n.status = 'sending'`,
          [json(part)],
        );
      }
    },

    async markFailed(
      db: Db,
      items: Array<{ id: string; reason: string; fallbackTo: Channel | null }>,
    ): Promise<void> {
      for (const part of chunks(items)) {
        await db.raw(
          `UPDATE notifications n SET status = 'failed', claimed_at = NULL, reason = v.reason, fallback_to = v."fallbackTo",
                  attempts = n.attempts + 1, finished_at = now()
             FROM json_to_recordset(?::json) AS v(id uuid, reason text, "fallbackTo" text)
            WHERE n.id = v.id AND n.status = 'sending'`,
          [json(part)],
        );
      }
    },

    /**
     * Makes sure the user gets the event on `channel` instead: a new pending notification, unless
     * one exists for that (event, user, channel) already — then the user hears it there, once.
     * Returns the ids of the notifications it created.
     */
    async createFallbacks(
      db: Db,
      items: Array<{ eventId: string; userId: string; channel: Channel; fromId: string }>,
    ): Promise<string[]> {
      const created: string[] = [];
      for (const part of chunks(items)) {
        const { rows } = (await db.raw(
          `INSERT INTO notifications (event_id, user_id, channel, fallback_from)
             SELECT "eventId", "userId", channel, "fromId"
               FROM json_to_recordset(?::json) AS t("eventId" text, "userId" text, channel text, "fromId" uuid)
           ON CONFLICT (user_id, event_id, channel) DO NOTHING
           RETURNING id`,
          [json(part)],
        )) as { rows: Array<{ id: string }> };
        created.push(...rows.map((r) => r.id));
      }
      return created;
    },

    /**
     * Which (event, user) pairs already have a notification on another channel that has not failed:
     * those users hear about the event there, so a failed channel needs no fallback.
     */
    async reachedElsewhere(
      db: Db,
      items: Array<{ eventId: string; userId: string; channel: Channel }>,
    ): Promise<Set<string>> {
      const reached = new Set<string>();
      for (const part of chunks(items)) {
        const { rows } = (await db.raw(
          `SELECT DISTINCT n.event_id, n.user_id
             FROM json_to_recordset(?::json) AS t("eventId" text, "userId" text, channel text)
             JOIN notifications n ON n.event_id = t."eventId" AND n.user_id = t."userId" AND n.channel <> t.channel
            WHERE n.status NOT IN ('failed', 'bounced')`,
          [json(part)],
        )) as { rows: Array<{ event_id: string; user_id: string }> };
        for (const r of rows) reached.add(`${r.event_id}|${r.user_id}`);
      }
      return reached;
    },

    /** Hands notifications whose worker died (claimed longer than the lease) back to the queue. */
    async releaseExpiredClaims(db: Db, leaseMs: number): Promise<number> {
      const res = (await db.raw(
        `UPDATE notifications SET status = 'pending', claimed_at = NULL, next_attempt_at = now(), reason = 'claim expired'
          WHERE status = 'sending' AND claimed_at < now() - (? * interval '1 millisecond')`,
        [leaseMs],
      )) as { rowCount: number };
      return res.rowCount;
    },

    /** Waiting notifications per channel, and how long the oldest due one has waited. */
    async queueStats(db: Db): Promise<Array<{ channel: Channel; pending: number; lagSeconds: number }>> {
      const { rows } = (await db.raw(
        `SELECT channel, count(*)::int AS pending,
                COALESCE(EXTRACT(EPOCH FROM now() - min(next_attempt_at) FILTER (WHERE next_attempt_at <= now())), 0)::float AS lag
           FROM notifications WHERE status = 'pending' GROUP BY channel`,
      )) as { rows: Array<{ channel: Channel; pending: number; lag: number }> };
      return rows.map((r) => ({ channel: r.channel, pending: r.pending, lagSeconds: Math.max(0, r.lag) }));
    },

    /** The delivery a provider report is about: by our own delivery id, or by the provider's message id. */
    async findDelivery(
      db: Db,
      by: { deliveryId: string } | { provider: string; externalId: string },
    ): Promise<DeliveryMatch | undefined> {
      const where = 'deliveryId' in by ? 'd.id = ?::uuid' : 'd.provider = ? AND d.external_id = ?';
      const bindings = 'deliveryId' in by ? [by.deliveryId] : [by.provider, by.externalId];
      const { rows } = (await db.raw(
        `SELECT d.id AS delivery_id, d.status AS delivery_status, d.provider, n.id AS notification_id, n.status, n.event_id,
                n.user_id, n.channel, e.type AS event_type, e.occurred_at
           FROM deliveries d JOIN notifications n ON n.id = d.notification_id JOIN source_events e ON e.event_id = n.event_id
          WHERE ${where} FOR UPDATE OF n`,
        bindings,
      )) as {
        rows: Array<{
          delivery_id: string;
          delivery_status: string;
          provider: string;
          notification_id: string;
          status: NotificationStatus;
          event_id: string;
          user_id: string;
          channel: Channel;
          event_type: string;
          occurred_at: Date;
        }>;
      };
      const r = rows[0];
      return r
        ? {
            deliveryId: r.delivery_id,
            deliveryStatus: r.delivery_status,
            provider: r.provider,
            notificationId: r.notification_id,
            status: r.status,
            eventId: r.event_id,
            eventType: r.event_type,
            userId: r.user_id,
            channel: r.channel,
            occurredAt: r.occurred_at,
          }
        : undefined;
    },

    async setDeliveryStatus(
      db: Db,
      deliveryId: string,
      status: 'delivered' | 'failed' | 'bounced',
      error: string | null,
    ): Promise<void> {
      await db('deliveries').where({ id: deliveryId }).update({ status, error, updated_at: db.fn.now() });
    },

    async setStatus(
      db: Db,
      id: string,
      status: NotificationStatus,
      reason: string | null,
      fallbackTo: Channel | null = null,
    ): Promise<void> {
      await db('notifications')
        .where({ id })
        .update({ status, reason, finished_at: db.fn.now(), ...(fallbackTo && { fallback_to: fallbackTo }) });
    },

    /** A user's notifications, newest first, with their deliveries (support and the invariant checker). */
    async listForUser(
      db: Db,
      userId: string,
      opts: { eventId?: string; limit: number },
    ): Promise<NotificationRecord[]> {
      const q = db('notifications as n')
        .join('source_events as e', 'e.event_id', 'n.event_id')
        .where('n.user_id', userId)
        .select('n.*', 'e.type as event_type')
        .orderBy('n.created_at', 'desc')
        .limit(opts.limit);
      if (opts.eventId) void q.andWhere('n.event_id', opts.eventId);
      const rows = (await q) as Array<{
        id: string;
        event_id: string;
        event_type: string;
        user_id: string;
        channel: Channel;
        status: NotificationStatus;
        provider: string | null;
        attempts: number;
        reason: string | null;
        fallback_from: string | null;
        fallback_to: Channel | null;
        created_at: Date;
        sent_at: Date | null;
        finished_at: Date | null;
      }>;
      const deliveries = rows.length
        ? ((await db('deliveries')
            .whereIn(
              'notification_id',
              rows.map((r) => r.id),
            )
            .orderBy('created_at')) as Array<{
            id: string;
            notification_id: string;
            provider: string;
            device_id: string | null;
            external_id: string | null;
            status: string;
            error: string | null;
            created_at: Date;
            updated_at: Date;
          }>)
        : [];
      return rows.map((r) => ({
        id: r.id,
        eventId: r.event_id,
        eventType: r.event_type,
        userId: r.user_id,
        channel: r.channel,
        status: r.status,
        provider: r.provider,
        attempts: r.attempts,
        reason: r.reason,
        fallbackFrom: r.fallback_from,
        fallbackTo: r.fallback_to,
        createdAt: r.created_at.toISOString(),
        sentAt: r.sent_at?.toISOString() ?? null,
        finishedAt: r.finished_at?.toISOString() ?? null,
        deliveries: deliveries
          .filter((d) => d.notification_id === r.id)
          .map((d) => ({
            id: d.id,
            provider: d.provider,
            deviceId: d.device_id,
            externalId: d.external_id,
            status: d.status,
            error: d.error,
            createdAt: d.created_at.toISOString(),
            updatedAt: d.updated_at.toISOString(),
          })),
      }));
    },
  };
}

export type NotificationsRepository = ReturnType<typeof notificationsRepository>;
