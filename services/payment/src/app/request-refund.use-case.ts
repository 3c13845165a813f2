import { DomainError, type EventData } from '@matchday/contracts';
import { randomUUID } from 'node:crypto';
import { jobsRepository } from '../db/jobs.repository';
import { paymentsRepository, type Refund } from '../db/payments.repository';
import type { RefundReason } from '../domain/booking-payments';
import { toPaymentCurrency } from '../domain/money';
import { keptOf } from '../domain/payment';
import type { AppDeps, Tx } from './deps';
import { openLedger, withPaymentLedger } from './ledger';

/** booking's free-text refund reason → the refund reasons payment reports (and counts). */
export function refundReasonOf(reason: string): RefundReason {
  const r = reason.toLowerCase();
  if (/fraud/.test(r)) return 'fraud_block';
  if (/late|expired|window|paid_after/.test(r)) return 'late_payment';
  if (/modif|quantity|reschedul|change/.test(r)) return 'modification';
  return 'cancellation';
}

/**
 * Refunds asked for by booking (refund.requested: cancellation, late payment; amount in the
 * booking's currency, null = everything kept), by reconciliation (one intent) and by an admin (one
 * payment). Each request is idempotent by its own id; a refund never exceeds what is left to refund.
 */
export function makeRequestRefund(deps: AppDeps) {
  async function fromBooking(trx: Tx, data: EventData<'refund.requested.v1'>): Promise<Refund[]> {
    const ledger = await openLedger(deps, trx, data.bookingId);
    const b = ledger.booking;
    if (b.currency && data.currency !== b.currency) {
      throw new DomainError('CURRENCY_MISMATCH', { bookingId: data.bookingId, currency: data.currency }, `refund in ${data.currency} for a booking in ${b.currency}`);
    }
    const out = await ledger.requestRefund({ bookingAmount: data.amount, reason: refundReasonOf(data.reason), requestKey: `refund-request:${data.refundRequestId}` });
    await ledger.save();
    return out;
  }

  async function fromReconciliation(trx: Tx, data: EventData<'reconciliation.refund.requested.v1'>): Promise<void> {
    const requestKey = `reconciliation:${data.findingId}`;
    const payment = await paymentsRepository.byIntent(trx, data.intentId);
    if (!payment) {
      // A charge no booking of ours owns: refund it on the intent directly.
      const { created, refund } = await paymentsRepository.insertRefund(trx, {
        refundId: randomUUID(),
        requestKey,
        paymentId: null,
        intentId: data.intentId,
        bookingId: data.bookingId ?? null,
        amount: data.amount,
        bookingAmount: data.amount,
        currency: data.currency,
        reason: 'reconciliation',
        status: 'pending',
        providerRefundId: null,
        failure: null,
      });
      if (created) await jobsRepository.add(trx, { kind: 'refund', intentId: data.intentId, refundId: refund.refundId, dedupeKey: `refund:${refund.refundId}` });
      deps.logger.warn('refunding a charge that belongs to no payment of ours', { intentId: data.intentId, amount: data.amount, findingId: data.findingId });
      return;
    }
    const ledger = await openLedger(deps, trx, payment.bookingId);
    const p = (await paymentsRepository.get(trx, payment.paymentId, { forUpdate: true }))!;
    // Reconciliation speaks in the intent's currency; a booking-currency amount is converted.
    const amount = data.currency === p.currency ? data.amount : toPaymentCurrency(data.amount, keptOf(p));
    await ledger.refundPayment(p, { amount, reason: 'reconciliation', requestKey });
    await ledger.save();
  }

  async function byAdmin(paymentId: string, input: { amount: number | null; reason: string; requestKey: string }): Promise<Refund | undefined> {
    const result = await withPaymentLedger(deps, paymentId, async (ledger, p) => {
      if (p.capturedAmount <= 0) throw new DomainError('PAYMENT_NOT_CAPTURED', { paymentId }, 'nothing was captured on this payment');
      const refund = await ledger.refundPayment(p, { amount: input.amount, reason: 'admin', requestKey: `admin:${input.requestKey}` });
      if (!refund) throw new DomainError('NOTHING_TO_REFUND', { paymentId }, 'everything captured is already refunded or on its way back');
      deps.logger.warn('refund by an admin', { paymentId, amount: refund.amount, why: input.reason });
      return refund;
    });
    if (result === undefined) throw new DomainError('PAYMENT_NOT_FOUND', { paymentId });
    return result;
  }

  return { fromBooking, fromReconciliation, byAdmin };
}
