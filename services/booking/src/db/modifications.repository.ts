import type { Knex } from '@matchday/db';
import type { Modification, ModificationKind, ModificationStatus } from '../domain/modification';

type Db = Knex | Knex.Transaction;

interface ModificationRow {
  id: string;
  booking_id: string;
  kind: ModificationKind;
  status: ModificationStatus;
  from_match_id: string;
  to_match_id: string;
  from_quantity: number;
  to_quantity: number;
  reserved: number;
  price_delta: string;
  new_unit_price: string;
  new_amount: string;
  currency: string;
  payment_deadline: Date | null;
  created_at: Date;
  updated_at: Date;
}

const toModification = (r: ModificationRow): Modification => ({
  id: r.id,
  bookingId: r.booking_id,
  kind: r.kind,
  status: r.status,
  fromMatchId: r.from_match_id,
  toMatchId: r.to_match_id,
  fromQuantity: r.from_quantity,
  toQuantity: r.to_quantity,
  reserved: r.reserved,
  priceDelta: Number(r.price_delta),
  newUnitPrice: Number(r.new_unit_price),
  newAmount: Number(r.new_amount),
  currency: r.currency,
  paymentDeadline: r.payment_deadline,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export const modificationsRepository = {
  async insert(db: Db, m: Modification): Promise<void> {
    await db('booking_modifications').insert({
      id: m.id,
      booking_id: m.bookingId,
      kind: m.kind,
      status: m.status,
      from_match_id: m.fromMatchId,
      to_match_id: m.toMatchId,
      from_quantity: m.fromQuantity,
      to_quantity: m.toQuantity,
      reserved: m.reserved,
      price_delta: m.priceDelta,
      new_unit_price: m.newUnitPrice,
      new_amount: m.newAmount,
      currency: m.currency,
      payment_deadline: m.paymentDeadline,
      created_at: m.createdAt,
      updated_at: m.updatedAt,
    });
  },

  async get(db: Db, id: string): Promise<Modification | null> {
    const row = (await db('booking_modifications').where({ id }).first()) as ModificationRow | undefined;
    return row ? toModification(row) : null;
  },

  /** Moves a PENDING_PAYMENT modification on; false if it had already left that state. */
  async settle(db: Db, id: string, status: Exclude<ModificationStatus, 'PENDING_PAYMENT'>, now: Date): Promise<boolean> {
    const n = await db('booking_modifications').where({ id, status: 'PENDING_PAYMENT' }).update({ status, updated_at: now });
    return n === 1;
  },

  async overdueBookingIds(db: Db, now: Date, limit: number): Promise<string[]> {
    const rows = (await db('booking_modifications')
      .where('status', 'PENDING_PAYMENT')
      .andWhere('payment_deadline', '<=', now)
      .orderBy('payment_deadline')
      .limit(limit)
      .select('booking_id')) as Array<{ booking_id: string }>;
    return rows.map((r) => r.booking_id);
  },

  /** Whether a change of the booking other than `exceptId` was dropped (FAILED, EXPIRED) after asking for an extra payment. */
  async otherDroppedWithExtra(db: Db, bookingId: string, exceptId: string): Promise<boolean> {
    const row = (await db('booking_modifications')
      .where({ booking_id: bookingId })
      .whereIn('status', ['FAILED', 'EXPIRED'])
      .andWhere('price_delta', '>', 0)
      .whereNot({ id: exceptId })
      .first('id')) as { id: string } | undefined;
    return row !== undefined;
  },

  async listForBooking(db: Db, bookingId: string): Promise<Modification[]> {
    const rows = (await db('booking_modifications').where({ booking_id: bookingId }).orderBy('created_at')) as ModificationRow[];
    return rows.map(toModification);
  },
};
