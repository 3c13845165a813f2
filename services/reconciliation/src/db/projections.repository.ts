import type { Knex } from '@matchday/db';
import type { BookingRecord, BookingState, PaymentRecord } from '../domain';

type Q = Knex | Knex.Transaction;

interface BookingRow {
  booking_id: string;
  state: BookingState;
  amount: string;
  currency: string;
  captured: string;
  disputed: boolean;
  created_at: Date;
  updated_at: Date;
  /** From payment_outcomes (null when payment said nothing yet). */
  succeeded_amount: string | null;
  closed_at: Date | null;
  close_reason: string | null;
}

interface PaymentRow {
  payment_id: string;
  booking_id: string;
  intent_id: string | null;
  payer_id: string | null;
  currency: string;
  captured: string;
  refunded: string;
  booking_captured: string;
}

export interface BookingFacts {
  bookingId: string;
  at: Date;
  userId?: string;
  matchId?: string;
  amount?: number;
  currency?: string;
}

export interface ProjectionsRepository {
  /** A new booking; false when it was known already. */
  created(q: Q, b: Required<BookingFacts>): Promise<boolean>;
  /**
   * Moves a booking to `state` unless a later event already moved it. A booking never seen
   * before is created from the event when it carries amount and currency; false when it could
   * not be (a gap in the projection).
   */
  transition(q: Q, state: BookingState, b: BookingFacts): Promise<boolean>;
  setAmount(q: Q, bookingId: string, amount: number, currency: string, at: Date): Promise<boolean>;
  setDisputed(q: Q, bookingId: string, disputed: boolean, at: Date): Promise<boolean>;
  authorized(q: Q, p: { paymentId: string; bookingId: string; intentId: string; payerId: string; amount: number; currency: string; at: Date }): Promise<void>;
  /** Records a capture; returns the booking-currency value it added (from the running sum). */
  captured(
    q: Q,
    p: { paymentId: string; bookingId: string; intentId: string; payerId: string; amount: number; currency: string; bookingCaptured: number; bookingCurrency: string; at: Date },
  ): Promise<number>;
  refunded(q: Q, p: { paymentId: string; bookingId: string; amount: number; currency: string; bookingRefunded: number; at: Date }): Promise<void>;
  paymentStatus(q: Q, paymentId: string, status: string, at: Date): Promise<void>;
  /** payment.succeeded: payment declared the booking paid for `amount` (the greatest one is kept). */
  paymentSucceeded(q: Q, bookingId: string, amount: number, at: Date): Promise<void>;
  /** payment.closed: payment gives the booking's money back (the first closure is kept). */
  paymentClosed(q: Q, bookingId: string, reason: string, at: Date): Promise<void>;
  /** Bookings created since `from`, plus the given ones whatever their age. */
  bookingsForRun(q: Q, from: Date, alsoIds: string[]): Promise<BookingRecord[]>;
  paymentsOf(q: Q, bookingIds: string[]): Promise<PaymentRecord[]>;
}

const toBooking = (r: BookingRow): BookingRecord => ({
  bookingId: r.booking_id,
  state: r.state,
  amount: Number(r.amount),
  currency: r.currency,
  disputed: r.disputed,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  paidDeclared: Number(r.succeeded_amount ?? 0),
  ...(r.closed_at !== null && { paymentClosed: { at: r.closed_at, reason: r.close_reason ?? 'unknown' } }),
});

/** Bookings with what payment said about them. */
const bookingRows = (q: Q) =>
  q<BookingRow>('bookings as b')
    .leftJoin('payment_outcomes as o', 'o.booking_id', 'b.booking_id')
    .select('b.*', 'o.succeeded_amount', 'o.closed_at', 'o.close_reason');

const toPayment = (r: PaymentRow): PaymentRecord => ({
  paymentId: r.payment_id,
  bookingId: r.booking_id,
  ...(r.intent_id !== null && { intentId: r.intent_id }),
  ...(r.payer_id !== null && { payerId: r.payer_id }),
  currency: r.currency,
  captured: Number(r.captured),
  refunded: Number(r.refunded),
  bookingCaptured: Number(r.booking_captured),
});

