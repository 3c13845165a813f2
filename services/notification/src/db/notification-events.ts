import { randomUUID } from 'node:crypto';
import { topicOf, validateData, type EventData } from '@matchday/contracts';
import type { Knex } from '@matchday/db';
import { injectTraceHeaders } from '@matchday/observability';

type Db = Knex | Knex.Transaction;

export type NotificationEventType =
  'notification.sent.v1' | 'notification.delivered.v1' | 'notification.failed.v1' | 'notification.bounced.v1';

type Data = EventData<'notification.failed.v1'>;
export type NotificationEventData = Omit<Data, 'reason'> & { reason?: string };

export const SERVICE = 'notification';

/**
 * The outbox rows for notification events (the same CloudEvents binary-mode messages `toWire`
 * writes) as the JSON text of one statement parameter: `[{"id", "key", "headers": {…}, "payload": {…}}, …]`. The headers every row shares are encoded
 * once and each row adds its own id and subject; the payload goes in as a JSON value (the insert
 * keeps its text), not as a string escaped a second time.
 */
export function notificationOutboxJson(
  type: NotificationEventType,
  items: NotificationEventData[],
  opts: { trace?: Record<string, string>; time?: Date } = {},
): string {
  const time = (opts.time ?? new Date()).toISOString();
  const shared = JSON.stringify({
    ...opts.trace,
    'content-type': 'application/json',
    ce_time: time,
    ce_type: type,
    ce_source: SERVICE,
    ce_specversion: '1.0',
    ce_datacontenttype: 'application/json',
  }).slice(1, -1);
  const parts: string[] = [];
  for (const item of items) {
    const id = JSON.stringify(randomUUID());
    const key = JSON.stringify(item.notificationId);
    parts.push(
      `{"id":${id},"key":${key},"headers":{${shared},"ce_id":${id},"ce_subject":${key}},"payload":${JSON.stringify(item)}}`,
    );
  }
  return `[${parts.join(',')}]`;
}

/**
 * Adds notification events to the outbox, many per statement, in the caller's transaction.
 *
 * A fan-out produces one event per message (hundreds of thousands): building each through
 * `buildEvent`/`toWire` (zod and the CloudEvents SDK, ~45 µs each) would cost more CPU than sending
 * them. The rows are built directly (see {@link notificationOutboxJson}, compared with `toWire` in
 * its test); the first event of every call is still checked against the contract.
 */
export async function enqueueNotificationEvents(
  db: Db,
  type: NotificationEventType,
  items: NotificationEventData[],
): Promise<void> {
  if (items.length === 0) return;
  validateData(type, items[0]);
  const trace = injectTraceHeaders({});
  const CHUNK = 20_000;
  for (let i = 0; i < items.length; i += CHUNK) {
    // One JSON parameter (parsed by Postgres) rather than pg array literals escaped per element;
    // `payload json` keeps the text of each payload as it was written.
    await db.raw(
      `INSERT INTO outbox (id, topic, key, type, headers, payload)
         SELECT id, ?, key, ?, headers, payload::text
           FROM json_to_recordset(?::json) AS t(id uuid, key text, headers jsonb, payload json)`,
      [topicOf[type], type, notificationOutboxJson(type, items.slice(i, i + CHUNK), { trace })],
    );
  }
}
