import type { QueueManager } from '@matchday/bus';
import { isEvent, type EventType } from '@matchday/contracts';
import type { AssessBooking } from '../app/assess-booking.use-case';
import type { RecordSignal } from '../app/record-signal.use-case';

export const FRAUD_GROUP = 'fraud';

/** The events fraud learns from; anything else on these topics is acknowledged untouched. */
export const FRAUD_EVENT_TYPES: EventType[] = [
  'booking.created.v1',
  'booking.confirmed.v1',
  'booking.expired.v1',
  'hold.placed.v1',
  'hold.expired.v1',
  'payment.captured.v1',
  'payment.failed.v1',
  'ratelimit.exceeded.v1',
  'session.conflict.v1',
  'match.hot.v1',
];

export interface FraudConsumerOptions {
  retryDelaysMs?: number[];
  sessionTimeoutMs?: number;
  batchSize?: number;
  concurrency?: number;
}

/** Thin adapter: booking.created is assessed; every other event becomes a signal. */
export function subscribeFraudConsumer(
  bus: QueueManager,
  useCases: { assessBooking: AssessBooking; recordSignal: RecordSignal },
  opts: FraudConsumerOptions = {},
): void {
  bus.subscribe({
    group: FRAUD_GROUP,
    topics: ['booking.events', 'payment.events', 'gateway.signals', 'inventory.events'],
    types: FRAUD_EVENT_TYPES,
    ...(opts.retryDelaysMs && { retryDelaysMs: opts.retryDelaysMs }),
    ...(opts.sessionTimeoutMs && { sessionTimeoutMs: opts.sessionTimeoutMs }),
    // Small chunks: a decision is visible only once its chunk commits (p99 goal 50 ms).
    batchSize: opts.batchSize ?? 20,
    partitionsConsumedConcurrently: opts.concurrency ?? 4,
    handler: async (event, { trx }) => {
      if (isEvent(event, 'booking.created.v1')) {
        await useCases.assessBooking(trx, { data: event.data, eventId: event.id, eventTime: new Date(event.time) });
        return;
      }
      await useCases.recordSignal(trx, event);
    },
  });
}
