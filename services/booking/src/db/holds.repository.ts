import type { Knex } from '@matchday/db';
import type { Hold, HoldStatus } from '../domain/hold';
import { PLACE_HOLD_SQL, placeHoldBindings, type PlaceHoldParams, type PlaceHoldRow } from './hold-statement';

type Db = Knex | Knex.Transaction;

interface HoldRow {
  id: string;
  match_id: string;
  user_id: string;
  quantity: number;
  status: HoldStatus;
  session_id: string | null;
  device_id: string | null;
  waitlist_entry_id: string | null;
  expires_at: Date;
  created_at: Date;
  updated_at: Date;
}

const toHold = (r: HoldRow): Hold => ({
  id: r.id,
  matchId: r.match_id,
  userId: r.user_id,
  quantity: r.quantity,
  status: r.status,
  sessionId: r.session_id,
  deviceId: r.device_id,
  waitlistEntryId: r.waitlist_entry_id,
  expiresAt: r.expires_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export const holdsRepository = {
  /** The hot path: see PLACE_HOLD_SQL. */
  async place(db: Db, p: PlaceHoldParams): Promise<PlaceHoldRow> {
    const { rows } = await db.raw(PLACE_HOLD_SQL, placeHoldBindings(p));
    return rows[0] as PlaceHoldRow;
  },

  /** A hold created outside the hot path (waiting-list offers); the slots are taken by the caller. */
  async insert(db: Db, h: Hold): Promise<void> {
    await db('holds').insert({
      id: h.id,
      match_id: h.matchId,
      user_id: h.userId,
      quantity: h.quantity,
      status: h.status,
      session_id: h.sessionId,
      device_id: h.deviceId,
      waitlist_entry_id: h.waitlistEntryId,
      expires_at: h.expiresAt,
      created_at: h.createdAt,
      updated_at: h.updatedAt,
    });
  },

  async get(db: Db, id: string, opts: { forUpdate?: boolean } = {}): Promise<Hold | null> {
    const q = db('holds').where({ id }).first();
    if (opts.forUpdate) q.forUpdate();
    const row = (await q) as HoldRow | undefined;
    return row ? toHold(row) : null;
  },

  async activeFor(db: Db, matchId: string, userId: string): Promise<Hold | null> {
    const row = (await db('holds').where({ match_id: matchId, user_id: userId, status: 'ACTIVE' }).first()) as HoldRow | undefined;
    return row ? toHold(row) : null;
  },

  async usersWithActiveHold(db: Db, matchId: string, userIds: string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const rows = (await db('holds').where({ match_id: matchId, status: 'ACTIVE' }).whereIn('user_id', userIds).select('user_id')) as Array<{
      user_id: string;
    }>;
    return new Set(rows.map((r) => r.user_id));
  },

  /** Ends an ACTIVE hold; null when it was not active any more (another path ended it first). */
  async end(db: Db, id: string, status: Exclude<HoldStatus, 'ACTIVE'>, now: Date, opts: { unexpiredAt?: Date } = {}): Promise<Hold | null> {
    const q = db('holds').where({ id, status: 'ACTIVE' });
    if (opts.unexpiredAt) q.andWhere('expires_at', '>', opts.unexpiredAt);
    const [row] = await q.update({ status, updated_at: now }).returning('*');
    return row ? toHold(row as HoldRow) : null;
  },

  /** Expired but still ACTIVE holds, locked for this sweeper (other replicas skip them). */
  async lockExpired(db: Db, now: Date, limit: number): Promise<Hold[]> {
    const rows = (await db('holds')
      .where('status', 'ACTIVE')
      .andWhere('expires_at', '<=', now)
      .orderBy('expires_at')
      .limit(limit)
      .forUpdate()
      .skipLocked()) as HoldRow[];
    return rows.map(toHold);
  },

  async lockActiveForMatch(db: Db, matchId: string): Promise<Hold[]> {
    const rows = (await db('holds').where({ match_id: matchId, status: 'ACTIVE' }).forUpdate()) as HoldRow[];
    return rows.map(toHold);
  },

  async markStatus(db: Db, ids: string[], status: Exclude<HoldStatus, 'ACTIVE'>, now: Date): Promise<void> {
    if (ids.length === 0) return;
    await db('holds').whereIn('id', ids).andWhere('status', 'ACTIVE').update({ status, updated_at: now });
  },

  async addSession(db: Db, s: { sessionId: string; holdId: string; userId: string; deviceId: string | null; now: Date }): Promise<void> {
    await db('hold_sessions')
      .insert({ session_id: s.sessionId, hold_id: s.holdId, user_id: s.userId, device_id: s.deviceId, created_at: s.now })
      .onConflict(['session_id', 'hold_id'])
      .ignore();
  },

  /** The latest hold a session placed or was handed (another device's). */
  async latestForSession(db: Db, sessionId: string, userId: string): Promise<Hold | null> {
    const { rows } = await db.raw(
      `SELECT h.* FROM holds h
        WHERE h.user_id = :userId AND (h.session_id = :sessionId
              OR h.id IN (SELECT hold_id FROM hold_sessions WHERE session_id = :sessionId AND user_id = :userId))
        ORDER BY h.created_at DESC LIMIT 1`,
      { sessionId, userId },
    );
    const row = rows[0] as HoldRow | undefined;
    return row ? toHold(row) : null;
  },
};
