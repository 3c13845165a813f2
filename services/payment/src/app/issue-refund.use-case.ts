import { GatewayError } from '../adapters/stripe-gateway';
import type { RefundSnapshot } from '../adapters/stripe-objects';
import { jobsRepository, type Job } from '../db/jobs.repository';
import { paymentsRepository } from '../db/payments.repository';
import type { AppDeps } from './deps';
import { withPaymentLedger } from './ledger';
import { refundFailures } from './metrics';

/**
 * Sends one refund to the provider with the refund's own idempotency key. A retry first looks for
 * it among the intent's refunds (by our refund id in its metadata), so a refund whose answer was
 * lost is never sent twice.
 */
export function makeIssueRefund(deps: AppDeps) {
  return async (job: Job): Promise<void> => {
    const refund = await paymentsRepository.refund(deps.db, job.refundId!);
    if (!refund || refund.status !== 'pending' || !refund.intentId) {
      await jobsRepository.finish(deps.db, job.id, 'done');
      return;
    }
    const intentId = refund.intentId;
    let snapshot: RefundSnapshot | undefined;
    if (job.attempts > 1) snapshot = (await deps.gateway.listRefunds(intentId)).find((r) => r.refundId === refund.refundId);
    if (!snapshot) {
      try {
        snapshot = await deps.gateway.refund({
          intentId,
          amount: refund.amount,
          metadata: { refund_id: refund.refundId, reason: refund.reason, ...(refund.bookingId ? { booking_id: refund.bookingId } : {}), ...(refund.paymentId ? { payment_id: refund.paymentId } : {}) },
          idempotencyKey: `refund:${refund.refundId}`,
        });
      } catch (err) {
        if (!(err instanceof GatewayError) || err.failure.kind === 'unavailable') throw err;
        // Refused (already refunded, disputed, more than is left): recorded for a person, and the
        // intent re-read so the records follow the provider.
        const failure = `${err.failure.code}: ${err.failure.message}`;
        await deps.db.transaction(async (trx) => {
          await paymentsRepository.updateRefund(trx, refund.refundId, { status: 'failed', failure });
          if (refund.paymentId) await jobsRepository.add(trx, { kind: 'sync', paymentId: refund.paymentId, dedupeKey: `sync:${refund.paymentId}:refund:${refund.refundId}` });
          await jobsRepository.finish(trx, job.id, 'done');
        });
        refundFailures.inc({ reason: refund.reason });
        deps.logger.error('provider refused a refund; needs a person', { refundId: refund.refundId, bookingId: refund.bookingId, failure });
        return;
      }
    }
    const seen = snapshot;
    if (!refund.paymentId) {
      // A refund of a charge no payment of ours owns (reconciliation found it): no booking to tell.
      await deps.db.transaction(async (trx) => {
        await paymentsRepository.updateRefund(trx, refund.refundId, {
          status: seen.status === 'succeeded' ? 'succeeded' : seen.status === 'pending' ? 'pending' : 'failed',
          providerRefundId: seen.id,
        });
        await jobsRepository.finish(trx, job.id, 'done');
      });
      return;
    }
    await withPaymentLedger(deps, refund.paymentId, async (ledger, p, trx) => {
      await ledger.applyRefundFact(p, { ...seen, refundId: refund.refundId });
      await jobsRepository.finish(trx, job.id, 'done');
    });
  };
}
