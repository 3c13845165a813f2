import type { Knex } from '@matchday/db';
import type { BookingSubject, MeasuredRule } from '../domain';

type Q = Knex | Knex.Transaction;

/** What fraud records from the events it consumes; rules count these. */
export type SignalKind =
  | 'booking'
  | 'hold_placed'
  | 'unpaid'
  | 'confirmed'
  | 'payment_captured'
  | 'payment_failed'
  | 'ratelimit'
  | 'session_conflict'
  | 'flag';

export interface Signal {
  kind: SignalKind;
  occurredAt: Date;
  eventId?: string;
  userId?: string;
  bookingId?: string;
  matchId?: string;
  ip?: string;
  deviceId?: string;
  cardFingerprint?: string;
  quantity?: number;
  hot?: boolean;
  detail?: Record<string, unknown>;
}

interface SubQuery {
  sql: string;
  bindings: Knex.Value[];
}

/**
 * A rule's window starts `windowSeconds` before the booking and has no end: a signal recorded
 * already counts even when its event carries a later time than the booking's (events of one user
 * arrive on several partitions, so the order they are processed in is not their time order).
 */
const WINDOW = 'occurred_at > ?';

/** One sub-select per measured rule; undefined when the booking lacks what the rule looks at. */
function subQueryFor(rule: MeasuredRule, s: BookingSubject): SubQuery | undefined {
  const from = new Date(s.at.getTime() - rule.windowSeconds * 1000);
  const win: Knex.Value[] = [from];
  const count = (kind: SignalKind, column: string, value: string | undefined): SubQuery | undefined =>
    value === undefined
      ? undefined
      : { sql: `(SELECT count(*) FROM signals WHERE kind = '${kind}' AND ${column} = ? AND ${WINDOW})`, bindings: [value, ...win] };

  switch (rule.kind) {
    case 'velocity': {
      const by = { user: ['user_id', s.userId], ip: ['ip', s.ip], device: ['device_id', s.deviceId], card: ['card_fingerprint', s.cardFingerprint] } as const;
      const [column, value] = by[rule.dimension];
      return count('booking', column, value);
    }
    case 'hot_match_bulk': {
      if (!s.hotMatch) return undefined;
      const dims: Array<[string, string | undefined]> = [
        ['user_id', s.userId],
        ['device_id', s.deviceId],
        ['card_fingerprint', s.cardFingerprint],
      ];
      const parts: SubQuery[] = [];
      for (const [column, value] of dims) {
        if (value === undefined) continue;
        parts.push({
          sql: `(SELECT coalesce(sum(quantity), 0) FROM signals WHERE kind = 'booking' AND hot AND ${column} = ? AND ${WINDOW})`,
          bindings: [value, ...win],
        });
      }
      return { sql: `GREATEST(${parts.map((p) => p.sql).join(', ')})`, bindings: parts.flatMap((p) => p.bindings) };
    }
    case 'unpaid_holds':
      return count('unpaid', 'user_id', s.userId);
    case 'failed_payments':
      return count('payment_failed', 'user_id', s.userId);
    case 'session_conflicts':
      return count('session_conflict', 'user_id', s.userId);
    case 'flagged_user':
      return count('flag', 'user_id', s.userId);
    case 'card_shared_accounts':
      return s.cardFingerprint === undefined
        ? undefined
        : {
            sql: `(SELECT count(DISTINCT user_id) FROM signals WHERE kind = 'booking' AND card_fingerprint = ? AND ${WINDOW})`,
            bindings: [s.cardFingerprint, ...win],
          };
    case 'rate_limited':
      return s.ip === undefined
        ? count('ratelimit', 'user_id', s.userId)
        : {
            sql: `(SELECT count(*) FROM signals WHERE kind = 'ratelimit' AND (user_id = ? OR ip = ?) AND ${WINDOW})`,
            bindings: [s.userId, s.ip, ...win],
          };
  }
}

export interface SignalsRepository {
  record(q: Q, signal: Signal): Promise<void>;
  /** Every measured rule's figure for one booking, in one round trip. */
  measure(q: Q, subject: BookingSubject, rules: MeasuredRule[]): Promise<Map<string, number>>;
  /** Deletes signals older than `before`; returns how many. */
  prune(q: Q, before: Date): Promise<number>;
}

export function signalsRepository(): SignalsRepository {
  return {
    async record(q, s) {
      await q('signals').insert({
        kind: s.kind,
        occurred_at: s.occurredAt,
        event_id: s.eventId ?? null,
        user_id: s.userId ?? null,
        booking_id: s.bookingId ?? null,
        match_id: s.matchId ?? null,
        ip: s.ip ?? null,
        device_id: s.deviceId ?? null,
        card_fingerprint: s.cardFingerprint ?? null,
        quantity: s.quantity ?? null,
        hot: s.hot ?? false,
        detail: s.detail ? JSON.stringify(s.detail) : null,
      });
    },

    async measure(q, subject, rules) {
      const out = new Map<string, number>();
      const parts: Array<{ id: string; sub: SubQuery }> = [];
      for (const rule of rules) {
        const sub = subQueryFor(rule, subject);
        if (sub) parts.push({ id: rule.id, sub });
      }
      if (parts.length === 0) return out;
      const sql = `SELECT ${parts.map((p, i) => `${p.sub.sql} AS m${i}`).join(', ')}`;
      const result = await q.raw<{ rows: Array<Record<string, string | number>> }>(
        sql,
        parts.flatMap((p) => p.sub.bindings),
      );
      const row = result.rows[0] ?? {};
      parts.forEach((p, i) => out.set(p.id, Number(row[`m${i}`] ?? 0)));
      return out;
    },

    async prune(q, before) {
      return q('signals').where('occurred_at', '<', before).delete();
    },
  };
}
