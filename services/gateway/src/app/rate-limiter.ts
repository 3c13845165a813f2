import type { BookingAction, ExceededLimit, LimitRules, RateLimiter } from '../domain/rate-limit';
import type { makeCheckLimits } from './check-limits.use-case';
import type { makeHandleExceededLimit } from './handle-exceeded-limit.use-case';
import type { makeResetLimits } from './reset-limits.use-case';

/**
 * The seed's RateLimiter over the three use-cases, for callers that think in its terms (a user and
 * an action). The HTTP edge uses the use-cases directly, since it also needs Retry-After.
 */
export function createRateLimiter(deps: {
  rules: LimitRules;
  checkLimits: ReturnType<typeof makeCheckLimits>;
  handleExceededLimit: ReturnType<typeof makeHandleExceededLimit>;
  resetLimits: ReturnType<typeof makeResetLimits>;
}): RateLimiter {
  return {
    async checkLimit(userId: string, action: BookingAction) {
      const rule = deps.rules[action]?.user;
      if (!rule) return true;
      const refused = await deps.checkLimits([{ subject: { kind: 'user', id: userId }, action, rule }], { ip: 'unknown', userId });
      return refused === undefined;
    },
    async handleExceededLimit(userId: string, exceeded?: ExceededLimit) {
      const rule = deps.rules.request?.user;
      if (exceeded) return deps.handleExceededLimit(exceeded);
      if (rule) await deps.handleExceededLimit({ action: 'request', subject: { kind: 'user', id: userId }, ip: 'unknown', userId, rule });
    },
    resetLimits: (userId: string) => deps.resetLimits(userId, 'system'),
  };
}
