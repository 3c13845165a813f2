import type { Knex } from '@matchday/db';
import type { Payment, PaymentStatus, Purpose } from '../domain/payment';
import type { RefundReason } from '../domain/booking-payments';
import type { Dispute, DisputeKind, DisputeStatus } from '../domain/reversal';

type Db = Knex | Knex.Transaction;

interface PaymentRow {
  payment_id: string;
  booking_id: string;
  payer_id: string;
  user_id: string | null;
  purpose: Purpose;
  modification_id: string | null;
  attempt: number;
  amount: string;
  currency: string;
  booking_amount: string;
  booking_currency: string;
  fx_rate: number;
  quote_id: string | null;
  quote_expires_at: Date | null;
  payment_method: string | null;
  intent_id: string | null;
  status: PaymentStatus;
  captured_amount: string;
  refunded_amount: string;
  reversed_amount: string;
  booking_refunded: string;
  booking_reversed: string;
  failure_code: string | null;
  failure_message: string | null;
  confirm_seq: number;
  deferred: boolean;
  replaced_by: string | null;
  created_at: Date;
}

const toPayment = (r: PaymentRow): Payment => ({
  paymentId: r.payment_id,
  bookingId: r.booking_id,
  payerId: r.payer_id,
  userId: r.user_id,
  purpose: r.purpose,
  modificationId: r.modification_id,
  attempt: r.attempt,
  amount: Number(r.amount),
  currency: r.currency,
  bookingAmount: Number(r.booking_amount),
  bookingCurrency: r.booking_currency,
  fxRate: r.fx_rate,
  quoteId: r.quote_id,
  quoteExpiresAt: r.quote_expires_at,
  paymentMethod: r.payment_method,
  intentId: r.intent_id,
  status: r.status,
  capturedAmount: Number(r.captured_amount),
  refundedAmount: Number(r.refunded_amount),
  reversedAmount: Number(r.reversed_amount),
  bookingRefunded: Number(r.booking_refunded),
  bookingReversed: Number(r.booking_reversed),
  failureCode: r.failure_code,
  failureMessage: r.failure_message,
  confirmSeq: r.confirm_seq,
  deferred: r.deferred,
  replacedBy: r.replaced_by,
  createdAt: r.created_at,
});

const toPaymentRow = (p: Payment) => ({
  payment_id: p.paymentId,
  booking_id: p.bookingId,
  payer_id: p.payerId,
  user_id: p.userId,
  purpose: p.purpose,
  modification_id: p.modificationId,
  attempt: p.attempt,
  amount: p.amount,
  currency: p.currency,
  booking_amount: p.bookingAmount,
  booking_currency: p.bookingCurrency,
  fx_rate: p.fxRate,
  quote_id: p.quoteId,
  quote_expires_at: p.quoteExpiresAt,
  payment_method: p.paymentMethod,
  intent_id: p.intentId,
  status: p.status,
  captured_amount: p.capturedAmount,
  refunded_amount: p.refundedAmount,
  reversed_amount: p.reversedAmount,
  booking_refunded: p.bookingRefunded,
  booking_reversed: p.bookingReversed,
  failure_code: p.failureCode,
  failure_message: p.failureMessage,
  confirm_seq: p.confirmSeq,
  deferred: p.deferred,
  replaced_by: p.replacedBy,
});

export type RefundStatus = 'pending' | 'succeeded' | 'failed';

export interface Refund {
  refundId: string;
  requestKey: string;
  paymentId: string | null;
  intentId: string | null;
  bookingId: string | null;
  /** In the payment's currency, and what it is worth in the booking's. */
  amount: number;
  bookingAmount: number;
  currency: string;
  reason: RefundReason;
  status: RefundStatus;
  providerRefundId: string | null;
  failure: string | null;
  createdAt: Date;
}

interface RefundRow {
  refund_id: string;
  request_key: string;
  payment_id: string | null;
  intent_id: string | null;
  booking_id: string | null;
  amount: string;
  booking_amount: string;
  currency: string;
  reason: RefundReason;
  status: RefundStatus;
  provider_refund_id: string | null;
  failure: string | null;
  created_at: Date;
}

