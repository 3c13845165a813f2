import { toWire, type MatchdayEvent } from '@matchday/contracts';
import { injectTraceHeaders } from '@matchday/observability';

/** The outbox row of an event: the columns `@matchday/bus`'s enqueue writes, for statements that insert it themselves. */
export interface OutboxRow {
  id: string;
  topic: string;
  key: string;
  type: string;
  headers: Record<string, string>;
  payload: string;
}

/**
 * Lets the group commit store webhooks and queue their events in one statement (one round trip,
 * autocommit) instead of a transaction of four. Same envelope, headers (trace context included) and
 * columns as `enqueue`, so the relay publishes it like any other.
 */
export function outboxRow(event: MatchdayEvent): OutboxRow {
  const wire = toWire(event, injectTraceHeaders({}));
  return { id: event.id, topic: wire.topic, key: wire.key, type: event.type, headers: wire.headers, payload: wire.value };
}
