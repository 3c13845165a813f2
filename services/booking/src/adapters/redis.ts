import { createHash } from 'node:crypto';
import type { createClient } from 'redis';
import type { Logger } from '@matchday/observability';
import { createBreaker, type Breaker } from '@matchday/resilience';
import { metrics } from '../app/metrics';

export type Redis = ReturnType<typeof createClient>;

/** A Lua script run by EVALSHA, loaded on first use and again after a Redis restart (NOSCRIPT). */
export class LuaScript {
  readonly sha: string;
  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: string[], args: Array<string | number>): Promise<unknown> {
    const options = { keys, arguments: args.map(String) };
    try {
      return await redis.evalSha(this.sha, options);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return redis.eval(this.source, options);
    }
  }
}

/**
 * One circuit breaker for the service's own Redis calls (admission, cache): after repeated
 * failures (or past `timeoutMs`, when not 0) and while open, callers fall back to Postgres instead
 * of waiting on Redis.
 */
export function redisBreaker(timeoutMs: number, logger: Logger): Breaker<[() => Promise<unknown>], unknown> {
  return createBreaker('booking.redis', (call: () => Promise<unknown>) => call(), {
    timeoutMs,
    volumeThreshold: 10,
    resetTimeoutMs: 5000,
    logger,
  });
}

/** Runs `call` through the breaker; on failure counts and logs it under `operation` and rethrows. */
export async function guarded<T>(
  breaker: Breaker<[() => Promise<unknown>], unknown>,
  operation: string,
  logger: Logger,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return (await breaker.fire(call)) as T;
  } catch (err) {
    metrics.redisErrors.inc({ operation });
    logger.warn('redis call failed', { operation, error: err instanceof Error ? err.message : String(err) });
    throw err;
  }
}
