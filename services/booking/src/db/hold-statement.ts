import type { OutboxRow } from './outbox-row';

/**
 * The hot path of a hold, as one statement (autocommit, so one round trip holds the match row
 * lock): take the slots with a conditional update, insert the hold and its outbox event only if
 * that update matched. Returns the match as it was before (status, kickoff, available) so a
 * refusal can be explained without another query. A second active hold of the same user fails
 * the whole statement on the unique index (nothing is taken).
 *
 * The bench measures the raw Postgres ceiling with exactly this statement.
 */
export const PLACE_HOLD_SQL = `
WITH m AS (
  UPDATE matches
     SET available_slots = available_slots - ?, held_slots = held_slots + ?, version = version + 1, updated_at = ?
   WHERE id = ? AND status = 'SCHEDULED' AND kickoff_at > ? AND available_slots >= ?
  RETURNING id, available_slots
), h AS (
  INSERT INTO holds (id, match_id, user_id, quantity, status, session_id, device_id, expires_at, created_at, updated_at)
  SELECT ?, m.id, ?, ?, 'ACTIVE', ?, ?, ?, ?, ? FROM m
  RETURNING id
), o AS (
  INSERT INTO outbox (id, topic, key, type, headers, payload)
  SELECT ?, ?, ?, ?, ?::jsonb, ? FROM h
)
SELECT (SELECT available_slots FROM m) AS available_after,
       (SELECT count(*) FROM h)::int AS placed,
       s.status, s.kickoff_at, s.available_slots AS available_before
  FROM (SELECT 1) AS one LEFT JOIN matches s ON s.id = ?`;

export interface PlaceHoldParams {
  holdId: string;
  matchId: string;
  userId: string;
  quantity: number;
  sessionId: string | null;
  deviceId: string | null;
  expiresAt: Date;
  now: Date;
  event: OutboxRow;
}

export function placeHoldBindings(p: PlaceHoldParams): Array<string | number | Date | null> {
  const e = p.event;
  return [
    p.quantity, p.quantity, p.now, p.matchId, p.now, p.quantity,
    p.holdId, p.userId, p.quantity, p.sessionId, p.deviceId, p.expiresAt, p.now, p.now,
    e.id, e.topic, e.key, e.type, e.headers, e.payload,
    p.matchId,
  ];
}

export interface PlaceHoldRow {
  available_after: number | null;
  placed: number;
  status: string | null;
  kickoff_at: Date | null;
  available_before: number | null;
}

/** `?` placeholders as `$1…$n`, for the bench's raw pg client. */
export const positional = (sql: string): string => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};
