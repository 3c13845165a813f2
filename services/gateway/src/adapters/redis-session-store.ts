import { randomUUID } from 'node:crypto';
import type { SessionStore } from '../app/ports';
import { luaScript, type Redis } from './redis';

// ARGV: newSessionId, device, sessionTtlMs, deviceWindowMs
const TOUCH = luaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('SET', KEYS[1], ARGV[1], 'NX')
redis.call('PEXPIRE', KEYS[1], ARGV[3])
local sid = redis.call('GET', KEYS[1])
redis.call('ZADD', KEYS[2], now, ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[4]))
redis.call('PEXPIRE', KEYS[2], ARGV[4])
local devices = redis.call('ZREVRANGE', KEYS[2], 0, 9)
table.insert(devices, 1, sid)
return devices
`);

// Timed by Redis' clock, like the rate limits, so replicas agree on the window.
const MARK_ACTIVE = luaScript(`
local t = redis.call('TIME')
redis.call('ZADD', KEYS[1], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), ARGV[1])
`);
const COUNT_ACTIVE = luaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))
return redis.call('ZCARD', KEYS[1])
`);

const RELEASE = luaScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`);


export interface SessionStoreOptions {
  prefix: string;
  sessionTtlSeconds: number;
  deviceWindowSeconds: number;
  lockTtlMs: number;
}

export function redisSessionStore(redis: Redis, opts: SessionStoreOptions): SessionStore {
  const key = (userId: string, what: string) => `${opts.prefix}sess:{${userId}}:${what}`;
  return {
    async touch(userId, deviceId) {
      const reply = await TOUCH(redis, [key(userId, 'id'), key(userId, 'devices')], [
        randomUUID(),
        deviceId,
        opts.sessionTtlSeconds * 1000,
        opts.deviceWindowSeconds * 1000,
      ]);
      if (!Array.isArray(reply) || reply.length < 1) throw new Error(`unexpected session reply: ${JSON.stringify(reply)}`);
      const [sessionId, ...devices] = reply.map(String);
      return { sessionId: sessionId!, activeDevices: devices };
    },
    async tryLock(userId, deviceId) {
      const value = `${deviceId}|${randomUUID()}`;
      const lockKey = key(userId, 'lock');
      const taken = await redis.set(lockKey, value, { condition: 'NX', expiration: { type: 'PX', value: opts.lockTtlMs } });
      if (taken !== null) {
        return { lock: { release: async () => void (await RELEASE(redis, [lockKey], [value])) } };
      }
      const holder = (await redis.get(lockKey)) as string | null;
      // Released between the two calls: report the caller itself, which makes it try again.
      return { heldBy: holder ? holder.slice(0, holder.lastIndexOf('|')) : deviceId };
    },
    async markActive(userId) {
      await MARK_ACTIVE(redis, [`${opts.prefix}active-users`], [userId]);
    },
    async activeUsers(seconds) {
      return Number(await COUNT_ACTIVE(redis, [`${opts.prefix}active-users`], [seconds * 1000]));
    },
    async firstConflictWithin(userId, seconds) {
      const set = await redis.set(key(userId, 'conflict'), '1', { condition: 'NX', expiration: { type: 'EX', value: seconds } });
      return set !== null;
    },
  };
}
