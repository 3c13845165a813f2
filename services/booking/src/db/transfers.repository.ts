import type { Knex } from '@matchday/db';
import type { TransferStatus } from '../domain/modification';
import type { Transfer } from '../domain/transfer';

type Db = Knex | Knex.Transaction;

interface TransferRow {
  id: string;
  booking_id: string;
  from_user_id: string;
  to_user_id: string;
  status: TransferStatus;
  expires_at: Date;
  created_at: Date;
  accepted_at: Date | null;
}

const toTransfer = (r: TransferRow): Transfer => ({
  id: r.id,
  bookingId: r.booking_id,
  fromUserId: r.from_user_id,
  toUserId: r.to_user_id,
  status: r.status,
  expiresAt: r.expires_at,
  createdAt: r.created_at,
  acceptedAt: r.accepted_at,
});

export const transfersRepository = {
  async insert(db: Db, t: Transfer): Promise<void> {
    await db('booking_transfers').insert({
      id: t.id,
      booking_id: t.bookingId,
      from_user_id: t.fromUserId,
      to_user_id: t.toUserId,
      status: t.status,
      expires_at: t.expiresAt,
      created_at: t.createdAt,
      accepted_at: t.acceptedAt,
    });
  },

  async get(db: Db, id: string, opts: { forUpdate?: boolean } = {}): Promise<Transfer | null> {
    const q = db('booking_transfers').where({ id }).first();
    if (opts.forUpdate) q.forUpdate();
    const row = (await q) as TransferRow | undefined;
    return row ? toTransfer(row) : null;
  },

  async pendingFor(db: Db, bookingId: string): Promise<Transfer | null> {
    const row = (await db('booking_transfers').where({ booking_id: bookingId, status: 'PENDING' }).first()) as TransferRow | undefined;
    return row ? toTransfer(row) : null;
  },

  async setStatus(db: Db, id: string, status: TransferStatus, now: Date): Promise<void> {
    await db('booking_transfers')
      .where({ id })
      .update({ status, ...(status === 'ACCEPTED' ? { accepted_at: now } : {}) });
  },

  /** Pending transfers past expiry become EXPIRED; returns how many. */
  async expireOverdue(db: Db, now: Date): Promise<number> {
    return db('booking_transfers').where('status', 'PENDING').andWhere('expires_at', '<=', now).update({ status: 'EXPIRED' });
  },
};
