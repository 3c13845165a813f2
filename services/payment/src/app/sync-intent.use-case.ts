import { observationOf } from '../adapters/stripe-objects';
import { jobsRepository, type Job } from '../db/jobs.repository';
import { paymentsRepository } from '../db/payments.repository';
import type { AppDeps } from './deps';
import { withPaymentLedger } from './ledger';
import { unmatched } from './metrics';

/**
 * "When in doubt, re-read": fetches the intent (with its charge), its refunds and its disputes from
 * the provider and applies them all, in that order. Used when a webhook names an intent we cannot
 * place, or when the provider's facts and our records disagree.
 */
export function makeSyncIntent(deps: AppDeps) {
  return async (job: Job): Promise<void> => {
    const known = job.paymentId ? await paymentsRepository.get(deps.db, job.paymentId) : undefined;
    const intentId = known?.intentId ?? job.intentId;
    if (!intentId) {
      await jobsRepository.finish(deps.db, job.id, 'done');
      return;
    }
    const intent = await deps.gateway.retrieveIntent(intentId);
    const paymentId =
      known?.paymentId ?? (await paymentsRepository.byIntent(deps.db, intentId))?.paymentId ?? intent.metadata.payment_id;
    if (!paymentId || !(await paymentsRepository.get(deps.db, paymentId))) {
      unmatched.inc({ action: 'ignored' });
      deps.logger.warn('intent belongs to no payment of ours', { intentId, metadata: intent.metadata });
      await jobsRepository.finish(deps.db, job.id, 'done');
      return;
    }
    const [refunds, disputes] = await Promise.all([deps.gateway.listRefunds(intentId), deps.gateway.listDisputes(intentId)]);
    await withPaymentLedger(deps, paymentId, async (ledger, p, trx) => {
      if (!p.intentId) p.intentId = intentId;
      await ledger.applyIntentFacts(p, observationOf(intent));
      for (const r of [...refunds].reverse()) await ledger.applyRefundFact(p, r);
      for (const d of [...disputes].reverse()) await ledger.applyDisputeFact(p, d);
      await jobsRepository.finish(trx, job.id, 'done');
    });
  };
}
