import { toWire, type MatchdayEvent } from '@matchday/contracts';
import { injectTraceHeaders } from '@matchday/observability';

/** The outbox row of an event: the columns `@matchday/bus`'s enqueue writes, for statements that insert it themselves. */
export interface OutboxRow {
  id: string;
  topic: string;
  key: string;
  type: string;
  headers: string;
  payload: string;
}

/**
 * Lets the hold hot path put its event into the outbox inside its single conditional-update
 * statement (one round trip while the match row is locked) instead of a second statement. Same
 * envelope, headers (trace context included) and columns as `enqueue`, so the relay publishes it
 * like any other.
 */
export function outboxRow(event: MatchdayEvent): OutboxRow {
  const wire = toWire(event, injectTraceHeaders({}));
  return { id: event.id, topic: wire.topic, key: wire.key, type: event.type, headers: JSON.stringify(wire.headers), payload: wire.value };
}
