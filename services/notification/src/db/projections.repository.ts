import type { Knex } from '@matchday/db';

type Db = Knex | Knex.Transaction;

export type BookingStatus = 'pending' | 'confirmed' | 'cancelled' | 'expired' | 'reversed';

export interface BookingView {
  bookingId: string;
  matchId: string;
  userId: string;
  status: BookingStatus;
  quantity: number | null;
}

export interface MatchView {
  matchId: string;
  title: string | null;
  venue: string | null;
  kickoffAt: string | null;
  cancelled: boolean;
}

interface BookingRow {
  booking_id: string;
  match_id: string;
  user_id: string;
  status: BookingStatus;
  quantity: number | null;
}

interface MatchRow {
  match_id: string;
  title: string | null;
  venue: string | null;
  kickoff_at: Date | null;
  cancelled: boolean;
}

/**
 * What this service keeps of other services' events: who holds which booking (so a match event
 * reaches its current bookers), who pays its shares, and what a match is called and when it kicks
 * off (for the copy). Events of one booking arrive in order (one partition), so the latest event wins.
 */
export function projectionsRepository() {
  return {
    async saveBooking(db: Db, b: Omit<BookingView, 'quantity'> & { quantity?: number }): Promise<void> {
      await db('bookings')
        .insert({
          booking_id: b.bookingId,
          match_id: b.matchId,
          user_id: b.userId,
          status: b.status,
          quantity: b.quantity ?? null,
          updated_at: db.fn.now(),
        })
        .onConflict('booking_id')
        .merge({
          match_id: b.matchId,
          user_id: b.userId,
          status: b.status,
          updated_at: db.fn.now(),
          ...(b.quantity !== undefined && { quantity: b.quantity }),
        });
    },

    async setStatus(db: Db, bookingId: string, status: BookingStatus): Promise<boolean> {
      return (
        (await db('bookings').where({ booking_id: bookingId }).update({ status, updated_at: db.fn.now() })) >
        0
      );
    },

    async changeOwner(db: Db, bookingId: string, userId: string): Promise<boolean> {
      return (
        (await db('bookings')
          .where({ booking_id: bookingId })
          .update({ user_id: userId, updated_at: db.fn.now() })) > 0
      );
    },

    /**
     * Moves a booking to the match and places a change asks for. A change still waiting for its extra
     * payment (`pending`) is kept with where the booking was, for {@link undoModification}; any other
     * change forgets the one kept before (booking takes one change of a booking at a time, so once a
     * new one is asked for, the earlier one was applied or dropped already).
     */
    async move(
      db: Db,
      bookingId: string,
      to: { matchId: string; quantity: number },
      pending: { modificationId: string; fromMatchId: string; fromQuantity: number } | null,
    ): Promise<boolean> {
      return (
        (await db('bookings')
          .where({ booking_id: bookingId })
          .update({
            match_id: to.matchId,
            quantity: to.quantity,
            pending_modification_id: pending?.modificationId ?? null,
            pending_from_match_id: pending?.fromMatchId ?? null,
            pending_from_quantity: pending?.fromQuantity ?? null,
            updated_at: db.fn.now(),
          })) > 0
      );
    },

    /**
     * Puts a booking back where it was before the waiting change `modificationId` moved it, and
     * forgets that change. Only the change kept is undone, once: a repeated or stale drop (of a change
     * since replaced by another) changes nothing. Returns whether the booking was put back.
     */
    async undoModification(db: Db, bookingId: string, modificationId: string): Promise<boolean> {
      return (
        (await db('bookings')
          .where({ booking_id: bookingId, pending_modification_id: modificationId })
          .update({
            match_id: db.ref('pending_from_match_id'),
            quantity: db.ref('pending_from_quantity'),
            pending_modification_id: null,
            pending_from_match_id: null,
            pending_from_quantity: null,
            updated_at: db.fn.now(),
          })) > 0
      );
    },

    async booking(db: Db, bookingId: string): Promise<BookingView | undefined> {
      const r = await db('bookings').where({ booking_id: bookingId }).first<BookingRow | undefined>();
      return r
        ? {
            bookingId: r.booking_id,
            matchId: r.match_id,
            userId: r.user_id,
            status: r.status,
            quantity: r.quantity,
          }
        : undefined;
    },

    /** The users paying a booking's shares; payers without an account of their own are not kept. */
    async savePayers(
      db: Db,
      bookingId: string,
      payers: Array<{ payerId: string; userId: string }>,
    ): Promise<void> {
      if (payers.length === 0) return;
      await db('booking_payers')
        .insert(payers.map((p) => ({ booking_id: bookingId, payer_id: p.payerId, user_id: p.userId })))
        .onConflict(['booking_id', 'payer_id'])
        .ignore();
    },

    async payerUser(db: Db, bookingId: string, payerId: string): Promise<string | undefined> {
      const r = await db('booking_payers')
        .where({ booking_id: bookingId, payer_id: payerId })
        .first<{ user_id: string } | undefined>('user_id');
      return r?.user_id;
    },

    async saveMatch(
      db: Db,
      m: { matchId: string; title?: string; venue?: string; kickoffAt?: string; cancelled?: boolean },
    ): Promise<void> {
      const values = {
        ...(m.title !== undefined && { title: m.title }),
        ...(m.venue !== undefined && { venue: m.venue }),
        ...(m.kickoffAt !== undefined && { kickoff_at: m.kickoffAt }),
        ...(m.cancelled !== undefined && { cancelled: m.cancelled }),
      };
      await db('matches')
        .insert({ match_id: m.matchId, ...values, updated_at: db.fn.now() })
        .onConflict('match_id')
        .merge({ ...values, updated_at: db.fn.now() });
    },

    async match(db: Db, matchId: string): Promise<MatchView | undefined> {
      const r = await db('matches').where({ match_id: matchId }).first<MatchRow | undefined>();
      return r
        ? {
            matchId: r.match_id,
            title: r.title,
            venue: r.venue,
            kickoffAt: r.kickoff_at?.toISOString() ?? null,
            cancelled: r.cancelled,
          }
        : undefined;
    },
  };
}

export type ProjectionsRepository = ReturnType<typeof projectionsRepository>;
