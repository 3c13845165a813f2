import { DomainError } from '@matchday/contracts';
import { jobsRepository } from '../db/jobs.repository';
import { paymentsRepository } from '../db/payments.repository';
import { isPayable, type Payment } from '../domain/payment';
import type { AppDeps } from './deps';
import { withPaymentLedger } from './ledger';
import type { PaymentWorkQueue } from './work-queue';

/**
 * A payer confirms their share with a payment method (POST /v1/payments/{id}/confirm): the request
 * is recorded as a job and run at once, so the payer sees the outcome (authorized, declined, needs
 * action); when Stripe is unavailable it stays deferred and runs when Stripe is back.
 */
export function makeConfirmPayment(deps: AppDeps & { queue: () => PaymentWorkQueue }) {
  return async (paymentId: string, paymentMethod: string): Promise<{ payment: Payment; deferred: boolean }> => {
    const queued = await withPaymentLedger(deps, paymentId, async (ledger, p, trx) => {
      if (ledger.booking.phase === 'closed') {
        throw new DomainError('BOOKING_CLOSED', { paymentId, reason: ledger.booking.closeReason }, 'this booking can no longer be paid');
      }
      if (p.status === 'authorized' || p.status === 'captured') return { jobId: undefined };
      if (!isPayable(p.status)) throw new DomainError('PAYMENT_NOT_PAYABLE', { paymentId, status: p.status }, `a ${p.status} payment cannot be confirmed`);
      if (p.quoteExpiresAt && p.quoteExpiresAt.getTime() <= deps.clock().getTime()) {
        throw new DomainError('QUOTE_EXPIRED', { paymentId, quoteId: p.quoteId }, 'the exchange rate quote for this share expired');
      }
      p.paymentMethod = paymentMethod;
      p.confirmSeq += 1;
      await ledger.savePayment(p);
      // Before the intent exists, the create job confirms it with this method.
      if (!p.intentId) return { jobId: undefined };
      const jobId = await jobsRepository.add(trx, {
        kind: 'confirm',
        paymentId,
        payload: { paymentMethod, seq: p.confirmSeq },
        dedupeKey: `confirm:${paymentId}:${p.confirmSeq}`,
      });
      return { jobId };
    });
    if (!queued) throw new DomainError('PAYMENT_NOT_FOUND', { paymentId });
    if (queued.jobId) await deps.queue().runNow(queued.jobId);
    else deps.queue().poke();
    const payment = (await paymentsRepository.get(deps.db, paymentId))!;
    return { payment, deferred: payment.deferred };
  };
}
