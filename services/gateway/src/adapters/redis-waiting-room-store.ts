import { randomBytes, randomUUID } from 'node:crypto';
import type { TicketRecord, WaitingRoomStore } from '../app/ports';
import { luaScript, type Redis } from './redis';

/**
 * The waiting room in Redis, one set of keys per match (hash-tagged by match, so one cluster slot):
 *
 * - `hot`     hash {rate}: present while the match is hot; `hot-at` the time of the last match.hot
 *             applied (older events are ignored, so a replayed or late event cannot undo a newer one)
 * - `seq`     arrival counter: INCR gives every ticket its place, whatever replica took it
 * - `queue`   sorted set of waiting ticket ids by arrival
 * - `bucket`  hash {tokens, ts}: admissions earned at `rate` per second, at most one second's worth
 * - `t:<id>`  ticket hash {userId, seq, token, admittedAt, expiresAt}
 * - `u:<uid>` the user's ticket (one per user and match: joining again returns it)
 * - `adm:<token>` "<userId>|<ticketId>" while the admission is valid
 *
 * Admission happens lazily, inside the scripts that join and read tickets: the bucket is refilled
 * for the time elapsed and that many tickets leave the head of the queue. Nothing runs on a timer
 * and no connection is held open; clients poll.
 */
const ADMIT = `
local function admit(base, now, rate, admTtl, roomTtl)
  -- At most one second of admissions is saved up (at least one), so an idle room admits no burst.
  local burst = math.max(1, math.floor(rate))
  local bucket = base .. ':bucket'
  local queue = base .. ':queue'
  local b = redis.call('HMGET', bucket, 'tokens', 'ts')
  local tokens = tonumber(b[1])
  local ts = tonumber(b[2])
  if tokens == nil or ts == nil then tokens = burst; ts = now end
  tokens = math.min(burst, tokens + (now - ts) * rate / 1000)
  local n = math.floor(tokens)
  if n > 0 then
    local heads = redis.call('ZRANGE', queue, 0, n - 1)
    for _, id in ipairs(heads) do
      redis.call('ZREM', queue, id)
      local tk = base .. ':t:' .. id
      local token = redis.call('HGET', tk, 'token')
      if token then
        local user = redis.call('HGET', tk, 'userId')
        redis.call('HSET', tk, 'admittedAt', now, 'expiresAt', now + admTtl)
        redis.call('SET', base .. ':adm:' .. token, user .. '|' .. id, 'PX', admTtl)
        tokens = tokens - 1
      end
    end
  end
  redis.call('HSET', bucket, 'tokens', tostring(tokens), 'ts', now)
  redis.call('PEXPIRE', bucket, roomTtl)
end

local function describe(base, id, now, created)
  local tk = base .. ':t:' .. id
  local t = redis.call('HMGET', tk, 'token', 'admittedAt', 'expiresAt')
  if t[2] then
    if tonumber(t[3]) <= now then return {id, 'expired', 0, '', 0, created} end
    return {id, 'admitted', 0, t[1], tonumber(t[3]), created}
  end
  local rank = redis.call('ZRANK', base .. ':queue', id)
  if not rank then return {id, 'expired', 0, '', 0, created} end
  return {id, 'waiting', rank + 1, '', 0, created}
end
`;

const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

// ARGV: base, userId, newTicketId, newToken, admTtlMs, roomTtlMs
const JOIN = luaScript(`${ADMIT}
${NOW}
local base, user = ARGV[1], ARGV[2]
local admTtl, roomTtl = tonumber(ARGV[5]), tonumber(ARGV[6])
local rate = redis.call('HGET', base .. ':hot', 'rate')
if not rate then return {'', 'closed', 0, '', 0, 0} end
rate = tonumber(rate)
local id = redis.call('GET', base .. ':u:' .. user)
if id then
  local tk = base .. ':t:' .. id
  local exp = redis.call('HGET', tk, 'expiresAt')
  if redis.call('EXISTS', tk) == 0 or (exp and tonumber(exp) <= now) then id = false end
end
local created = 0
if not id then
  id = ARGV[3]
  local seq = redis.call('INCR', base .. ':seq')
  redis.call('PEXPIRE', base .. ':seq', roomTtl)
  local tk = base .. ':t:' .. id
  redis.call('HSET', tk, 'userId', user, 'seq', seq, 'token', ARGV[4], 'joinedAt', now)
  redis.call('PEXPIRE', tk, roomTtl)
  redis.call('ZADD', base .. ':queue', seq, id)
  redis.call('PEXPIRE', base .. ':queue', roomTtl)
  redis.call('SET', base .. ':u:' .. user, id, 'PX', roomTtl)
  created = 1
end
admit(base, now, rate, admTtl, roomTtl)
return describe(base, id, now, created)
`);

