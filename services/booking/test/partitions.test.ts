import { randomUUID } from 'node:crypto';
import { createLogger, metricsText } from '@matchday/observability';
import { isolation, serviceDb, type ServiceDb } from '@matchday/testkit';
import { makeMaintainPartitions } from '../src/app/maintain-partitions.use-case';
import { bookingsRepository } from '../src/db/bookings.repository';
import { bookingMigrations } from '../src/db/migrations';
import { monthStart, partitionName } from '../src/db/partitions';
import { buildBooking } from './builders';

const iso = isolation();
let sdb: ServiceDb;

beforeAll(async () => {
  sdb = await serviceDb('booking', iso.schema('booking'), { migrations: bookingMigrations(iso.schema('booking'), 3), poolMax: 2 });
});

afterAll(async () => {
  await sdb.destroy();
});

const partitionOf = async (id: string): Promise<string> => {
  const { rows } = await sdb.db.raw(`SELECT tableoid::regclass::text AS p FROM bookings WHERE id = ?`, [id]);
  return String(rows[0].p).split('.').pop()!.replace(/"/g, '');
};

const insertAt = async (createdAt: Date): Promise<string> => {
  const b = buildBooking({ id: randomUUID(), holdId: randomUUID(), matchId: randomUUID(), createdAt, updatedAt: createdAt });
  await bookingsRepository.insert(sdb.db, b, [{ payerId: 'u1', amount: b.amount, currency: b.currency }]);
  return b.id;
};

describe('bookings partitions', () => {
  it('when the schema is created, then this month and the next three have partitions and a booking lands in its month', async () => {
    const now = new Date();
    for (let i = 0; i <= 3; i++) {
      const { rows } = await sdb.db.raw(`SELECT to_regclass(?) IS NOT NULL AS ok`, [`${iso.schema('booking')}.${partitionName(monthStart(now, i))}`]);
      expect(rows[0].ok).toBe(true);
    }
    const id = await insertAt(now);
    expect(await partitionOf(id)).toBe(partitionName(monthStart(now)));
    expect((await bookingsRepository.get(sdb.db, id))?.id).toBe(id);
  });

  it('when time moves past the covered months, then maintenance creates the next ones and inserts land in them', async () => {
    const future = monthStart(new Date(), 14);
    await expect(insertAt(future)).rejects.toThrow(/no partition/);
    const maintain = makeMaintainPartitions({
      db: sdb.db,
      clock: { now: () => future },
      logger: createLogger({ service: 'booking-test', level: 'warn' }),
      config: { PARTITION_MONTHS_AHEAD: 2 },
    });
    const result = await maintain();
    expect(result.created).toEqual([-1, 0, 1, 2].map((i) => partitionName(monthStart(future, i))));
    expect(result.monthsAhead).toBe(2);
    expect(await metricsText()).toMatch(/booking_partitions_months_ahead 2/);
    const id = await insertAt(new Date(future.getTime() + 5 * 86_400_000));
    expect(await partitionOf(id)).toBe(partitionName(future));
    // Running it again creates nothing.
    expect((await maintain()).created).toEqual([]);
  });
});
