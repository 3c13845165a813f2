import type { QueueManager } from '@matchday/bus';
import { isEvent, type EventType, type TopicName } from '@matchday/contracts';
import type { ExpandEvent } from '../app/expand-event.use-case';
import type { RecordProjection } from '../app/record-projection.use-case';
import type { RecordProviderReport } from '../app/record-provider-report.use-case';

export const NOTIFICATION_GROUP = 'notification';

export const CONSUMED_TOPICS: TopicName[] = [
  'booking.events',
  'inventory.events',
  'payment.events',
  'fraud.decisions',
  'provider.webhooks',
];

export const CONSUMED_TYPES: EventType[] = [
  'booking.created.v1',
  'booking.confirmed.v1',
  'booking.cancelled.v1',
  'booking.expired.v1',
  'booking.reversed.v1',
  'booking.modified.v1',
  'modification.dropped.v1',
  'transfer.requested.v1',
  'transfer.accepted.v1',
  'match.created.v1',
  'match.rescheduled.v1',
  'match.cancelled.v1',
  'payment.failed.v1',
  'payment.refunded.v1',
  'payment.requoted.v1',
  'payment.reversed.v1',
  'dispute.opened.v1',
  'fraud.assessed.v1',
  'twilio.message.status.v1',
  'sendgrid.event.v1',
];

export interface ConsumerUseCases {
  recordProjection: RecordProjection;
  expand: ExpandEvent;
  recordProviderReport: RecordProviderReport;
}

/**
 * The `notification` group: every event is applied with its inbox row in one transaction — the
 * projections, then the expansion into notification rows (the dispatchers send them, decoupled from
 * this consumer) — or, for provider webhooks, the delivery report. `afterApply` wakes the dispatchers.
 */
export function subscribeNotificationConsumer(
  bus: QueueManager,
  useCases: ConsumerUseCases,
  opts: { retryDelaysMs: number[]; sessionTimeoutMs: number; concurrency: number; afterApply?: () => void },
): void {
  bus.subscribe({
    group: NOTIFICATION_GROUP,
    topics: CONSUMED_TOPICS,
    types: CONSUMED_TYPES,
    retryDelaysMs: opts.retryDelaysMs,
    sessionTimeoutMs: opts.sessionTimeoutMs,
    partitionsConsumedConcurrently: opts.concurrency,
    afterApply: () => opts.afterApply?.(),
    handler: async (event, { trx }) => {
      if (isEvent(event, 'twilio.message.status.v1') || isEvent(event, 'sendgrid.event.v1')) {
        await useCases.recordProviderReport(trx, event);
        return;
      }
      await useCases.recordProjection(trx, event);
      if (isEvent(event, 'payment.reversed.v1')) {
        await useCases.expand.reversalHandler(trx, event).notifyUserOfReversal(event.data.bookingId);
        return;
      }
      await useCases.expand.expandEvent(trx, event);
    },
  });
}
