import { isEvent, type EventType } from '@matchday/contracts';
import type { CacheManager } from '../app/ports';
import type { TypedHandler } from './payment.consumer';

/**
 * The service's own inventory.events → cache invalidation on every replica: whichever replica (or
 * consumer) changed a match, all of them drop their cached availability.
 */
export function inventoryConsumer(cache: CacheManager): Partial<Record<EventType, TypedHandler>> {
  const invalidate: TypedHandler = async (event) => {
    if (isEvent(event, 'availability.changed.v1') || isEvent(event, 'match.rescheduled.v1') || isEvent(event, 'match.cancelled.v1')) {
      await cache.invalidateSlotCache(event.data.matchId);
    }
  };
  return { 'availability.changed.v1': invalidate, 'match.rescheduled.v1': invalidate, 'match.cancelled.v1': invalidate };
}
