import { randomUUID } from 'node:crypto';
import { GatewayError } from '../adapters/stripe-gateway';
import { observationOf, type IntentSnapshot } from '../adapters/stripe-objects';
import { fxQuotesRepository } from '../db/fx-quotes.repository';
import { jobsRepository, type Job } from '../db/jobs.repository';
import { paymentsRepository } from '../db/payments.repository';
import { mayCapturePayment } from '../domain/booking-payments';
import { convertMinor } from '../domain/money';
import type { Payment } from '../domain/payment';
import type { AppDeps, Tx } from './deps';
import { fxDecisions } from './currency-handler';
import { withPaymentLedger, type Ledger } from './ledger';

/**
 * Captures an authorized payment once fraud allowed it — exactly once: the idempotency key is fixed
 * per payment, and a retry after a timeout first re-reads the intent and applies what it finds.
 * A share in another currency whose quote expired goes through the fluctuation policy first.
 */
export function makeCapturePayment(deps: AppDeps) {
  return async (job: Job): Promise<void> => {
    const plan = await withPaymentLedger(deps, job.paymentId!, async (ledger, p, trx) => {
      if (p.status !== 'authorized' || !p.intentId || !mayCapturePayment(ledger.booking, p)) {
        // Not (or no longer) capturable: a closed booking's (or a dropped modification's) cancel job releases it.
        await jobsRepository.finish(trx, job.id, 'done');
        return undefined;
      }
      if (p.currency !== p.bookingCurrency) {
        const expired = p.quoteExpiresAt !== null && p.quoteExpiresAt.getTime() <= deps.clock().getTime();
        if (!expired) fxDecisions.inc({ decision: 'quote_valid' });
        else {
          const actual = deps.currency.rate(p.bookingCurrency, p.currency);
          const decision = await deps.currency.handleRateFluctuation(p.bookingId, p.fxRate, actual);
          if (decision.action === 'requote') {
            await requote(deps, trx, ledger, p, actual);
            await jobsRepository.finish(trx, job.id, 'done');
            return undefined;
          }
        }
      }
      return { intentId: p.intentId, paymentId: p.paymentId };
    });
    if (!plan) return;

    let snapshot: IntentSnapshot | undefined;
    if (job.attempts > 1) {
      // A previous try may have reached Stripe before it timed out: the intent tells.
      const seen = await deps.gateway.retrieveIntent(plan.intentId);
      if (seen.status !== 'requires_capture') snapshot = seen;
    }
    if (!snapshot) {
      try {
        snapshot = await deps.gateway.captureIntent(plan.intentId, `payment:${plan.paymentId}:capture`);
      } catch (err) {
        if (!(err instanceof GatewayError) || err.failure.kind === 'unavailable') throw err;
        snapshot = await deps.gateway.retrieveIntent(plan.intentId);
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

/**
 * Beyond the tolerance: the authorization at the stale rate is released and the payer is asked to
 * confirm the same booking-currency share at a fresh quote (a new attempt, hence a new intent).
 */
async function requote(deps: AppDeps, trx: Tx, ledger: Ledger, p: Payment, rate: number): Promise<void> {
  const now = deps.clock();
  const expiresAt = new Date(now.getTime() + deps.settings.quoteTtlSeconds * 1000);
  const amount = convertMinor(p.bookingAmount, p.bookingCurrency, p.currency, rate);
  const quote = await fxQuotesRepository.insert(trx, {
    quoteId: randomUUID(),
    bookingId: p.bookingId,
    from: p.bookingCurrency,
    to: p.currency,
    rate,
    amount: p.bookingAmount,
    converted: amount,
    expiresAt,
  });
  const next: Payment = {
    ...p,
    paymentId: randomUUID(),
    attempt: p.attempt + 1,
    amount,
    fxRate: rate,
    quoteId: quote.quoteId,
    quoteExpiresAt: expiresAt,
    paymentMethod: null,
    intentId: null,
    status: 'pending',
    capturedAmount: 0,
    refundedAmount: 0,
    reversedAmount: 0,
    bookingRefunded: 0,
    bookingReversed: 0,
    failureCode: null,
    failureMessage: null,
    confirmSeq: 0,
    deferred: false,
    replacedBy: null,
    createdAt: now,
  };
  await paymentsRepository.insert(trx, next);
  p.replacedBy = next.paymentId;
  p.failureCode = 'fx_requote';
  p.failureMessage = 'the exchange rate moved beyond the tolerance; the share was quoted again';
  await ledger.savePayment(p);
  await jobsRepository.add(trx, { kind: 'cancel', paymentId: p.paymentId, dedupeKey: `cancel:${p.paymentId}` });
  await jobsRepository.add(trx, { kind: 'create_intent', paymentId: next.paymentId, dedupeKey: `create:${next.paymentId}` });
  await ledger.emit('payment.requoted.v1', {
    bookingId: p.bookingId,
    paymentId: next.paymentId,
    payerId: p.payerId,
    quoteId: quote.quoteId,
    previousRate: p.fxRate,
    rate,
    amount,
    currency: p.currency,
    expiresAt: expiresAt.toISOString(),
  });
}
