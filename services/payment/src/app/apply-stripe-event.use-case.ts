import type { EventData } from '@matchday/contracts';
import { chargeFacts, chargeObservation, disputeSnapshot, intentSnapshot, observationOf, refundSnapshot } from '../adapters/stripe-objects';
import { jobsRepository } from '../db/jobs.repository';
import { paymentsRepository } from '../db/payments.repository';
import { providerEventsRepository } from '../db/provider-events.repository';
import type { AppDeps, Tx } from './deps';
import { openLedger } from './ledger';
import { doubts, unmatched } from './metrics';

/**
 * A Stripe event from provider.webhooks: the trigger, not the truth. Its object's facts are merged
 * into the payment's state machine (order-tolerant, duplicates are no-ops); when the event cannot be
 * placed — an intent we do not know, a refund or dispute on a payment not yet seen captured — the
 * intent is re-read from the provider instead.
 */
export function makeApplyStripeEvent(deps: AppDeps) {
  return async (trx: Tx, data: EventData<'stripe.event.v1'>): Promise<void> => {
    const object = data.object;
    const intent = intentSnapshot(object);
    const charge = chargeFacts(object);
    const refund = refundSnapshot(object);
    const dispute = disputeSnapshot(object);
    const intentId = data.paymentIntentId ?? intent?.id ?? charge?.paymentIntentId ?? refund?.paymentIntentId ?? dispute?.paymentIntentId ?? null;
    if (!intentId || !(intent || charge || refund || dispute)) {
      unmatched.inc({ action: 'ignored' });
      deps.logger.debug('stripe event not about a payment intent', { eventId: data.eventId, type: data.eventType });
      return;
    }

    const metadataPaymentId = intent?.metadata.payment_id ?? charge?.metadata.payment_id;
    const found = (await paymentsRepository.byIntent(trx, intentId)) ?? (metadataPaymentId ? await paymentsRepository.get(trx, metadataPaymentId) : undefined);
    if (!found || (found.intentId && found.intentId !== intentId)) {
      // In doubt: an intent we cannot place. The provider's own record decides (its metadata names the payment).
      unmatched.inc({ action: 'resynced' });
      await jobsRepository.add(trx, { kind: 'sync', intentId, dedupeKey: `sync-intent:${intentId}:${data.eventId}` });
      await providerEventsRepository.record(trx, { eventId: data.eventId, intentId, paymentId: null, type: data.eventType, created: data.created });
      return;
    }

    const ledger = await openLedger(deps, trx, found.bookingId);
    const p = (await paymentsRepository.get(trx, found.paymentId, { forUpdate: true }))!;
    if (!p.intentId) p.intentId = intentId;
    if (intent) await ledger.applyIntentFacts(p, observationOf(intent));
    else if (charge) await ledger.applyIntentFacts(p, chargeObservation(charge));
    else if (p.status !== 'captured') {
      // A refund or a dispute of money we have not seen captured: re-read everything about the intent.
      doubts.inc({ trigger: 'before_capture' });
      await ledger.savePayment(p);
      await jobsRepository.add(trx, { kind: 'sync', paymentId: p.paymentId, dedupeKey: `sync:${p.paymentId}:${data.eventId}` });
    } else if (refund) await ledger.applyRefundFact(p, refund);
    else if (dispute) await ledger.applyDisputeFact(p, dispute);
    await providerEventsRepository.record(trx, { eventId: data.eventId, intentId, paymentId: p.paymentId, type: data.eventType, created: data.created });
    await ledger.save();
  };
}
