import {
  bookingEvents,
  fraudEvents,
  gatewayEvents,
  inventoryEvents,
  notificationEvents,
  paymentEvents,
  providerWebhookEvents,
  reconciliationEvents,
} from './events';

/** The platform's topics, with their partition counts (the unit of consumer parallelism). */
export const topics = {
  'booking.events': { partitions: 12, events: bookingEvents },
  'inventory.events': { partitions: 6, events: inventoryEvents },
  'payment.events': { partitions: 12, events: paymentEvents },
  'provider.webhooks': { partitions: 12, events: providerWebhookEvents },
  'fraud.decisions': { partitions: 6, events: fraudEvents },
  'notification.events': { partitions: 6, events: notificationEvents },
  'gateway.signals': { partitions: 6, events: gatewayEvents },
  'reconciliation.events': { partitions: 6, events: reconciliationEvents },
} as const;

export type TopicName = keyof typeof topics;
export const topicNames = Object.keys(topics) as TopicName[];

/** Retry and dead-letter topics belong to a consumer group. */
export const retryTopic = (group: string, attempt: number): string => `${group}.retry.${attempt}`;
export const deadLetterTopic = (group: string): string => `${group}.dlq`;
