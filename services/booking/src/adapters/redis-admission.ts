import type { Logger } from '@matchday/observability';
import type { Breaker } from '@matchday/resilience';
import { metrics } from '../app/metrics';
import type { AdmissionGate, AdmitResult } from '../app/ports';
import { guarded, LuaScript, type Redis } from './redis';

/**
 * Keys of one match share a hash tag, so every script touches one slot (Redis Cluster ready):
 * - `avail`: admission tokens (slots believed free);
 * - `inflight`: tokens admitted whose Postgres decision is still running;
 * - `epoch`: bumped by everything that moves the counter, so a re-sync can tell nothing raced it;
 * - `user:<id>`: the user's active hold id (or `pending:<token>` while one is being decided).
 */
export const admissionKeys = (prefix: string, matchId: string) => {
  const base = `${prefix}booking:{${matchId}}`;
  return {
    avail: `${base}:avail`,
    inflight: `${base}:inflight`,
    epoch: `${base}:epoch`,
    user: (userId: string) => `${base}:user:${userId}`,
    availability: `${base}:availability`,
  };
};

/** A crashed process leaves its in-flight tokens behind; they stop blocking re-syncs after this long. */
const INFLIGHT_TTL_MS = 60_000;
const PENDING_TTL_MS = 15_000;

// KEYS: avail, user, inflight, epoch   ARGV: quantity, pending marker
// → {1} admitted | {0, available} sold out | {2} unprimed | {3, holdId} existing | {4} pending | {5} closed (not on sale)
const ADMIT = new LuaScript(`
local mine = redis.call('GET', KEYS[2])
if mine then
  if string.sub(mine, 1, 8) == 'pending:' then return {4, ''} end
  return {3, mine}
end
local avail = redis.call('GET', KEYS[1])
if not avail then return {2, ''} end
avail = tonumber(avail)
if avail < 0 then return {5, ''} end
local qty = tonumber(ARGV[1])
if avail < qty then return {0, tostring(avail)} end
redis.call('DECRBY', KEYS[1], qty)
redis.call('INCRBY', KEYS[3], qty)
redis.call('PEXPIRE', KEYS[3], ${INFLIGHT_TTL_MS})
redis.call('INCR', KEYS[4])
redis.call('SET', KEYS[2], ARGV[2], 'PX', ${PENDING_TTL_MS})
return {1, ''}
`);

// KEYS: avail, user, inflight, epoch, availability cache
// ARGV: quantity, return tokens (1/0), pending marker, hold id ('' = none), marker ttl ms
const FINISH = new LuaScript(`
local left = redis.call('DECRBY', KEYS[3], ARGV[1])
if left <= 0 then redis.call('DEL', KEYS[3]) end
local avail = redis.call('GET', KEYS[1])
if ARGV[2] == '1' and avail and tonumber(avail) >= 0 then redis.call('INCRBY', KEYS[1], ARGV[1]) end
redis.call('INCR', KEYS[4])
if redis.call('GET', KEYS[2]) == ARGV[3] then
  if ARGV[4] ~= '' then redis.call('SET', KEYS[2], ARGV[4], 'PX', ARGV[5]) else redis.call('DEL', KEYS[2]) end
end
if ARGV[4] ~= '' then redis.call('DEL', KEYS[5]) end
return 1
`);

// KEYS: avail, epoch   ARGV: slots   (a closed match, -1, stays closed)
const FREE = new LuaScript(`
local avail = redis.call('GET', KEYS[1])
if avail and tonumber(avail) >= 0 then redis.call('INCRBY', KEYS[1], ARGV[1]) end
redis.call('INCR', KEYS[2])
return 1
`);

// KEYS: avail, inflight, epoch   ARGV: epoch seen before reading Postgres, available in Postgres
const RESYNC = new LuaScript(`
local busy = tonumber(redis.call('GET', KEYS[2]) or '0')
local epoch = redis.call('GET', KEYS[3]) or '0'
if busy > 0 or epoch ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('INCR', KEYS[3])
return 1
`);

// KEYS: user   ARGV: hold id
const FORGET = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

export function redisAdmission(deps: {
  redis: Redis;
  prefix: string;
  breaker: Breaker<[() => Promise<unknown>], unknown>;
  logger: Logger;
}): AdmissionGate {
  const { redis, prefix, breaker, logger } = deps;
  const run = <T>(operation: string, call: () => Promise<T>) => guarded(breaker, operation, logger, call);

  return {
    async admit(matchId, userId, quantity, token): Promise<AdmitResult> {
      const k = admissionKeys(prefix, matchId);
      let reply: unknown;
      try {
        reply = await run('admit', () => ADMIT.run(redis, [k.avail, k.user(userId), k.inflight, k.epoch], [quantity, `pending:${token}`]));
      } catch {
        metrics.admission.inc({ outcome: 'unavailable' });
        return { kind: 'unavailable' };
      }
      const [code, value] = reply as [number, string];
      const result: AdmitResult =
        code === 1
          ? { kind: 'admitted' }
          : code === 0
            ? { kind: 'sold_out', available: Number(value) }
            : code === 3
              ? { kind: 'existing', holdId: value }
              : code === 4
                ? { kind: 'pending' }
                : code === 5
                  ? { kind: 'closed' }
                  : { kind: 'unprimed' };
      metrics.admission.inc({ outcome: result.kind });
      return result;
    },

    async finish(matchId, userId, quantity, token, outcome) {
      const k = admissionKeys(prefix, matchId);
      await run('finish', () =>
        FINISH.run(
          redis,
          [k.avail, k.user(userId), k.inflight, k.epoch, k.availability],
          [quantity, outcome.returnTokens ? 1 : 0, `pending:${token}`, outcome.holdId ?? '', Math.max(1, Math.round(outcome.ttlMs ?? 1))],
        ),
      ).catch(() => undefined);
    },

    async prime(matchId, available) {
      const k = admissionKeys(prefix, matchId);
      await run('prime', () => redis.set(k.avail, String(available), { condition: 'NX' }));
      metrics.admissionResyncs.inc({ outcome: 'primed' });
    },

    async free(matchId, slots) {
      if (slots <= 0) return;
      const k = admissionKeys(prefix, matchId);
      await run('free', () => FREE.run(redis, [k.avail, k.epoch], [slots])).catch(() => undefined);
    },

    async resync(matchId, readAvailable) {
      const k = admissionKeys(prefix, matchId);
      const [exists, epoch] = await run('resync', () => Promise.all([redis.exists(k.avail), redis.get(k.epoch)]));
      if (!exists) return 'missing';
      const available = await readAvailable();
      if (available === null) return 'missing';
      const applied = await run('resync', () => RESYNC.run(redis, [k.avail, k.inflight, k.epoch], [epoch ?? '0', available]));
      const outcome = applied === 1 ? 'applied' : 'skipped_busy';
      metrics.admissionResyncs.inc({ outcome });
      return outcome;
    },

    async forgetUserHold(matchId, userId, holdId) {
      await run('forget', () => FORGET.run(redis, [admissionKeys(prefix, matchId).user(userId)], [holdId])).catch(() => undefined);
    },

    async rememberUserHold(matchId, userId, holdId, ttlMs) {
      await run('remember', () =>
        redis.set(admissionKeys(prefix, matchId).user(userId), holdId, { expiration: { type: 'PX', value: Math.max(1, Math.round(ttlMs)) } }),
      ).catch(() => undefined);
    },

    async close(matchId) {
      const k = admissionKeys(prefix, matchId);
      await run('close', () => redis.multi().set(k.avail, '-1').incr(k.epoch).exec()).catch(() => undefined);
    },
  };
}
