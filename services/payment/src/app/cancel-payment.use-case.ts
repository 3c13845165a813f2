import { GatewayError } from '../adapters/stripe-gateway';
import { observationOf, type IntentSnapshot } from '../adapters/stripe-objects';
import { jobsRepository, type Job } from '../db/jobs.repository';
import { isReleasable } from '../domain/payment';
import type { AppDeps } from './deps';
import { withPaymentLedger } from './ledger';

/**
 * Releases an intent that must not be captured (booking closed, fraud block, re-quote). If the
 * provider says it was captured after all, that fact is applied (and refunded, the booking being
 * closed): the provider's state is the truth.
 */
export function makeCancelPayment(deps: AppDeps) {
  return async (job: Job): Promise<void> => {
    const plan = await withPaymentLedger(deps, job.paymentId!, async (_ledger, p, trx) => {
      if (!p.intentId || !isReleasable(p.status)) {
        await jobsRepository.finish(trx, job.id, 'done');
        return undefined;
      }
      return { intentId: p.intentId, paymentId: p.paymentId };
    });
    if (!plan) return;

    let snapshot: IntentSnapshot | undefined;
    if (job.attempts > 1) {
      const seen = await deps.gateway.retrieveIntent(plan.intentId);
      if (seen.status === 'canceled' || seen.status === 'succeeded') snapshot = seen;
    }
    if (!snapshot) {
      try {
        snapshot = await deps.gateway.cancelIntent(plan.intentId, `payment:${plan.paymentId}:cancel`);
      } catch (err) {
        if (!(err instanceof GatewayError) || err.failure.kind === 'unavailable') throw err;
        snapshot = await deps.gateway.retrieveIntent(plan.intentId);
      }
    }
    const seen = snapshot;
    await withPaymentLedger(deps, plan.paymentId, async (ledger, p, trx) => {
      await ledger.applyIntentFacts(p, observationOf(seen));
      await jobsRepository.finish(trx, job.id, 'done');
    });
  };
}
