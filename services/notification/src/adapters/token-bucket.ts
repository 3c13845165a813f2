import { setTimeout as sleep } from 'node:timers/promises';
import type { createClient } from 'redis';
import type { ProviderRateLimiter } from '../app/ports';
import type { BucketShape, ProviderName } from '../domain';

export type BucketRedis = Pick<ReturnType<typeof createClient>, 'eval'>;

/**
 * One token bucket per provider in a Redis hash (`tokens`, `ts`, `blocked`), shared by every
 * replica. Time is Redis's own clock, so replicas with skewed clocks still agree. Returns
 * `{granted, waitMs}`: when not granted, how long until `cost` tokens will be there (or the pause
 * set after a 429 ends).
 */
const TAKE = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts', 'blocked')
local tokens = tonumber(b[1])
local ts = tonumber(b[2]) or now
local blocked = tonumber(b[3]) or 0
if tokens == nil then tokens = capacity end
if blocked > now then return {0, blocked - now} end
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate)
local ttl = math.ceil(capacity / rate) + 60000
if tokens >= cost then
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - cost), 'ts', tostring(now))
  redis.call('PEXPIRE', KEYS[1], ttl)
  return {1, 0}
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], ttl)
return {0, math.ceil((cost - tokens) / rate)}
`;

const PAUSE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local untilMs = now + tonumber(ARGV[1])
local blocked = tonumber(redis.call('HGET', KEYS[1], 'blocked')) or 0
if untilMs > blocked then redis.call('HSET', KEYS[1], 'blocked', tostring(untilMs)) end
redis.call('PEXPIRE', KEYS[1], math.max(tonumber(ARGV[1]) + 60000, redis.call('PTTL', KEYS[1])))
return untilMs - now
`;

export interface TokenBucketOptions {
  redis: BucketRedis;
  /** Key prefix (environment and test isolation). */
  prefix: string;
  shapes: Record<ProviderName, BucketShape>;
}

/** The providers' rate limits as token buckets in Redis, shared by all replicas. */
export function redisTokenBuckets(opts: TokenBucketOptions): ProviderRateLimiter {
  const key = (p: ProviderName) => `${opts.prefix}notification:bucket:${p}`;
  return {
    async take(provider, cost, signal) {
      const shape = opts.shapes[provider];
      // A take larger than the bucket could never be granted: it is sent as a full bucket.
      const want = Math.min(cost, shape.capacity);
      let waited = 0;
      for (;;) {
        const reply = (await opts.redis.eval(TAKE, {
          keys: [key(provider)],
          arguments: [String(shape.capacity), String(shape.refillPerMs), String(want)],
        })) as [number, number];
        if (reply[0] === 1) return waited;
        const waitMs = Math.max(1, Number(reply[1]));
        await sleep(waitMs, undefined, signal ? { signal } : undefined);
        waited += waitMs;
      }
    },
    async pause(provider, ms) {
      await opts.redis.eval(PAUSE, {
        keys: [key(provider)],
        arguments: [String(Math.max(1, Math.ceil(ms)))],
      });
    },
  };
}
