import type { Logger } from '@matchday/observability';
import { BOOKING_ACTIONS } from '../domain/rate-limit';
import type { RateLimitStore } from './ports';

/** Seed: RateLimiter.resetLimits — an admin lifts a user's windows and blocks at once. */
export function makeResetLimits(deps: { store: RateLimitStore; logger: Logger }) {
  return async (userId: string, by: string): Promise<void> => {
    await deps.store.reset({ kind: 'user', id: userId }, BOOKING_ACTIONS);
    deps.logger.info('rate limits reset', { userId, by });
  };
}
