import { counter, type Logger } from '@matchday/observability';
import { retryAfterSeconds, type ExceededLimit, type LimitCheck, type LimitDecision } from '../domain/rate-limit';
import type { RateLimitStore } from './ports';

const decisions = counter({
  name: 'gateway_rate_limit_decisions_total',
  help: 'Rate-limit checks, by action, subject kind and outcome (allowed, exceeded, blocked)',
  labelNames: ['action', 'subject', 'outcome'],
});

export interface CheckLimitsDeps {
  store: RateLimitStore;
  handleExceededLimit: (exceeded: ExceededLimit) => Promise<void>;
  logger: Logger;
}

/**
 * Seed: RateLimiter.checkLimit, for every limit a request counts against. Stops at the first limit
 * refused (later windows are not charged for a refused request). A limit newly exceeded starts a
 * block and a fraud signal (handleExceededLimit); one refused during a block does not repeat them.
 */
export function makeCheckLimits(deps: CheckLimitsDeps) {
  return async (checks: LimitCheck[], caller: { ip: string; userId?: string }): Promise<LimitDecision | undefined> => {
    for (const { subject, action, rule } of checks) {
      const hit = await deps.store.hit(subject, action, rule);
      const outcome = hit.allowed ? 'allowed' : hit.blocked ? 'blocked' : 'exceeded';
      decisions.inc({ action, subject: subject.kind, outcome });
      if (hit.allowed) continue;
      let retryMs = hit.retryAfterMs;
      if (!hit.blocked) {
        await deps.handleExceededLimit({ action, subject, ip: caller.ip, ...(caller.userId ? { userId: caller.userId } : {}), rule });
        retryMs = Math.max(retryMs, rule.blockSeconds * 1000);
      }
      deps.logger.info('rate limit refused a request', { action, subject: subject.kind, outcome, retryAfterMs: retryMs });
      return {
        allowed: false,
        action,
        subject,
        limit: rule.limit,
        windowSeconds: rule.windowSeconds,
        remaining: 0,
        retryAfterSeconds: retryAfterSeconds(retryMs),
        alreadyBlocked: hit.blocked,
      };
    }
    return undefined;
  };
}
