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

/**
 * PLACE_HOLD_SQL for several attempts on one match at once (group commit), in one statement: the
 * match row is locked, the attempts that fit are taken in arrival order (a running sum of their
 * quantities against the available slots), one conditional update takes all their slots, and their
 * holds and events are inserted. Returns the ids of the holds placed (the others found no slots),
 * plus the match as it was, to explain refusals. A second active hold of one user fails the whole
 * statement (unique index): the writer then decides that batch attempt by attempt.
 */
export const PLACE_HOLDS_SQL = `
WITH req AS (
  SELECT * FROM unnest(?::uuid[], ?::text[], ?::int[], ?::text[], ?::text[], ?::timestamptz[]) WITH ORDINALITY
    AS r(hold_id, user_id, quantity, session_id, device_id, expires_at, ord)
), cur AS (
  SELECT id, available_slots FROM matches WHERE id = ? AND status = 'SCHEDULED' AND kickoff_at > ? FOR UPDATE
), fit AS (
  SELECT c.* FROM (SELECT r.*, sum(r.quantity) OVER (ORDER BY r.ord) AS running FROM req r) c, cur
   WHERE c.running <= cur.available_slots
), total AS (
  SELECT coalesce(sum(quantity), 0)::int AS n FROM fit
), m AS (
  UPDATE matches
     SET available_slots = available_slots - total.n, held_slots = held_slots + total.n, version = version + 1, updated_at = ?
    FROM total
   WHERE matches.id = ? AND total.n > 0 AND available_slots >= total.n
  RETURNING matches.id, available_slots
), h AS (
  INSERT INTO holds (id, match_id, user_id, quantity, status, session_id, device_id, expires_at, created_at, updated_at)
  SELECT f.hold_id, m.id, f.user_id, f.quantity, 'ACTIVE', f.session_id, f.device_id, f.expires_at, ?, ? FROM fit f CROSS JOIN m
  RETURNING id
), o AS (
  INSERT INTO outbox (id, topic, key, type, headers, payload)
  SELECT e.id, e.topic, e.key, e.type, e.headers::jsonb, e.payload
    FROM unnest(?::uuid[], ?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[]) AS e(hold_id, id, topic, key, type, headers, payload)
    JOIN h ON h.id = e.hold_id
)
SELECT (SELECT available_slots FROM m) AS available_after,
       (SELECT count(*) FROM h)::int AS placed,
       ARRAY(SELECT id FROM h) AS placed_ids,
       s.status, s.kickoff_at, s.available_slots AS available_before
  FROM (SELECT 1) AS one LEFT JOIN matches s ON s.id = ?`;

export interface PlaceHoldsRow extends PlaceHoldRow {
  placed_ids: string[];
}

/** Bindings of PLACE_HOLDS_SQL for attempts that all target `matchId`, in arrival order. */
export function placeHoldsBindings(matchId: string, now: Date, attempts: PlaceHoldParams[]): unknown[] {
  const col = <T>(f: (p: PlaceHoldParams) => T): T[] => attempts.map(f);
  return [
    col((p) => p.holdId),
    col((p) => p.userId),
    col((p) => p.quantity),
    col((p) => p.sessionId),
    col((p) => p.deviceId),
    col((p) => p.expiresAt.toISOString()),
    matchId,
    now,
    now,
    matchId,
    now,
    now,
    col((p) => p.holdId),
    col((p) => p.event.id),
    col((p) => p.event.topic),
    col((p) => p.event.key),
    col((p) => p.event.type),
    col((p) => p.event.headers),
    col((p) => p.event.payload),
    matchId,
  ];
}
