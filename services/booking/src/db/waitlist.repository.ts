import type { Knex } from '@matchday/db';
import type { WaitlistEntry, WaitlistStatus } from '../domain/waitlist';

type Db = Knex | Knex.Transaction;

interface EntryRow {
  id: string;
  seq: string;
  match_id: string;
  user_id: string;
  quantity: number;
  status: WaitlistStatus;
  hold_id: string | null;
  created_at: Date;
  updated_at: Date;
}

const toEntry = (r: EntryRow): WaitlistEntry => ({
  id: r.id,
  seq: Number(r.seq),
  matchId: r.match_id,
  userId: r.user_id,
  quantity: r.quantity,
  status: r.status,
  holdId: r.hold_id,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export const waitlistRepository = {
  async insert(db: Db, e: { id: string; matchId: string; userId: string; quantity: number; now: Date }): Promise<WaitlistEntry> {
    const [row] = await db('waitlist_entries')
      .insert({ id: e.id, match_id: e.matchId, user_id: e.userId, quantity: e.quantity, status: 'WAITING', created_at: e.now, updated_at: e.now })
      .returning('*');
    return toEntry(row as EntryRow);
  },

  async get(db: Db, id: string): Promise<WaitlistEntry | null> {
    const row = (await db('waitlist_entries').where({ id }).first()) as EntryRow | undefined;
    return row ? toEntry(row) : null;
  },

  async liveFor(db: Db, matchId: string, userId: string): Promise<WaitlistEntry | null> {
    const row = (await db('waitlist_entries').where({ match_id: matchId, user_id: userId }).whereIn('status', ['WAITING', 'OFFERED']).first()) as
      | EntryRow
      | undefined;
    return row ? toEntry(row) : null;
  },

  /** Entries ahead of `seq` that are still waiting: the position is this plus one. */
  async ahead(db: Db, matchId: string, seq: number): Promise<number> {
    const row = (await db('waitlist_entries').where({ match_id: matchId, status: 'WAITING' }).andWhere('seq', '<', seq).count('* as n').first()) as
      | { n: string }
      | undefined;
    return Number(row?.n ?? 0);
  },

  /** The queue's head, locked (skipping entries another transaction is offering). */
  async lockWaiting(db: Db, matchId: string, limit: number): Promise<WaitlistEntry[]> {
    const rows = (await db('waitlist_entries')
      .where({ match_id: matchId, status: 'WAITING' })
      .orderBy('seq')
      .limit(limit)
      .forUpdate()
      .skipLocked()) as EntryRow[];
    return rows.map(toEntry);
  },

  async offer(db: Db, id: string, holdId: string, now: Date): Promise<void> {
    await db('waitlist_entries').where({ id, status: 'WAITING' }).update({ status: 'OFFERED', hold_id: holdId, updated_at: now });
  },

  /** The entry whose offer is `holdId` moves on (FULFILLED at checkout, EXPIRED when the offer lapsed). */
  async settleOffer(db: Db, holdId: string, status: 'FULFILLED' | 'EXPIRED', now: Date): Promise<WaitlistEntry | null> {
    const [row] = await db('waitlist_entries').where({ hold_id: holdId, status: 'OFFERED' }).update({ status, updated_at: now }).returning('*');
    return row ? toEntry(row as EntryRow) : null;
  },

  async leave(db: Db, id: string, userId: string, now: Date): Promise<WaitlistEntry | null> {
    const [row] = await db('waitlist_entries')
      .where({ id, user_id: userId, status: 'WAITING' })
      .update({ status: 'LEFT', updated_at: now })
      .returning('*');
    return row ? toEntry(row as EntryRow) : null;
  },

  async cancelForMatch(db: Db, matchId: string, now: Date): Promise<number> {
    return db('waitlist_entries').where({ match_id: matchId }).whereIn('status', ['WAITING', 'OFFERED']).update({ status: 'CANCELLED', updated_at: now });
  },
};