const toRefund = (r: RefundRow): Refund => ({
  refundId: r.refund_id,
  requestKey: r.request_key,
  paymentId: r.payment_id,
  intentId: r.intent_id,
  bookingId: r.booking_id,
  amount: Number(r.amount),
  bookingAmount: Number(r.booking_amount),
  currency: r.currency,
  reason: r.reason,
  status: r.status,
  providerRefundId: r.provider_refund_id,
  failure: r.failure,
  createdAt: r.created_at,
});

interface DisputeRow {
  dispute_id: string;
  payment_id: string;
  booking_id: string;
  kind: DisputeKind;
  reason: string;
  amount: string;
  booking_amount: string;
  status: DisputeStatus;
  opened_reported: boolean;
  closed_reported: boolean;
  reversed_reported: boolean;
}

const toDispute = (r: DisputeRow): Dispute => ({
  disputeId: r.dispute_id,
  paymentId: r.payment_id,
  bookingId: r.booking_id,
  kind: r.kind,
  reason: r.reason,
  amount: Number(r.amount),
  bookingAmount: Number(r.booking_amount),
  status: r.status,
  openedReported: r.opened_reported,
  closedReported: r.closed_reported,
  reversedReported: r.reversed_reported,
});

export interface PaymentFilter {
  bookingId?: string;
  status?: string;
  userId?: string;
  /** Keyset cursor: payments created after (createdAt, paymentId). */
  after?: { createdAt: Date; paymentId: string };
  limit: number;
}

