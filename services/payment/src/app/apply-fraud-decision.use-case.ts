import { counter } from '@matchday/observability';
import { jobsRepository } from '../db/jobs.repository';
import { mergeFraud, type FraudDecision } from '../domain/booking-payments';
import type { AppDeps, Tx } from './deps';
import { openLedger } from './ledger';

const ignoredBlocks = counter({
  name: 'payment_fraud_blocks_after_payment_total',
  help: 'Fraud blocks that arrived after the booking was fully paid (left to a person; nothing was captured without an allow)',
});

/**
 * fraud.assessed / review.resolved: an allow lets the authorized payments be captured; a review
 * keeps them waiting (fraud resolves an unreviewed case to block); a block is final — authorizations
 * are released, anything captured is refunded, and the booking's payment fails (fraud_block).
 */
export function makeApplyFraudDecision(deps: AppDeps) {
  return async (trx: Tx, bookingId: string, decision: FraudDecision): Promise<void> => {
    const ledger = await openLedger(deps, trx, bookingId);
    const b = ledger.booking;
    const next = mergeFraud(b.fraud, decision);
    if (next === b.fraud) return;
    b.fraud = next;
    if (next === 'allow' && b.phase !== 'closed') {
      for (const p of await ledger.payments()) {
        if (p.status === 'authorized') await jobsRepository.add(trx, { kind: 'capture', paymentId: p.paymentId, dedupeKey: `capture:${p.paymentId}` });
      }
    }
    if (next === 'block') {
      if (b.phase === 'paid') {
        ignoredBlocks.inc();
        deps.logger.error('fraud block for a booking already paid; left to a person', { bookingId });
      } else if (b.phase !== 'closed') {
        await ledger.close('fraud_block', 'fraud_block');
        await ledger.reportFailure('fraud_block');
      }
    }
    await ledger.save();
    deps.logger.info('fraud decision applied', { bookingId, decision: next });
  };
}
