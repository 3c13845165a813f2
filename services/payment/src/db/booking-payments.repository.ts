import type { Knex } from '@matchday/db';
import type { BookingPayments, BookingPhase, CloseReason, FraudDecision } from '../domain/booking-payments';

type Db = Knex | Knex.Transaction;

interface Row {
  booking_id: string;
  known: boolean;
  user_id: string | null;
  match_id: string | null;
  amount: string;
  currency: string | null;
  payment_deadline: Date | null;
  phase: BookingPhase;
  close_reason: CloseReason | null;
  fraud: FraudDecision;
  captured: string;
  refunded: string;
  reversed: string;
  succeeded_amount: string;
  failed_reported: boolean;
  pending_modification: BookingPayments['pendingModification'];
  dropped_modifications: string[];
  created_at: Date;
}

const toDomain = (r: Row): BookingPayments => ({
  bookingId: r.booking_id,
  known: r.known,
  userId: r.user_id,
  matchId: r.match_id,
  amount: Number(r.amount),
  currency: r.currency,
  paymentDeadline: r.payment_deadline,
  phase: r.phase,
  closeReason: r.close_reason,
  fraud: r.fraud,
  captured: Number(r.captured),
  refunded: Number(r.refunded),
  reversed: Number(r.reversed),
  succeededAmount: Number(r.succeeded_amount),
  failedReported: r.failed_reported,
  pendingModification: r.pending_modification,
  droppedModifications: r.dropped_modifications ?? [],
  createdAt: r.created_at,
});

/** Payment's record of each booking: what is owed, fraud's decision, and the running money sums. */
export const bookingPaymentsRepository = {
  /** Reads (and with `forUpdate`, locks) a booking; a missing one is created as a placeholder first when `create`. */
  async get(db: Db, bookingId: string, opts: { forUpdate?: boolean; create?: boolean } = {}): Promise<BookingPayments | undefined> {
    if (opts.create) await db.raw(`INSERT INTO booking_payments (booking_id) VALUES (?) ON CONFLICT DO NOTHING`, [bookingId]);
    const q = db<Row>('booking_payments').where({ booking_id: bookingId }).first();
    if (opts.forUpdate) q.forUpdate();
    const row = await q;
    return row ? toDomain(row as Row) : undefined;
  },

  async save(db: Db, b: BookingPayments): Promise<void> {
    await db('booking_payments')
      .where({ booking_id: b.bookingId })
      .update({
        known: b.known,
        user_id: b.userId,
        match_id: b.matchId,
        amount: b.amount,
        currency: b.currency,
        payment_deadline: b.paymentDeadline,
        phase: b.phase,
        close_reason: b.closeReason,
        fraud: b.fraud,
        captured: b.captured,
        refunded: b.refunded,
        reversed: b.reversed,
        succeeded_amount: b.succeededAmount,
        failed_reported: b.failedReported,
        pending_modification: b.pendingModification ? JSON.stringify(b.pendingModification) : null,
        dropped_modifications: JSON.stringify(b.droppedModifications),
        updated_at: db.fn.now(),
      });
  },
};