/** Payments (one per payer share and attempt), their refunds and their disputes. */
export const paymentsRepository = {
  async insert(db: Db, p: Payment): Promise<boolean> {
    const rows = await db('payments').insert(toPaymentRow(p)).onConflict('payment_id').ignore().returning('payment_id');
    return rows.length > 0;
  },

  async save(db: Db, p: Payment): Promise<void> {
    const { payment_id: _id, ...row } = toPaymentRow(p);
    await db('payments').where({ payment_id: p.paymentId }).update({ ...row, updated_at: db.fn.now() });
  },

  async get(db: Db, paymentId: string, opts: { forUpdate?: boolean } = {}): Promise<Payment | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(paymentId)) return undefined;
    const q = db<PaymentRow>('payments').where({ payment_id: paymentId }).first();
    if (opts.forUpdate) q.forUpdate();
    const row = await q;
    return row ? toPayment(row as PaymentRow) : undefined;
  },

  async byIntent(db: Db, intentId: string, opts: { forUpdate?: boolean } = {}): Promise<Payment | undefined> {
    const q = db<PaymentRow>('payments').where({ intent_id: intentId }).first();
    if (opts.forUpdate) q.forUpdate();
    const row = await q;
    return row ? toPayment(row as PaymentRow) : undefined;
  },

  /** Every payment of a booking, oldest first (locked with `forUpdate`). */
  async ofBooking(db: Db, bookingId: string, opts: { forUpdate?: boolean } = {}): Promise<Payment[]> {
    const q = db<PaymentRow>('payments').where({ booking_id: bookingId }).orderBy([{ column: 'created_at' }, { column: 'payment_id' }]);
    if (opts.forUpdate) q.forUpdate();
    return ((await q) as PaymentRow[]).map(toPayment);
  },

  async list(db: Db, f: PaymentFilter): Promise<Payment[]> {
    const q = db<PaymentRow>('payments').orderBy([{ column: 'created_at' }, { column: 'payment_id' }]).limit(f.limit);
    if (f.bookingId) q.where('booking_id', f.bookingId);
    if (f.status) q.where('status', f.status);
    if (f.userId) q.where('user_id', f.userId);
    if (f.after) q.whereRaw('(created_at, payment_id) > (?, ?::uuid)', [f.after.createdAt, f.after.paymentId]);
    return ((await q) as PaymentRow[]).map(toPayment);
  },

  // ---- refunds ----

  /** Adds a refund unless one with the same request key exists; returns the stored one either way. */
  async insertRefund(db: Db, r: Omit<Refund, 'createdAt'>): Promise<{ refund: Refund; created: boolean }> {
    const rows = (await db('refunds')
      .insert({
        refund_id: r.refundId,
        request_key: r.requestKey,
        payment_id: r.paymentId,
        intent_id: r.intentId,
        booking_id: r.bookingId,
        amount: r.amount,
        booking_amount: r.bookingAmount,
        currency: r.currency,
        reason: r.reason,
        status: r.status,
        provider_refund_id: r.providerRefundId,
        failure: r.failure,
      })
      .onConflict('request_key')
      .ignore()
      .returning('*')) as RefundRow[];
    if (rows[0]) return { refund: toRefund(rows[0]), created: true };
    const existing = (await db<RefundRow>('refunds').where({ request_key: r.requestKey }).first()) as RefundRow;
    return { refund: toRefund(existing), created: false };
  },

  async refund(db: Db, refundId: string, opts: { forUpdate?: boolean } = {}): Promise<Refund | undefined> {
    const q = db<RefundRow>('refunds').where({ refund_id: refundId }).first();
    if (opts.forUpdate) q.forUpdate();
    const row = await q;
    return row ? toRefund(row as RefundRow) : undefined;
  },

  async refundByProviderId(db: Db, providerRefundId: string): Promise<Refund | undefined> {
    const row = await db<RefundRow>('refunds').where({ provider_refund_id: providerRefundId }).forUpdate().first();
    return row ? toRefund(row as RefundRow) : undefined;
  },

  async updateRefund(db: Db, refundId: string, patch: { status: RefundStatus; providerRefundId?: string | null; failure?: string | null; amount?: number; bookingAmount?: number }) {
    await db('refunds')
      .where({ refund_id: refundId })
      .update({
        status: patch.status,
        ...(patch.providerRefundId !== undefined ? { provider_refund_id: patch.providerRefundId } : {}),
        ...(patch.failure !== undefined ? { failure: patch.failure } : {}),
        ...(patch.amount !== undefined ? { amount: patch.amount } : {}),
        ...(patch.bookingAmount !== undefined ? { booking_amount: patch.bookingAmount } : {}),
        updated_at: db.fn.now(),
      });
  },

  async refundsOf(db: Db, where: { paymentId?: string; bookingId?: string }): Promise<Refund[]> {
    const q = db<RefundRow>('refunds').orderBy('created_at');
    if (where.paymentId) q.where('payment_id', where.paymentId);
    if (where.bookingId) q.where('booking_id', where.bookingId);
    return ((await q) as RefundRow[]).map(toRefund);
  },

  // ---- disputes ----

  async dispute(db: Db, disputeId: string): Promise<Dispute | undefined> {
    const row = await db<DisputeRow>('disputes').where({ dispute_id: disputeId }).forUpdate().first();
    return row ? toDispute(row as DisputeRow) : undefined;
  },

  async saveDispute(db: Db, d: Dispute): Promise<void> {
    await db('disputes')
      .insert({
        dispute_id: d.disputeId,
        payment_id: d.paymentId,
        booking_id: d.bookingId,
        kind: d.kind,
        reason: d.reason,
        amount: d.amount,
        booking_amount: d.bookingAmount,
        status: d.status,
        opened_reported: d.openedReported,
        closed_reported: d.closedReported,
        reversed_reported: d.reversedReported,
      })
      .onConflict('dispute_id')
      .merge(['status', 'opened_reported', 'closed_reported', 'reversed_reported', 'amount', 'booking_amount', 'updated_at']);
  },

  async disputesOf(db: Db, where: { bookingId?: string; paymentId?: string }): Promise<Dispute[]> {
    const q = db<DisputeRow>('disputes').orderBy('created_at');
    if (where.bookingId) q.where('booking_id', where.bookingId);
    if (where.paymentId) q.where('payment_id', where.paymentId);
    return ((await q) as DisputeRow[]).map(toDispute);
  },
};
