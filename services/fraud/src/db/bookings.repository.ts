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

export interface BookingsRepository {
  /** Stores a booking once; false when it was already known (a re-published booking.created). */
  insert(q: Q, subject: BookingSubject): Promise<boolean>;
  get(q: Q, bookingId: string): Promise<BookingSubject | undefined>;
  latestOfUser(q: Q, userId: string): Promise<BookingSubject | undefined>;
  setHot(q: Q, matchId: string, hot: boolean, at: Date): Promise<void>;
  isHot(q: Q, matchId: string): Promise<boolean>;
}

export function bookingsRepository(): BookingsRepository {
  return {
    async insert(q, s) {
      const customer: Customer = {
        ...(s.ip !== undefined && { ip: s.ip }),
        ...(s.deviceId !== undefined && { deviceId: s.deviceId }),
        ...(s.email !== undefined && { email: s.email }),
        ...(s.country !== undefined && { country: s.country }),
        ...(s.accountCreatedAt !== undefined && { accountCreatedAt: s.accountCreatedAt.toISOString() }),
        ...(s.cardFingerprint !== undefined && { cardFingerprint: s.cardFingerprint }),
        ...(s.cardCountry !== undefined && { cardCountry: s.cardCountry }),
      };
      const inserted = await q('bookings')
        .insert({
          booking_id: s.bookingId,
          user_id: s.userId,
          match_id: s.matchId,
          quantity: s.quantity,
          amount: s.amount,
          currency: s.currency,
          hot: s.hotMatch,
          customer: JSON.stringify(customer),
          created_at: s.at,
        })
        .onConflict('booking_id')
        .ignore()
        .returning('booking_id');
      return inserted.length > 0;
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

    async isHot(q, matchId) {
      const row = await q('hot_matches').where({ match_id: matchId }).first<{ hot: boolean } | undefined>('hot');
      return row?.hot ?? false;
    },
  };
}
