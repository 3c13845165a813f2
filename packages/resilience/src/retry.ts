import { setTimeout as sleep } from 'node:timers/promises';
import { counter, type Logger } from '@matchday/observability';
import { isBreakerOpen } from './breaker';

export interface RetryOptions {
  /** Retries after the first attempt (so at most `retries + 1` calls). */
  retries: number;
  /** Upper bound of the first delay. */
  baseMs: number;
  /** Cap of any delay. */
  maxMs: number;
  /** Whether to try again after `err` from attempt `attempt`. Default: anything but an open breaker. */
  shouldRetry?: (err: unknown, attempt: number) => boolean;
  /** Called before each wait. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  /** Label of the `retries_total` metric and of log lines. Default `unnamed`. */
  name?: string;
  logger?: Logger;
  /** Aborts the wait between attempts (shutdown). */
  signal?: AbortSignal;
  random?: () => number;
}

const retries = counter({
  name: 'retries_total',
  help: 'Retry decisions: retried (another attempt follows), exhausted (no retries left), not_retryable',
  labelNames: ['operation', 'outcome'],
});

/**
 * Full-jitter exponential backoff: a delay drawn uniformly from [0, min(maxMs, baseMs·2^(attempt−1))),
 * `attempt` being the number of the attempt that just failed (1-based). Spreads retries of many
 * clients instead of synchronising them.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Calls `fn(attempt)` (attempt 1, 2, …) until it resolves, `shouldRetry` says no, or `retries` are
 * used up; then rejects with the last error.
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const shouldRetry = options.shouldRetry ?? ((err: unknown) => !isBreakerOpen(err));
  const operation = options.name ?? 'unnamed';
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt > options.retries) {
        retries.inc({ operation, outcome: 'exhausted' });
        options.logger?.warn('retries exhausted', { operation, attempts: attempt, err });
        throw err;
      }
      if (!shouldRetry(err, attempt)) {
        retries.inc({ operation, outcome: 'not_retryable' });
        throw err;
      }
      const delayMs = backoffDelay(attempt, options.baseMs, options.maxMs, options.random);
      retries.inc({ operation, outcome: 'retried' });
      options.logger?.debug('retrying', { operation, attempt, delayMs, err });
      options.onRetry?.(err, attempt, delayMs);
      await sleep(delayMs, undefined, options.signal ? { signal: options.signal } : undefined);
    }
  }
}
