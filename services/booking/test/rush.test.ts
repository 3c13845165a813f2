import { metricsText } from '@matchday/observability';
import { eventually } from '@matchday/testkit';
import { createClient } from 'redis';
import { Pool } from 'undici';
import { admissionKeys } from '../src/adapters/redis-admission';
import { admin, createMatch, expectInventoryConsistent, fan, inventory, key, startBooking, type Harness } from './harness';

let h: Harness;
let base: string;
const redis = createClient({ url: process.env.REDIS_URL });

beforeAll(async () => {
  h = await startBooking({ DB_POOL_MAX: '5', SWEEPER_ENABLED: 'false' });
  base = await h.listen();
  await redis.connect();
});

afterAll(async () => {
  await redis.close();
  await h.stop();
});

/** Fires `attempts` hold requests at once, each from its own user, through real sockets. */
async function rush(matchId: string, attempts: number, userPrefix: string): Promise<Map<number, number>> {
  const pool = new Pool(base, { connections: 256 });
  try {
    const statuses = await Promise.all(
      Array.from({ length: attempts }, async (_, i) => {
        const res = await pool.request({
          method: 'POST',
          path: '/v1/holds',
          headers: { 'content-type': 'application/json', 'idempotency-key': key(), ...fan(`${userPrefix}-${i}`) },
          body: JSON.stringify({ matchId, quantity: 1 }),
        });
        await res.body.dump();
        return res.statusCode;
      }),
    );
    const counts = new Map<number, number>();
    for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
    return counts;
  } finally {
    await pool.close();
  }
}

const metric = async (name: string): Promise<number> => {
  const line = (await metricsText()).split('\n').find((l) => l.startsWith(name));
  return line ? Number(line.split(' ').pop()) : 0;
};

