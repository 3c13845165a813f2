import type { Knex } from '@matchday/db';
import type { BookingSubject } from '../domain';

type Q = Knex | Knex.Transaction;

interface BookingRow {
  booking_id: string;
  user_id: string;
  match_id: string;
  quantity: number;
  amount: string | number;
  currency: string;
  hot: boolean;
  customer: Customer;
  created_at: Date;
}

type Customer = Omit<Partial<BookingSubject>, 'at' | 'accountCreatedAt'> & { accountCreatedAt?: string };

function toSubject(row: BookingRow): BookingSubject {
  const c = row.customer;
  return {
    bookingId: row.booking_id,
    userId: row.user_id,
    matchId: row.match_id,
    quantity: row.quantity,
    amount: Number(row.amount),
    currency: row.currency,
    at: row.created_at,
    hotMatch: row.hot,
    ...(c.ip !== undefined && { ip: c.ip }),
    ...(c.deviceId !== undefined && { deviceId: c.deviceId }),
    ...(c.email !== undefined && { email: c.email }),
    ...(c.country !== undefined && { country: c.country }),
    ...(c.accountCreatedAt !== undefined && { accountCreatedAt: new Date(c.accountCreatedAt) }),
    ...(c.cardFingerprint !== undefined && { cardFingerprint: c.cardFingerprint }),
    ...(c.cardCountry !== undefined && { cardCountry: c.cardCountry }),
  };
}

function customerOf(s: Omit<BookingSubject, 'hotMatch'>): Customer {
  return {
    ...(s.ip !== undefined && { ip: s.ip }),
    ...(s.deviceId !== undefined && { deviceId: s.deviceId }),
    ...(s.email !== undefined && { email: s.email }),
    ...(s.country !== undefined && { country: s.country }),
    ...(s.accountCreatedAt !== undefined && { accountCreatedAt: s.accountCreatedAt.toISOString() }),
    ...(s.cardFingerprint !== undefined && { cardFingerprint: s.cardFingerprint }),
    ...(s.cardCountry !== undefined && { cardCountry: s.cardCountry }),
  };
}

export interface BookingsRepository {
  /**
   * Stores a new booking with its match's current hot state and records it as a `booking` signal,
   * in one statement (this is on the decision's hot path). Returns whether the match is hot, or
   * undefined when the booking was known already (a re-published booking.created).
   */
  recordNew(q: Q, subject: Omit<BookingSubject, 'hotMatch'>, eventId: string): Promise<{ hot: boolean } | undefined>;
  get(q: Q, bookingId: string): Promise<BookingSubject | undefined>;
  latestOfUser(q: Q, userId: string): Promise<BookingSubject | undefined>;
  setHot(q: Q, matchId: string, hot: boolean, at: Date): Promise<void>;
  /** Forgets bookings created before `before` (their signals are pruned with the same cutoff). */
  prune(q: Q, before: Date): Promise<number>;
  isHot(q: Q, matchId: string): Promise<boolean>;
}

export function bookingsRepository(): BookingsRepository {
  return {
    async recordNew(q, s, eventId) {
      const result = await q.raw<{ rows: Array<{ hot: boolean }> }>(
        `WITH h AS (SELECT COALESCE((SELECT hot FROM hot_matches WHERE match_id = ?), false) AS hot),
         b AS (
           INSERT INTO bookings (booking_id, user_id, match_id, quantity, amount, currency, hot, customer, created_at)
           SELECT ?, ?, ?, ?, ?, ?, h.hot, ?::jsonb, ? FROM h
           ON CONFLICT (booking_id) DO NOTHING
           RETURNING booking_id, user_id, match_id, quantity, hot, created_at
         )
         INSERT INTO signals (kind, occurred_at, event_id, user_id, booking_id, match_id, ip, device_id, card_fingerprint, quantity, hot)
         SELECT 'booking', b.created_at, ?, b.user_id, b.booking_id, b.match_id, ?, ?, ?, b.quantity, b.hot FROM b
         RETURNING hot`,
        [
          s.matchId,
          s.bookingId,
          s.userId,
          s.matchId,
          s.quantity,
          s.amount,
          s.currency,
          JSON.stringify(customerOf(s)),
          s.at,
          eventId,
          s.ip ?? null,
          s.deviceId ?? null,
          s.cardFingerprint ?? null,
        ],
      );
      const row = result.rows[0];
      return row ? { hot: row.hot } : undefined;
    },

    async get(q, bookingId) {
      const row = await q<BookingRow>('bookings').where({ booking_id: bookingId }).first();
      return row ? toSubject(row) : undefined;
    },

    async latestOfUser(q, userId) {
      const row = await q<BookingRow>('bookings').where({ user_id: userId }).orderBy('created_at', 'desc').first();
      return row ? toSubject(row) : undefined;
    },

    async setHot(q, matchId, hot, at) {
      // Only a newer statement about the match replaces the stored one.
      await q.raw(
        `INSERT INTO hot_matches (match_id, hot, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (match_id) DO UPDATE SET hot = EXCLUDED.hot, updated_at = EXCLUDED.updated_at
         WHERE hot_matches.updated_at <= EXCLUDED.updated_at`,
        [matchId, hot, at],
      );
    },

    async prune(q, before) {
      return q('bookings').where('created_at', '<', before).delete();
    },

    async isHot(q, matchId) {
      const row = await q('hot_matches').where({ match_id: matchId }).first<{ hot: boolean } | undefined>('hot');
      return row?.hot ?? false;
    },
  };
}
