import type { Knex } from '@matchday/db';

/** First instant (UTC) of the month `offset` months after `d`'s month. */
export function monthStart(d: Date, offset = 0): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offset, 1));
}

/** `bookings_y2026m03` for March 2026. */
export function partitionName(month: Date): string {
  return `bookings_y${month.getUTCFullYear()}m${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
}

async function exists(db: Knex | Knex.Transaction, name: string): Promise<boolean> {
  const { rows } = await db.raw(`SELECT to_regclass(quote_ident(current_schema()) || '.' || quote_ident(?)) IS NOT NULL AS found`, [name]);
  return Boolean(rows[0]?.found);
}

/**
 * Creates the monthly partitions of `bookings` from the month before `now` up to `monthsAhead`
 * months after it, leaving existing ones alone; returns the names it created. Serialised by an
 * advisory lock so replicas running maintenance at once do not trip over each other.
 */
export async function ensureMonthlyPartitions(db: Knex, now: Date, monthsAhead: number): Promise<string[]> {
  return db.transaction(async (trx) => {
    await trx.raw(`SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':bookings-partitions'))`);
    const created: string[] = [];
    for (let offset = -1; offset <= monthsAhead; offset++) {
      const from = monthStart(now, offset);
      const name = partitionName(from);
      if (await exists(trx, name)) continue;
      const to = monthStart(now, offset + 1);
      // DDL takes no bind parameters; the bounds are ISO timestamps this function generated.
      await trx.raw(`CREATE TABLE ?? PARTITION OF bookings FOR VALUES FROM ('${from.toISOString()}') TO ('${to.toISOString()}')`, [name]);
      created.push(name);
    }
    return created;
  });
}

/** How many months after `now`'s month already have a partition, counting without gaps. */
export async function monthsCovered(db: Knex, now: Date): Promise<number> {
  let months = 0;
  while (months < 120 && (await exists(db, partitionName(monthStart(now, months + 1))))) months++;
  return months;
}
