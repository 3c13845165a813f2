import type { Knex } from '@matchday/db';
import type { Match, MatchStatus, NewMatch } from '../domain/match';

type Db = Knex | Knex.Transaction;

interface MatchRow {
  id: string;
  title: string;
  venue: string;
  fixture_id: string | null;
  kickoff_at: Date;
  capacity: number;
  unit_price: string | number;
  currency: string;
  status: MatchStatus;
  available_slots: number;
  held_slots: number;
  confirmed_slots: number;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export const toMatch = (r: MatchRow): Match => ({
  id: r.id,
  title: r.title,
  venue: r.venue,
  fixtureId: r.fixture_id,
  kickoffAt: r.kickoff_at,
  capacity: r.capacity,
  unitPrice: Number(r.unit_price),
  currency: r.currency,
  status: r.status,
  available: r.available_slots,
  held: r.held_slots,
  confirmed: r.confirmed_slots,
  version: r.version,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Where slots move when a counter operation runs. */
export type SlotMove =
  /** available → held (hold, reservation for a modification) */
  | 'take_held'
  /** available → confirmed (late payment re-reserving) */
  | 'take_confirmed'
  | 'held_to_confirmed'
  /** held → available */
  | 'release_held'
  /** confirmed → available */
  | 'release_confirmed';

const MOVES: Record<SlotMove, { set: string; guard: string }> = {
  take_held: { set: 'available_slots = available_slots - :n, held_slots = held_slots + :n', guard: 'available_slots >= :n' },
  take_confirmed: { set: 'available_slots = available_slots - :n, confirmed_slots = confirmed_slots + :n', guard: 'available_slots >= :n' },
  held_to_confirmed: { set: 'held_slots = held_slots - :n, confirmed_slots = confirmed_slots + :n', guard: 'held_slots >= :n' },
  release_held: { set: 'held_slots = held_slots - :n, available_slots = available_slots + :n', guard: 'held_slots >= :n' },
  release_confirmed: { set: 'confirmed_slots = confirmed_slots - :n, available_slots = available_slots + :n', guard: 'confirmed_slots >= :n' },
};

export const matchesRepository = {
  async insert(db: Db, id: string, m: NewMatch, now: Date): Promise<Match> {
    const [row] = await db('matches')
      .insert({
        id,
        title: m.title,
        venue: m.venue,
        fixture_id: m.fixtureId ?? null,
        kickoff_at: m.kickoffAt,
        capacity: m.capacity,
        unit_price: m.unitPrice,
        currency: m.currency,
        status: 'SCHEDULED',
        available_slots: m.capacity,
        created_at: now,
        updated_at: now,
      })
      .returning('*');
    return toMatch(row as MatchRow);
  },

  async get(db: Db, id: string, opts: { forUpdate?: boolean } = {}): Promise<Match | null> {
    const q = db('matches').where({ id }).first();
    if (opts.forUpdate) q.forUpdate();
    const row = (await q) as MatchRow | undefined;
    return row ? toMatch(row) : null;
  },

  async list(db: Db, opts: { from: Date; limit: number; after?: { kickoffAt: Date; id: string } }): Promise<Match[]> {
    const q = db('matches').where('status', 'SCHEDULED').andWhere('kickoff_at', '>', opts.from);
    if (opts.after) {
      const { kickoffAt, id } = opts.after;
      q.andWhereRaw('(kickoff_at, id) > (?, ?)', [kickoffAt, id]);
    }
    const rows = (await q.orderBy([{ column: 'kickoff_at' }, { column: 'id' }]).limit(opts.limit)) as MatchRow[];
    return rows.map(toMatch);
  },

  /** Other scheduled, upcoming matches of the same fixture (or venue, without fixture). */
  async related(db: Db, m: Match, now: Date): Promise<Match[]> {
    const q = db('matches').where('status', 'SCHEDULED').andWhere('kickoff_at', '>', now).andWhereNot('id', m.id);
    if (m.fixtureId) q.andWhere('fixture_id', m.fixtureId);
    else q.andWhere('venue', m.venue);
    return ((await q.orderBy('kickoff_at').limit(200)) as MatchRow[]).map(toMatch);
  },

  /**
   * Moves `n` slots between the counters of a match with one conditional update: the guard makes it
   * refuse (false) rather than go below zero. `onSaleAt` adds "scheduled and before kickoff" to the
   * guard (for anything that takes slots).
   */
  async move(db: Db, matchId: string, move: SlotMove, n: number, now: Date, onSaleAt?: Date): Promise<Match | null> {
    if (n === 0) return this.get(db, matchId);
    const { set, guard } = MOVES[move];
    const sale = onSaleAt ? ` AND status = 'SCHEDULED' AND kickoff_at > :onSaleAt` : '';
    const { rows } = await db.raw(
      `UPDATE matches SET ${set}, version = version + 1, updated_at = :now WHERE id = :matchId AND ${guard}${sale} RETURNING *`,
      { n, now, matchId, ...(onSaleAt ? { onSaleAt } : {}) },
    );
    const row = rows[0] as MatchRow | undefined;
    return row ? toMatch(row) : null;
  },

  async reschedule(db: Db, id: string, kickoffAt: Date, venue: string | undefined, now: Date): Promise<Match | null> {
    const patch: Record<string, unknown> = { kickoff_at: kickoffAt, updated_at: now, version: db.raw('version + 1') };
    if (venue !== undefined) patch.venue = venue;
    const [row] = await db('matches').where({ id, status: 'SCHEDULED' }).update(patch).returning('*');
    return row ? toMatch(row as MatchRow) : null;
  },

  async cancel(db: Db, id: string, reason: string, now: Date): Promise<Match | null> {
    const [row] = await db('matches')
      .where({ id, status: 'SCHEDULED' })
      .update({ status: 'CANCELLED', cancel_reason: reason, updated_at: now, version: db.raw('version + 1') })
      .returning('*');
    return row ? toMatch(row as MatchRow) : null;
  },

  /** Matches whose counters changed since their availability was last published. */
  async unpublished(db: Db, limit: number): Promise<Match[]> {
    const rows = (await db('matches as m')
      .leftJoin('availability_published as p', 'p.match_id', 'm.id')
      .whereRaw('p.version IS DISTINCT FROM m.version')
      .select('m.*')
      .limit(limit)) as MatchRow[];
    return rows.map(toMatch);
  },

  async markPublished(db: Db, matchId: string, version: number): Promise<void> {
    await db.raw(
      `INSERT INTO availability_published (match_id, version) VALUES (?, ?)
         ON CONFLICT (match_id) DO UPDATE SET version = GREATEST(availability_published.version, EXCLUDED.version)`,
      [matchId, version],
    );
  },

  async upcomingIds(db: Db, now: Date, limit: number): Promise<string[]> {
    const rows = (await db('matches').where('status', 'SCHEDULED').andWhere('kickoff_at', '>', now).orderBy('kickoff_at').limit(limit).select('id')) as Array<{
      id: string;
    }>;
    return rows.map((r) => r.id);
  },

  /** What the admission counter should say: available slots, or -1 when the match is not on sale. */
  async admissionValue(db: Db, matchId: string, now: Date): Promise<number | null> {
    const row = (await db('matches').where({ id: matchId }).first('available_slots', 'status', 'kickoff_at')) as
      | { available_slots: number; status: MatchStatus; kickoff_at: Date }
      | undefined;
    if (!row) return null;
    return row.status === 'SCHEDULED' && row.kickoff_at.getTime() > now.getTime() ? row.available_slots : -1;
  },
};
