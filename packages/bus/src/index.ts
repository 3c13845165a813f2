export { createQueueManager, type QueueManager, type QueueManagerOptions } from './queue-manager';
export type { BatchEventHandler, EventHandler, HandlerContext, Subscription } from './consumer';
export { H as busHeaders } from './consumer';
export { busMigrations, outboxChannel } from './migrations';
export { createKafka, ensureTopics, idempotentProducer, waitForLeaders, RETRY_LEVELS } from '@matchday/kafka';
export { listDeadLetters, pendingDeadLetters, replayDeadLetters, type DeadLetter } from './dead-letters';
export { enqueue, OutboxRelay } from './outbox';
export type { EventCounts, InboxEntry, OutboxEntry } from './event-records';
export type { RetentionOptions } from './retention';
