import { GatewayError } from '../adapters/stripe-gateway';
import { observationOf, type IntentSnapshot } from '../adapters/stripe-objects';
import { jobsRepository, type Job } from '../db/jobs.repository';
import { isDroppedExtra } from '../domain/booking-payments';
import { intentKey } from '../domain/payment';
import type { AppDeps } from './deps';
import { withPaymentLedger } from './ledger';
import { attempts } from './metrics';
import { intentMetadata } from './payment-metadata';

/**
 * Creates the provider intent of a payment (manual capture) with its deterministic idempotency key,
 * confirming it at once when the share came with a payment method. A retry after a timeout sends
 * the same key, so the provider answers with the same intent: never two intents for one attempt.
 */
export function makeCreateIntent(deps: AppDeps) {
  return async (job: Job): Promise<void> => {
    const plan = await withPaymentLedger(deps, job.paymentId!, async (ledger, p, trx) => {
      if (p.intentId || p.status !== 'pending') {
        await jobsRepository.finish(trx, job.id, 'done');
        return undefined;
      }
      if (ledger.booking.phase === 'closed' || isDroppedExtra(ledger.booking, p)) {
        p.status = 'canceled';
        await ledger.savePayment(p);
        await jobsRepository.finish(trx, job.id, 'done');
        return undefined;
      }
      return { ...p };
    });
    if (!plan) return;

    let snapshot: IntentSnapshot;
    try {
      snapshot = await deps.gateway.createIntent({
        amount: plan.amount,
        currency: plan.currency,
        paymentMethod: plan.paymentMethod,
        metadata: intentMetadata(plan),
        description: `Matchday booking ${plan.bookingId}${plan.purpose === 'modification' ? ' (change)' : ''}`,
        idempotencyKey: intentKey(plan),
      });
    } catch (err) {
      if (!(err instanceof GatewayError) || err.failure.kind === 'unavailable') throw err;
      if (err.failure.kind === 'declined' && err.failure.intent) snapshot = err.failure.intent;
      else {
        // The provider refuses to create it at all (bad currency, bad amount, bad method): no retry helps.
        const failure = err.failure;
        await withPaymentLedger(deps, plan.paymentId, async (ledger, p, trx) => {
          p.status = 'canceled';
          p.failureCode = failure.code;
          p.failureMessage = failure.message;
          await ledger.savePayment(p);
          attempts.inc({ outcome: 'failed' });
          deps.logger.error('provider refused to create the payment intent', { bookingId: p.bookingId, paymentId: p.paymentId, code: failure.code });
          if (p.purpose === 'booking') {
            await ledger.close('failed', null);
            await ledger.reportFailure('provider_rejected', { code: failure.code });
          } else {
            await ledger.reportFailure('provider_rejected', { paymentId: p.paymentId, code: failure.code, ...(p.modificationId ? { modificationId: p.modificationId } : {}) });
          }
          await jobsRepository.finish(trx, job.id, 'done');
        });
        return;
      }
    }

    await withPaymentLedger(deps, plan.paymentId, async (ledger, p, trx) => {
      p.intentId = snapshot.id;
      p.deferred = false;
      await ledger.applyIntentFacts(p, observationOf(snapshot));
      await jobsRepository.finish(trx, job.id, 'done');
    });
  };
}
