import { counter, type Logger } from '@matchday/observability';
import type { ExceededLimit } from '../domain/rate-limit';
import type { RateLimitStore, SignalPublisher } from './ports';

const blocks = counter({
  name: 'gateway_rate_limit_blocks_total',
  help: 'Temporary blocks started because a rate limit was exceeded, by action and subject kind',
  labelNames: ['action', 'subject'],
});

/**
 * Seed: RateLimiter.handleExceededLimit — blocks the subject from the action for the rule's block
 * time and tells fraud (`ratelimit.exceeded.v1` on gateway.signals, keyed by user, else IP). Several
 * replicas may see the same excess at once: only the one that starts the block signals it.
 */
export function makeHandleExceededLimit(deps: { store: RateLimitStore; signals: SignalPublisher; logger: Logger; now?: () => number }) {
  const now = deps.now ?? Date.now;
  return async (exceeded: ExceededLimit): Promise<void> => {
    const { subject, action, rule } = exceeded;
    const started = await deps.store.block(subject, action, rule.blockSeconds);
    if (!started) return;
    blocks.inc({ action, subject: subject.kind });
    deps.logger.warn('rate limit exceeded: subject blocked', { action, subject: subject.kind, blockSeconds: rule.blockSeconds, userId: exceeded.userId });
    deps.signals.publish(
      'ratelimit.exceeded.v1',
      {
        ...(exceeded.userId ? { userId: exceeded.userId } : {}),
        ip: exceeded.ip,
        action,
        limit: rule.limit,
        windowSeconds: rule.windowSeconds,
        blockedUntil: new Date(now() + rule.blockSeconds * 1000).toISOString(),
      },
      exceeded.userId ?? exceeded.ip,
    );
  };
}
