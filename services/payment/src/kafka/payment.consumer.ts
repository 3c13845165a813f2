import type { QueueManager } from '@matchday/bus';
import { isEvent, type EventType, type TopicName } from '@matchday/contracts';
import type { makeApplyFraudDecision } from '../app/apply-fraud-decision.use-case';
import type { makeApplyModification } from '../app/apply-modification.use-case';
import type { makeApplyStripeEvent } from '../app/apply-stripe-event.use-case';
import type { makeCloseBooking } from '../app/close-booking.use-case';
import type { makeDropModification } from '../app/drop-modification.use-case';
import type { makeOpenBookingPayments } from '../app/open-booking-payments.use-case';
import type { makeRequestRefund } from '../app/request-refund.use-case';

export const PAYMENT_GROUP = 'payment';
export const CONSUMED_TOPICS: TopicName[] = ['booking.events', 'fraud.decisions', 'provider.webhooks', 'reconciliation.events'];
export const CONSUMED_TYPES: EventType[] = [
  'booking.created.v1',
  'booking.expired.v1',
  'booking.cancelled.v1',
  'booking.modified.v1',
  'modification.dropped.v1',
  'refund.requested.v1',
  'fraud.assessed.v1',
  'review.resolved.v1',
  'stripe.event.v1',
  'reconciliation.refund.requested.v1',
];

export interface PaymentConsumerDeps {
  openBookingPayments: ReturnType<typeof makeOpenBookingPayments>;
  applyFraudDecision: ReturnType<typeof makeApplyFraudDecision>;
  closeBooking: ReturnType<typeof makeCloseBooking>;
  requestRefund: ReturnType<typeof makeRequestRefund>;
  applyModification: ReturnType<typeof makeApplyModification>;
  dropModification: ReturnType<typeof makeDropModification>;
  applyStripeEvent: ReturnType<typeof makeApplyStripeEvent>;
  /** Provider work was queued: run it without waiting for the next poll. */
  workQueued: () => void;
}

/**
 * The `payment` consumer group: thin — each event goes to its use-case in the transaction that also
 * records it in the inbox. Partitions are processed concurrently (the worker pool); one booking's
 * (or one payment intent's) events stay in order on their partition.
 */
export function subscribePaymentConsumer(
  bus: QueueManager,
  deps: PaymentConsumerDeps,
  opts: { concurrency: number; retryDelaysMs: number[]; sessionTimeoutMs: number },
): void {
  bus.subscribe({
    group: PAYMENT_GROUP,
    topics: CONSUMED_TOPICS,
    types: CONSUMED_TYPES,
    batchSize: 20,
    partitionsConsumedConcurrently: opts.concurrency,
    retryDelaysMs: opts.retryDelaysMs,
    sessionTimeoutMs: opts.sessionTimeoutMs,
    afterApply: () => deps.workQueued(),
    handler: async (event, { trx }) => {
      if (isEvent(event, 'booking.created.v1')) await deps.openBookingPayments(trx, event.data);
      else if (isEvent(event, 'booking.expired.v1')) await deps.closeBooking(trx, event.data.bookingId, 'expired');
      else if (isEvent(event, 'booking.cancelled.v1')) await deps.closeBooking(trx, event.data.bookingId, 'cancelled');
      else if (isEvent(event, 'booking.modified.v1')) await deps.applyModification(trx, event.data);
      else if (isEvent(event, 'modification.dropped.v1')) await deps.dropModification(trx, event.data);
      else if (isEvent(event, 'refund.requested.v1')) await deps.requestRefund.fromBooking(trx, event.data);
      else if (isEvent(event, 'fraud.assessed.v1')) await deps.applyFraudDecision(trx, event.data.bookingId, event.data.decision);
      else if (isEvent(event, 'review.resolved.v1')) await deps.applyFraudDecision(trx, event.data.bookingId, event.data.decision);
      else if (isEvent(event, 'stripe.event.v1')) await deps.applyStripeEvent(trx, event.data);
      else if (isEvent(event, 'reconciliation.refund.requested.v1')) await deps.requestRefund.fromReconciliation(trx, event.data);
    },
  });
}
