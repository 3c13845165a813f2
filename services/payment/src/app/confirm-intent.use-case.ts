import { GatewayError } from '../adapters/stripe-gateway';
import { observationOf, type IntentSnapshot } from '../adapters/stripe-objects';
import { jobsRepository, type Job } from '../db/jobs.repository';
import { isPayable } from '../domain/payment';
import type { AppDeps } from './deps';
import { withPaymentLedger } from './ledger';

/**
 * Confirms a payer's intent with the payment method they gave (POST /v1/payments/{id}/confirm).
 * A retry first re-reads the intent: if the earlier try went through, nothing is sent again.
 */
export function makeConfirmIntent(deps: AppDeps) {
  return async (job: Job): Promise<void> => {
    const paymentMethod = String(job.payload.paymentMethod ?? '');
    const seq = Number(job.payload.seq ?? 1);
    const plan = await withPaymentLedger(deps, job.paymentId!, async (ledger, p, trx) => {
      if (!p.intentId || !isPayable(p.status) || ledger.booking.phase === 'closed') {
        await jobsRepository.finish(trx, job.id, 'done');
        return undefined;
      }
      return { intentId: p.intentId, paymentId: p.paymentId };
    });
    if (!plan) return;

    let snapshot: IntentSnapshot | undefined;
    if (job.attempts > 1) {
      const seen = await deps.gateway.retrieveIntent(plan.intentId);
      if (seen.status === 'requires_capture' || seen.status === 'succeeded' || seen.status === 'canceled') snapshot = seen;
    }
    if (!snapshot) {
      try {
        snapshot = await deps.gateway.confirmIntent(plan.intentId, paymentMethod, `payment:${plan.paymentId}:confirm:${seq}`);
      } catch (err) {
        if (!(err instanceof GatewayError) || err.failure.kind === 'unavailable') throw err;
        // Declined (or refused in its current state): the provider's intent says what happened.
        snapshot = err.failure.intent ?? (await deps.gateway.retrieveIntent(plan.intentId));
      }
    }
    const seen = snapshot;
    await withPaymentLedger(deps, plan.paymentId, async (ledger, p, trx) => {
      p.deferred = false;
      await ledger.applyIntentFacts(p, observationOf(seen));
      await jobsRepository.finish(trx, job.id, 'done');
    });
  };
}
