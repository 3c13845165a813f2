import { DomainError } from '@matchday/contracts';
import { bookingPaymentsRepository } from '../db/booking-payments.repository';
import { fxQuotesRepository } from '../db/fx-quotes.repository';
import { jobsRepository } from '../db/jobs.repository';
import { paymentsRepository, type PaymentFilter } from '../db/payments.repository';
import { providerEventsRepository } from '../db/provider-events.repository';
import { netOf } from '../domain/booking-payments';
import { displayStatus, type Payment } from '../domain/payment';
import type { Dispute } from '../domain/reversal';
import type { AppDeps } from './deps';

/** A payment as clients and support see it. */
export function paymentView(p: Payment, disputes: Dispute[] = []) {
  const open = disputes.some((d) => d.paymentId === p.paymentId && d.status === 'open' && d.kind === 'dispute');
  return {
    paymentId: p.paymentId,
    bookingId: p.bookingId,
    payerId: p.payerId,
    userId: p.userId,
    purpose: p.purpose,
    modificationId: p.modificationId,
    attempt: p.attempt,
    status: displayStatus(p, open),
    state: p.status,
    amount: p.amount,
    currency: p.currency,
    bookingAmount: p.bookingAmount,
    bookingCurrency: p.bookingCurrency,
    fxRate: p.fxRate,
    quoteId: p.quoteId,
    quoteExpiresAt: p.quoteExpiresAt?.toISOString() ?? null,
    intentId: p.intentId,
    captured: p.capturedAmount,
    refunded: p.refundedAmount,
    reversed: p.reversedAmount,
    failureReason: p.failureCode,
    failureMessage: p.failureMessage,
    deferred: p.deferred,
    replacedBy: p.replacedBy,
    createdAt: p.createdAt.toISOString(),
  };
}

const encode = (p: Payment) => Buffer.from(JSON.stringify([p.createdAt.toISOString(), p.paymentId])).toString('base64url');
function decode(cursor: string): PaymentFilter['after'] {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const createdAt = new Date(at);
    return Number.isNaN(createdAt.getTime()) || typeof id !== 'string' ? undefined : { createdAt, paymentId: id };
  } catch {
    return undefined;
  }
}

/** Payments, their money picture per booking, and single payments: the read side. */
export function makeMoneyPicture(deps: AppDeps) {
  async function list(filter: { bookingId?: string; status?: string; userId?: string; cursor?: string; limit: number }) {
    const after = filter.cursor ? decode(filter.cursor) : undefined;
    const rows = await paymentsRepository.list(deps.db, {
      ...(filter.bookingId ? { bookingId: filter.bookingId } : {}),
      ...(filter.status ? { status: filter.status } : {}),
      ...(filter.userId ? { userId: filter.userId } : {}),
      ...(after ? { after } : {}),
      limit: filter.limit + 1,
    });
    const page = rows.slice(0, filter.limit);
    const last = page[page.length - 1];
    const disputes = filter.bookingId ? await paymentsRepository.disputesOf(deps.db, { bookingId: filter.bookingId }) : [];
    return { payments: page.map((p) => paymentView(p, disputes)), nextCursor: rows.length > filter.limit && last ? encode(last) : null };
  }

  async function payment(paymentId: string) {
    const p = await paymentsRepository.get(deps.db, paymentId);
    if (!p) throw new DomainError('PAYMENT_NOT_FOUND', { paymentId });
    return { payment: p, view: paymentView(p, await paymentsRepository.disputesOf(deps.db, { paymentId })) };
  }

  /** Who may see a booking's payments: its owner and its payers. */
  async function viewers(bookingId: string): Promise<Set<string>> {
    const b = await bookingPaymentsRepository.get(deps.db, bookingId);
    const ps = await paymentsRepository.ofBooking(deps.db, bookingId);
    return new Set([b?.userId, ...ps.map((p) => p.userId)].filter((x): x is string => typeof x === 'string'));
  }

  /**
   * Everything about the money of a booking (given its id, or one of its payments' ids): sums,
   * payments, captures, refunds, reversals, disputes, quotes, provider work and the Stripe events.
   */
  async function picture(id: string) {
    const byPayment = await paymentsRepository.get(deps.db, id);
    const bookingId = byPayment?.bookingId ?? id;
    const b = await bookingPaymentsRepository.get(deps.db, bookingId);
    if (!b) throw new DomainError('PAYMENT_NOT_FOUND', { id });
    const payments = await paymentsRepository.ofBooking(deps.db, bookingId);
    const ids = payments.map((p) => p.paymentId);
    const [refunds, disputes, quotes, jobs, events] = await Promise.all([
      paymentsRepository.refundsOf(deps.db, { bookingId }),
      paymentsRepository.disputesOf(deps.db, { bookingId }),
      fxQuotesRepository.ofBooking(deps.db, bookingId),
      jobsRepository.ofPayments(deps.db, ids),
      providerEventsRepository.ofPayments(deps.db, ids),
    ]);
    return {
      bookingId,
      booking: {
        known: b.known,
        userId: b.userId,
        matchId: b.matchId,
        phase: b.phase,
        closeReason: b.closeReason,
        fraud: b.fraud,
        paymentDeadline: b.paymentDeadline?.toISOString() ?? null,
        pendingModification: b.pendingModification,
      },
      money: {
        amount: b.amount,
        currency: b.currency,
        captured: b.captured,
        refunded: b.refunded,
        reversed: b.reversed,
        net: netOf(b),
        refundsPending: refunds.filter((r) => r.status === 'pending').reduce((n, r) => n + r.bookingAmount, 0),
      },
      payments: payments.map((p) => paymentView(p, disputes)),
      captures: payments
        .filter((p) => p.capturedAmount > 0)
        .map((p) => ({ paymentId: p.paymentId, intentId: p.intentId, amount: p.capturedAmount, currency: p.currency, bookingAmount: p.bookingAmount })),
      refunds: refunds.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() })),
      reversals: payments.filter((p) => p.reversedAmount > 0).map((p) => ({ paymentId: p.paymentId, amount: p.reversedAmount, currency: p.currency, bookingAmount: p.bookingReversed })),
      disputes,
      quotes: quotes.map((q) => ({ ...q, expiresAt: q.expiresAt.toISOString(), createdAt: q.createdAt.toISOString() })),
      jobs: jobs.map((j) => ({ id: j.id, kind: j.kind, paymentId: j.paymentId, refundId: j.refundId, status: j.status, attempts: j.attempts, runAt: j.runAt.toISOString(), lastError: j.lastError })),
      providerEvents: events.map((e) => ({ ...e, receivedAt: e.receivedAt.toISOString() })),
    };
  }

  return { list, payment, picture, viewers };
}