describe('a booking rush', () => {
  it('when 2,000 fans try to hold a slot of a 100-slot match at once, then exactly 100 are held and nobody is oversold', async () => {
    const matchId = await createMatch(h, { capacity: 100 });
    const statements = await metric('booking_hold_batch_size_count');
    const counts = await rush(matchId, 2000, 'fan');
    expect(counts.get(201)).toBe(100);
    expect(counts.get(409)).toBe(1900);
    expect([...counts.keys()].sort()).toEqual([201, 409]);
    const inv = await inventory(h, matchId);
    expect(inv).toMatchObject({ capacity: 100, available: 0, held: 100, expectedHeld: 100 });
    await expectInventoryConsistent(h, matchId);
    expect(await redis.get(admissionKeys(h.iso.redisPrefix, matchId).avail)).toBe('0');
    // Attempts queued on the match row were written together (group commit).
    expect((await metric('booking_hold_batch_size_count')) - statements).toBeLessThan(100);
  });

  it('when the Redis admission counter says more than Postgres has, then Postgres still refuses the excess', async () => {
    const matchId = await createMatch(h, { capacity: 50 });
    await redis.set(admissionKeys(h.iso.redisPrefix, matchId).avail, '1000');
    const prevented = await metric('booking_oversell_prevented_total');
    const counts = await rush(matchId, 400, 'drift');
    expect(counts.get(201)).toBe(50);
    expect(counts.get(409)).toBe(350);
    expect((await inventory(h, matchId)).held).toBe(50);
    await expectInventoryConsistent(h, matchId);
    expect((await metric('booking_oversell_prevented_total')) - prevented).toBeGreaterThan(0);
  });

  it('when Redis lost the counter, then the first attempt reloads it from Postgres and sales go on', async () => {
    const matchId = await createMatch(h, { capacity: 3 });
    await redis.del(admissionKeys(h.iso.redisPrefix, matchId).avail);
    const counts = await rush(matchId, 20, 'lost');
    expect(counts.get(201)).toBe(3);
    expect(await redis.get(admissionKeys(h.iso.redisPrefix, matchId).avail)).toBe('0');
    await expectInventoryConsistent(h, matchId);
  });

  it('when the admission counter is too low after a crash, then a re-sync while nothing is in flight restores it', async () => {
    const matchId = await createMatch(h, { capacity: 10 });
    const k = admissionKeys(h.iso.redisPrefix, matchId);
    await redis.set(k.avail, '0');
    const refused = await h.http().post('/v1/holds').set(fan('late-1')).set('Idempotency-Key', key()).send({ matchId, quantity: 1 });
    expect(refused.status).toBe(409);
    await redis.set(k.inflight, '3');
    expect(await h.service.admission.resync(matchId, async () => 10)).toBe('skipped_busy');
    await redis.del(k.inflight);
    expect(await h.service.admission.resync(matchId, async () => 10)).toBe('applied');
    const held = await h.http().post('/v1/holds').set(fan('late-1')).set('Idempotency-Key', key()).send({ matchId, quantity: 1 });
    expect(held.status).toBe(201);
  });

  it('when the same fan’s other request for the match is still being decided, then 409 with Retry-After, and the hold is theirs once placed', async () => {
    const matchId = await createMatch(h, { capacity: 5 });
    const k = admissionKeys(h.iso.redisPrefix, matchId);
    await redis.set(k.user('twin-1'), 'pending:other-request', { expiration: { type: 'PX', value: 10000 } });
    const busy = await h.http().post('/v1/holds').set(fan('twin-1')).set('Idempotency-Key', key()).send({ matchId, quantity: 1 });
    expect(busy.status).toBe(409);
    expect(busy.body.code).toBe('HOLD_IN_PROGRESS');
    expect(busy.headers['retry-after']).toBe('1');
    await redis.del(k.user('twin-1'));
    const placed = await h.http().post('/v1/holds').set(fan('twin-1')).set('Idempotency-Key', key()).send({ matchId, quantity: 1 });
    expect(placed.status).toBe(201);
    // Its marker now names the hold: the next attempt is answered with it, without Postgres taking anything.
    await eventually(async () => (await redis.get(k.user('twin-1'))) === placed.body.holdId, { what: 'marker names the hold' });
    const again = await h.http().post('/v1/holds').set(fan('twin-1')).set('Idempotency-Key', key()).send({ matchId, quantity: 1 });
    expect(again.status).toBe(200);
    expect((await inventory(h, matchId)).held).toBe(1);
  });

  it('when a match is cancelled, then hold attempts are refused as not on sale without reaching Postgres', async () => {
    const matchId = await createMatch(h, { capacity: 10 });
    const res = await h.http().post(`/v1/admin/matches/${matchId}/cancel`).set(admin).set('Idempotency-Key', key()).send({ reason: 'storm' });
    expect(res.status).toBe(200);
    const before = await metric('booking_holds_rejected_total{reason="match_not_on_sale",decided_by="redis"}');
    const refused = await h.http().post('/v1/holds').set(fan('c-1')).set('Idempotency-Key', key()).send({ matchId, quantity: 1 });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('MATCH_NOT_ON_SALE');
    expect(await metric('booking_holds_rejected_total{reason="match_not_on_sale",decided_by="redis"}')).toBe(before + 1);
  });

  it('when Redis cannot answer admission (a corrupted counter), then Postgres decides alone and still sells exactly the capacity', async () => {
    const matchId = await createMatch(h, { capacity: 10 });
    const k = admissionKeys(h.iso.redisPrefix, matchId);
    await redis.set(k.avail, 'corrupted');
    const errors = await metric('booking_redis_errors_total{operation="admit"}');
    const counts = await rush(matchId, 60, 'broken');
    expect(counts.get(201)).toBe(10);
    expect(counts.get(409)).toBe(50);
    await expectInventoryConsistent(h, matchId);
    expect((await metric('booking_redis_errors_total{operation="admit"}')) - errors).toBeGreaterThan(0);
    // The re-sync (the sweeper's job) repairs the counter once nothing is in flight.
    await redis.del(k.inflight);
    await eventually(async () => (await h.service.admission.resync(matchId, async () => 0)) === 'applied', { what: 'resync', timeoutMs: 15000 });
    expect(await redis.get(k.avail)).toBe('0');
  });
});