// ARGV: base, ticketId, userId, admTtlMs, roomTtlMs
const STATUS = luaScript(`${ADMIT}
${NOW}
local base, id, user = ARGV[1], ARGV[2], ARGV[3]
local tk = base .. ':t:' .. id
if redis.call('HGET', tk, 'userId') ~= user then return {'', 'missing', 0, '', 0, 0} end
local rate = redis.call('HGET', base .. ':hot', 'rate')
if not rate then return {id, 'open', 0, '', 0, 0} end
admit(base, now, tonumber(rate), tonumber(ARGV[4]), tonumber(ARGV[5]))
return describe(base, id, now, 0)
`);

// ARGV: base, hot (1/0), rate, eventTimeMs, ttlMs
const SET_HOT = luaScript(`
local base = ARGV[1]
local at = tonumber(ARGV[4])
local last = tonumber(redis.call('GET', base .. ':hot-at') or '-1')
if at < last then return 0 end
redis.call('SET', base .. ':hot-at', ARGV[4], 'PX', ARGV[5])
if ARGV[2] == '1' then
  redis.call('HSET', base .. ':hot', 'rate', ARGV[3])
  redis.call('PEXPIRE', base .. ':hot', ARGV[5])
else
  redis.call('DEL', base .. ':hot')
end
return 1
`);

// ARGV: base, token, userId
const CONSUME = luaScript(`
local base = ARGV[1]
local v = redis.call('GET', base .. ':adm:' .. ARGV[2])
if not v then return 0 end
local sep = string.find(v, '|', 1, true)
if string.sub(v, 1, sep - 1) ~= ARGV[3] then return 0 end
redis.call('DEL', base .. ':adm:' .. ARGV[2])
local t = redis.call('TIME')
redis.call('HSET', base .. ':t:' .. string.sub(v, sep + 1), 'expiresAt', tonumber(t[1]) * 1000)
return 1
`);


export interface WaitingRoomStoreOptions {
  prefix: string;
  admissionTtlSeconds: number;
  roomTtlSeconds: number;
}

function toRecord(reply: unknown): TicketRecord | 'closed' | 'missing' {
  if (!Array.isArray(reply)) throw new Error(`unexpected waiting-room reply: ${JSON.stringify(reply)}`);
  const [id, state, position, token, expiresAt, created] = reply as [string, string, number, string, number, number];
  if (state === 'closed' || state === 'missing') return state;
  return {
    ticketId: String(id),
    state: state as TicketRecord['state'],
    ...(Number(position) > 0 ? { position: Number(position) } : {}),
    ...(token ? { admissionToken: String(token), admissionExpiresAtMs: Number(expiresAt) } : {}),
    created: Number(created) === 1,
  };
}

export function redisWaitingRoomStore(redis: Redis, opts: WaitingRoomStoreOptions): WaitingRoomStore {
  const base = (matchId: string) => `${opts.prefix}wr:{${matchId}}`;
  const admTtl = opts.admissionTtlSeconds * 1000;
  const roomTtl = opts.roomTtlSeconds * 1000;
  const admissionOwner = async (matchId: string, token: string): Promise<string | null> =>
    (await redis.get(`${base(matchId)}:adm:${token}`)) as string | null;

  return {
    async hotRate(matchId) {
      const rate = await redis.hGet(`${base(matchId)}:hot`, 'rate');
      return rate === null || rate === undefined ? undefined : Number(rate);
    },
    async setHot(matchId, hot, rate, eventTime) {
      const reply = await SET_HOT(redis, [`${base(matchId)}:hot`], [
        base(matchId),
        hot ? '1' : '0',
        String(rate),
        eventTime.getTime(),
        // Remember the last event's time well beyond any plausible redelivery.
        7 * 24 * 3600 * 1000,
      ]);
      return Number(reply) === 1;
    },
    waiting: (matchId) => redis.zCard(`${base(matchId)}:queue`),
    async join(matchId, userId) {
      const reply = await JOIN(redis, [`${base(matchId)}:hot`], [
        base(matchId),
        userId,
        randomUUID(),
        randomBytes(24).toString('base64url'),
        admTtl,
        roomTtl,
      ]);
      const record = toRecord(reply);
      return record === 'closed' || record === 'missing' ? undefined : record;
    },
    async ticket(matchId, ticketId, userId) {
      const reply = await STATUS(redis, [`${base(matchId)}:hot`], [base(matchId), ticketId, userId, admTtl, roomTtl]);
      const record = toRecord(reply);
      return record === 'closed' || record === 'missing' ? undefined : record;
    },
    async isAdmitted(matchId, token, userId) {
      const owner = await admissionOwner(matchId, token);
      return owner !== null && owner.split('|')[0] === userId;
    },
    async consumeAdmission(matchId, token, userId) {
      return Number(await CONSUME(redis, [`${base(matchId)}:hot`], [base(matchId), token, userId])) === 1;
    },
  };
}
