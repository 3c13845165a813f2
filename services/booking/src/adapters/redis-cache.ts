import type { Logger } from '@matchday/observability';
import type { Breaker } from '@matchday/resilience';
import type { Availability } from '../domain/match';
import { metrics } from '../app/metrics';
import type { BookingData, CacheManager } from '../app/ports';
import { admissionKeys } from './redis-admission';
import { guarded, type Redis } from './redis';

/**
 * The seed's CacheManager over Redis: match availability (read-through, short TTL, invalidated on
 * every change) and booking views (invalidated on every change of the booking). A Redis failure is
 * a miss: readers fall back to Postgres.
 */
export function redisCache(deps: {
  redis: Redis;
  prefix: string;
  breaker: Breaker<[() => Promise<unknown>], unknown>;
  logger: Logger;
  loadAvailability: (matchId: string) => Promise<Availability | null>;
  availabilitySeconds: number;
  bookingSeconds: number;
}): CacheManager {
  const { redis, prefix, breaker, logger } = deps;
  const run = <T>(operation: string, call: () => Promise<T>) => guarded(breaker, operation, logger, call);
  const availabilityKey = (matchId: string) => admissionKeys(prefix, matchId).availability;
  const bookingKey = (bookingId: string) => `${prefix}booking:data:${bookingId}`;

  const store = async (matchId: string, duration: number): Promise<Availability | null> => {
    const availability = await deps.loadAvailability(matchId);
    if (!availability) return null;
    await run('cache_set', () => redis.set(availabilityKey(matchId), JSON.stringify(availability), { expiration: { type: 'EX', value: duration } })).catch(
      () => undefined,
    );
    return availability;
  };

  return {
    async cacheSlotAvailability(matchId, duration) {
      await store(matchId, duration);
    },

    async invalidateSlotCache(matchId) {
      await run('cache_invalidate', () => redis.del(availabilityKey(matchId))).catch(() => undefined);
    },

    async getAvailability(matchId) {
      let cached: string | null;
      try {
        cached = await run('cache_get', () => redis.get(availabilityKey(matchId)));
      } catch {
        metrics.cache.inc({ cache: 'availability', outcome: 'error' });
        return deps.loadAvailability(matchId);
      }
      if (cached !== null) {
        metrics.cache.inc({ cache: 'availability', outcome: 'hit' });
        return JSON.parse(cached) as Availability;
      }
      metrics.cache.inc({ cache: 'availability', outcome: 'miss' });
      return store(matchId, deps.availabilitySeconds);
    },

    async getCachedBookingData(bookingId) {
      try {
        const cached = await run('cache_get', () => redis.get(bookingKey(bookingId)));
        metrics.cache.inc({ cache: 'booking', outcome: cached === null ? 'miss' : 'hit' });
        return cached === null ? null : (JSON.parse(cached) as BookingData);
      } catch {
        metrics.cache.inc({ cache: 'booking', outcome: 'error' });
        return null;
      }
    },

    async cacheBookingData(data) {
      await run('cache_set', () =>
        redis.set(bookingKey(data.bookingId), JSON.stringify(data), { expiration: { type: 'EX', value: deps.bookingSeconds } }),
      ).catch(() => undefined);
    },

    async invalidateBookingData(bookingId) {
      await run('cache_invalidate', () => redis.del(bookingKey(bookingId))).catch(() => undefined);
    },
  };
}
