import type { QueueManager } from '@matchday/bus';
import type { EventType } from '@matchday/contracts';
import type { ProjectEvent } from '../app/project-event.use-case';

export const RECONCILIATION_GROUP = 'reconciliation';

export const RECONCILIATION_EVENT_TYPES: EventType[] = [
  'booking.created.v1',
  'booking.confirmed.v1',
  'booking.cancelled.v1',
  'booking.expired.v1',
  'booking.reversed.v1',
  'booking.modified.v1',
  'modification.dropped.v1',
  'payment.authorized.v1',
  'payment.captured.v1',
  'payment.succeeded.v1',
  'payment.closed.v1',
  'payment.refunded.v1',
  'payment.reversed.v1',
  'dispute.opened.v1',
  'dispute.closed.v1',
];

/** Thin adapter: booking and payment events feed reconciliation's projections. */
export function subscribeReconciliationConsumer(
  bus: QueueManager,
  projectEvent: ProjectEvent,
  opts: { retryDelaysMs?: number[]; sessionTimeoutMs?: number } = {},
): void {
  bus.subscribe({
    group: RECONCILIATION_GROUP,
    topics: ['booking.events', 'payment.events'],
    types: RECONCILIATION_EVENT_TYPES,
    batchSize: 100,
    ...(opts.retryDelaysMs && { retryDelaysMs: opts.retryDelaysMs }),
    ...(opts.sessionTimeoutMs && { sessionTimeoutMs: opts.sessionTimeoutMs }),
    handler: (event, { trx }) => projectEvent(trx, event),
  });
}
