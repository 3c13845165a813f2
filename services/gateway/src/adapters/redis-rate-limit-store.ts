import { randomUUID } from 'node:crypto';
import type { RateLimitStore } from '../app/ports';
import type { BookingAction, LimitSubject } from '../domain/rate-limit';
import { integers, luaScript, type Redis } from './redis';

/**
 * Sliding-window log in a sorted set per (subject, action): one member per accepted request, scored
 * by Redis' own clock so that every gateway replica counts against the same window and clock.
 * Refused requests are not recorded, so a client that waits for Retry-After gets in. Keys carry
 * the subject as a hash tag: a subject's window and block live on one cluster slot.
 *
 * (The common libraries count fixed windows, which let twice the limit through across a window
 * boundary; the sliding log is exact and small at these limits.)
 */
const HIT = luaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local blocked = redis.call('PTTL', KEYS[2])
if blocked > 0 then return {0, blocked, 0, 1} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local used = redis.call('ZCARD', KEYS[1])
if used < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return {1, 0, limit - used - 1, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local wait = tonumber(oldest[2]) + window - now
if wait < 1 then wait = 1 end
return {0, wait, 0, 0}
`);

const USAGE = luaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))
return {redis.call('ZCARD', KEYS[1]), redis.call('PTTL', KEYS[2])}
`);


export function redisRateLimitStore(redis: Redis, prefix: string): RateLimitStore {
  const window = (s: LimitSubject, a: BookingAction) => `${prefix}rl:{${s.kind}:${s.id}}:${a}`;
  const blockKey = (s: LimitSubject, a: BookingAction) => `${window(s, a)}:block`;
  return {
    async hit(subject, action, rule) {
      const reply = await HIT(redis, [window(subject, action), blockKey(subject, action)], [
        rule.limit,
        rule.windowSeconds * 1000,
        randomUUID(),
      ]);
      const [allowed, wait, remaining, blocked] = integers(reply, 4);
      return { allowed: allowed === 1, retryAfterMs: wait!, remaining: remaining!, blocked: blocked === 1 };
    },
    async block(subject, action, seconds) {
      const set = await redis.set(blockKey(subject, action), String(Date.now()), {
        condition: 'NX',
        expiration: { type: 'EX', value: seconds },
      });
      return set !== null;
    },
    async usage(subject, action, rule) {
      const reply = await USAGE(redis, [window(subject, action), blockKey(subject, action)], [rule.windowSeconds * 1000]);
      const [used, pttl] = integers(reply, 2);
      return { used: used!, blockedMs: Math.max(0, pttl!) };
    },
    async reset(subject, actions) {
      await redis.del(actions.flatMap((a) => [window(subject, a), blockKey(subject, a)]));
    },
  };
}