export function projectionsRepository(): ProjectionsRepository {
  return {
    async created(q, b) {
      const rows = await q('bookings')
        .insert({
          booking_id: b.bookingId,
          user_id: b.userId,
          match_id: b.matchId,
          state: 'PENDING_PAYMENT',
          amount: b.amount,
          currency: b.currency,
          created_at: b.at,
          updated_at: b.at,
        })
        .onConflict('booking_id')
        .ignore()
        .returning('booking_id');
      return rows.length > 0;
    },

    async transition(q, state, b) {
      const updated = await q('bookings')
        .where({ booking_id: b.bookingId })
        .andWhere('updated_at', '<=', b.at)
        .update({
          state,
          updated_at: b.at,
          ...(b.amount !== undefined && { amount: b.amount }),
          ...(b.currency !== undefined && { currency: b.currency }),
        });
      if (updated > 0) return true;
      const exists = await q('bookings').where({ booking_id: b.bookingId }).first('booking_id');
      if (exists) return true; // a later event already moved it: this one is stale
      if (b.amount === undefined || b.currency === undefined) return false;
      await q('bookings')
        .insert({
          booking_id: b.bookingId,
          user_id: b.userId ?? null,
          match_id: b.matchId ?? null,
          state,
          amount: b.amount,
          currency: b.currency,
          created_at: b.at,
          updated_at: b.at,
        })
        .onConflict('booking_id')
        .ignore();
      return true;
    },

    async setAmount(q, bookingId, amount, currency, at) {
      const n = await q('bookings')
        .where({ booking_id: bookingId })
        .update({ amount, currency, updated_at: q.raw('GREATEST(updated_at, ?)', [at]) });
      return n > 0;
    },

    async setDisputed(q, bookingId, disputed, at) {
      const n = await q('bookings').where({ booking_id: bookingId }).update({ disputed, updated_at: q.raw('GREATEST(updated_at, ?)', [at]) });
      return n > 0;
    },

    async authorized(q, p) {
      await q.raw(
        `INSERT INTO payments (payment_id, booking_id, intent_id, payer_id, currency, status, authorized, updated_at)
         VALUES (?, ?, ?, ?, ?, 'authorized', ?, ?)
         ON CONFLICT (payment_id) DO UPDATE SET
           intent_id = COALESCE(payments.intent_id, EXCLUDED.intent_id),
           payer_id = COALESCE(payments.payer_id, EXCLUDED.payer_id),
           authorized = EXCLUDED.authorized,
           updated_at = GREATEST(payments.updated_at, EXCLUDED.updated_at)`,
        [p.paymentId, p.bookingId, p.intentId, p.payerId, p.currency, p.amount, p.at],
      );
    },

    async captured(q, p) {
      // What this capture was worth in the booking's currency: the running sum's growth.
      const booking = await q('bookings')
        .where({ booking_id: p.bookingId })
        .forUpdate()
        .first<{ captured: string; currency: string } | undefined>('captured', 'currency');
      const before = Number(booking?.captured ?? 0);
      let share = p.bookingCaptured - before;
      if (share <= 0) share = p.currency === p.bookingCurrency ? p.amount : 0;
      if (booking) {
        await q('bookings').where({ booking_id: p.bookingId }).update({ captured: q.raw('GREATEST(captured, ?)', [p.bookingCaptured]) });
      }
      await q.raw(
        `INSERT INTO payments (payment_id, booking_id, intent_id, payer_id, currency, status, captured, booking_captured, updated_at)
         VALUES (?, ?, ?, ?, ?, 'captured', ?, ?, ?)
         ON CONFLICT (payment_id) DO UPDATE SET
           intent_id = COALESCE(payments.intent_id, EXCLUDED.intent_id),
           payer_id = COALESCE(payments.payer_id, EXCLUDED.payer_id),
           currency = EXCLUDED.currency,
           status = 'captured',
           captured = GREATEST(payments.captured, EXCLUDED.captured),
           booking_captured = GREATEST(payments.booking_captured, EXCLUDED.booking_captured),
           updated_at = GREATEST(payments.updated_at, EXCLUDED.updated_at)`,
        [p.paymentId, p.bookingId, p.intentId, p.payerId, p.currency, p.amount, share, p.at],
      );
      return share;
    },

    async refunded(q, p) {
      await q('bookings').where({ booking_id: p.bookingId }).update({ refunded: q.raw('GREATEST(refunded, ?)', [p.bookingRefunded]) });
      await q.raw(
        `INSERT INTO payments (payment_id, booking_id, currency, status, refunded, updated_at)
         VALUES (?, ?, ?, 'refunded', ?, ?)
         ON CONFLICT (payment_id) DO UPDATE SET
           refunded = payments.refunded + EXCLUDED.refunded,
           updated_at = GREATEST(payments.updated_at, EXCLUDED.updated_at)`,
        [p.paymentId, p.bookingId, p.currency, p.amount, p.at],
      );
    },

    async paymentStatus(q, paymentId, status, at) {
      await q('payments').where({ payment_id: paymentId }).update({ status, updated_at: q.raw('GREATEST(updated_at, ?)', [at]) });
    },

    async paymentSucceeded(q, bookingId, amount, at) {
      await q.raw(
        `INSERT INTO payment_outcomes (booking_id, succeeded_amount, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (booking_id) DO UPDATE SET
           succeeded_amount = GREATEST(payment_outcomes.succeeded_amount, EXCLUDED.succeeded_amount),
           updated_at = GREATEST(payment_outcomes.updated_at, EXCLUDED.updated_at)`,
        [bookingId, amount, at],
      );
    },

    async paymentClosed(q, bookingId, reason, at) {
      await q.raw(
        `INSERT INTO payment_outcomes (booking_id, closed_at, close_reason, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (booking_id) DO UPDATE SET
           closed_at = COALESCE(payment_outcomes.closed_at, EXCLUDED.closed_at),
           close_reason = COALESCE(payment_outcomes.close_reason, EXCLUDED.close_reason),
           updated_at = GREATEST(payment_outcomes.updated_at, EXCLUDED.updated_at)`,
        [bookingId, at, reason, at],
      );
    },

    async bookingsForRun(q, from, alsoIds) {
      const rows: BookingRow[] = await bookingRows(q).where('b.created_at', '>=', from);
      const loaded = new Set(rows.map((r) => r.booking_id));
      const missing = [...new Set(alsoIds)].filter((id) => !loaded.has(id));
      // Chunks keep the bind-parameter count well below Postgres' limit.
      for (let i = 0; i < missing.length; i += 5000) {
        rows.push(...(await bookingRows(q).whereIn('b.booking_id', missing.slice(i, i + 5000))));
      }
      return rows.map(toBooking);
    },

    async paymentsOf(q, bookingIds) {
      if (bookingIds.length === 0) return [];
      const rows: PaymentRow[] = [];
      for (let i = 0; i < bookingIds.length; i += 5000) {
        rows.push(...(await q<PaymentRow>('payments').whereIn('booking_id', bookingIds.slice(i, i + 5000))));
      }
      return rows.map(toPayment);
    },
  };
}
