import { createHash } from 'node:crypto';
import {
  ClientClosedError,
  ClientOfflineError,
  ConnectionTimeoutError,
  createClient,
  SocketClosedUnexpectedlyError,
  SocketTimeoutError,
} from 'redis';
import { counter, type Logger } from '@matchday/observability';

export type Redis = ReturnType<typeof createClient>;

const redisErrors = counter({
  name: 'gateway_redis_errors_total',
  help: 'Redis client errors seen by the gateway (connection lost, reconnecting)',
});

/**
 * A node-redis client that logs its errors and keeps reconnecting (with a cap on the delay). While
 * disconnected, commands fail at once instead of queueing: a request should get a fast 503, not hang.
 */
export function createRedis(url: string, logger: Logger): Redis {
  const client: Redis = createClient({
    url,
    disableOfflineQueue: true,
    socket: { reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2000), connectTimeout: 3000 },
  });
  client.on('error', (err: unknown) => {
    redisErrors.inc();
    logger.warn('redis client error', { err });
  });
  return client;
}

/** True for the errors of a Redis that cannot be reached (as opposed to a bug in a command). */
export function isRedisUnavailable(err: unknown): boolean {
  return (
    err instanceof ClientClosedError ||
    err instanceof ClientOfflineError ||
    err instanceof ConnectionTimeoutError ||
    err instanceof SocketClosedUnexpectedlyError ||
    err instanceof SocketTimeoutError ||
    (err instanceof Error && /ECONNREFUSED|ECONNRESET|client is closed/i.test(err.message))
  );
}

/**
 * A Lua script run by EVALSHA, falling back to EVAL (which caches it) when the server does not know
 * it yet (NOSCRIPT after a restart or on a fresh replica).
 */
export function luaScript(source: string) {
  const sha = createHash('sha1').update(source).digest('hex');
  return async (redis: Redis, keys: string[], args: Array<string | number>): Promise<unknown> => {
    const options = { keys, arguments: args.map(String) };
    try {
      return await redis.evalSha(sha, options);
    } catch (err) {
      if (err instanceof Error && err.message.includes('NOSCRIPT')) return redis.eval(source, options);
      throw err;
    }
  };
}

/** A reply that should be an array of integers (Lua numbers come back as integers). */
export function integers(reply: unknown, length: number): number[] {
  if (!Array.isArray(reply) || reply.length < length) throw new Error(`unexpected script reply: ${JSON.stringify(reply)}`);
  return reply.slice(0, length).map((v) => Number(v));
}
