import type { Knex } from '@matchday/db';
import type { Booking, BookingStatus, DisputeStatus, FraudDecision } from '../domain/booking';

type Db = Knex | Knex.Transaction;

interface BookingRow {
  id: string;
  created_at: Date;
  hold_id: string;
  match_id: string;
  user_id: string;
  session_id: string | null;
  quantity: number;
  unit_price: string;
  amount: string;
  currency: string;
  status: BookingStatus;
  status_reason: string | null;
  payment_deadline: Date;
  captured: string;
  refunded: string;
  reversed: string;
  fraud_decision: FraudDecision | null;
  disputes: Record<string, DisputeStatus>;
  pending_modification_id: string | null;
  money_returned: boolean;
  payers: unknown;
  version: number;
  updated_at: Date;
}

export interface PayerShare {
  payerId: string;
  userId?: string | undefined;
  amount: number;
  currency: string;
  paymentMethod?: string | undefined;
}

const toBooking = (r: BookingRow): Booking => ({
  id: r.id,
  createdAt: r.created_at,
  holdId: r.hold_id,
  matchId: r.match_id,
  userId: r.user_id,
  sessionId: r.session_id,
  quantity: r.quantity,
  unitPrice: Number(r.unit_price),
  amount: Number(r.amount),
  currency: r.currency,
  status: r.status,
  statusReason: r.status_reason,
  paymentDeadline: r.payment_deadline,
  captured: Number(r.captured),
  refunded: Number(r.refunded),
  reversed: Number(r.reversed),
  fraudDecision: r.fraud_decision,
  disputes: r.disputes ?? {},
  pendingModificationId: r.pending_modification_id,
  moneyReturned: r.money_returned,
  version: r.version,
  updatedAt: r.updated_at,
});

/**
 * Bookings live in monthly partitions; `booking_index` gives each id's partition key, so a lookup
 * by id touches one partition (run-time pruning on the created_at it returns).
 */
const BY_ID = `SELECT b.* FROM bookings b
  WHERE b.id = :id AND b.created_at = (SELECT created_at FROM booking_index WHERE id = :id)`;

export const bookingsRepository = {
  async insert(db: Db, b: Booking, payers: PayerShare[]): Promise<void> {
    await db('booking_index').insert({ id: b.id, created_at: b.createdAt, hold_id: b.holdId });
    await db('bookings').insert({
      id: b.id,
      created_at: b.createdAt,
      hold_id: b.holdId,
      match_id: b.matchId,
      user_id: b.userId,
      session_id: b.sessionId,
      quantity: b.quantity,
      unit_price: b.unitPrice,
      amount: b.amount,
      currency: b.currency,
      status: b.status,
      status_reason: b.statusReason,
      payment_deadline: b.paymentDeadline,
      captured: b.captured,
      refunded: b.refunded,
      reversed: b.reversed,
      fraud_decision: b.fraudDecision,
      disputes: JSON.stringify(b.disputes),
      pending_modification_id: b.pendingModificationId,
      money_returned: b.moneyReturned,
      payers: JSON.stringify(payers),
      version: b.version,
      updated_at: b.updatedAt,
    });
  },

  async get(db: Db, id: string, opts: { forUpdate?: boolean } = {}): Promise<Booking | null> {
    const { rows } = await db.raw(BY_ID + (opts.forUpdate ? ' FOR UPDATE OF b' : ''), { id });
    const row = rows[0] as BookingRow | undefined;
    return row ? toBooking(row) : null;
  },

  async idForHold(db: Db, holdId: string): Promise<string | null> {
    const row = (await db('booking_index').where({ hold_id: holdId }).first('id')) as { id: string } | undefined;
    return row?.id ?? null;
  },

  async payers(db: Db, id: string): Promise<PayerShare[]> {
    const { rows } = await db.raw(BY_ID.replace('SELECT b.*', 'SELECT b.payers'), { id });
    return ((rows[0] as { payers?: PayerShare[] } | undefined)?.payers ?? []) as PayerShare[];
  },

  async listForUser(db: Db, userId: string, opts: { status?: BookingStatus; limit: number; before?: Date }): Promise<Booking[]> {
    const q = db('bookings').where({ user_id: userId });
    if (opts.status) q.andWhere('status', opts.status);
    if (opts.before) q.andWhere('created_at', '<', opts.before);
    const rows = (await q.orderBy('created_at', 'desc').limit(opts.limit)) as BookingRow[];
    return rows.map(toBooking);
  },

  /** A match's bookings in creation order (admin, invariant checks), after a (createdAt, id) cursor. */
  async listForMatch(db: Db, matchId: string, opts: { status?: BookingStatus; limit: number; after?: { createdAt: Date; id: string } }): Promise<Booking[]> {
    const q = db('bookings').where({ match_id: matchId });
    if (opts.status) q.andWhere('status', opts.status);
    if (opts.after) q.andWhereRaw('(created_at, id) > (?, ?)', [opts.after.createdAt, opts.after.id]);
    const rows = (await q.orderBy([{ column: 'created_at' }, { column: 'id' }]).limit(opts.limit)) as BookingRow[];
    return rows.map(toBooking);
  },

  /**
   * Writes a changed booking if nobody changed it since it was read (optimistic `version`); the
   * caller has normally locked it too. Returns the stored booking, or null on a version conflict.
   */
  async save(db: Db, b: Booking, now: Date): Promise<Booking | null> {
    const [row] = await db('bookings')
      .where({ id: b.id, created_at: b.createdAt, version: b.version })
      .update({
        match_id: b.matchId,
        user_id: b.userId,
        quantity: b.quantity,
        unit_price: b.unitPrice,
        amount: b.amount,
        status: b.status,
        status_reason: b.statusReason,
        captured: b.captured,
        refunded: b.refunded,
        reversed: b.reversed,
        fraud_decision: b.fraudDecision,
        disputes: JSON.stringify(b.disputes),
        pending_modification_id: b.pendingModificationId,
        money_returned: b.moneyReturned,
        version: b.version + 1,
        updated_at: now,
      })
      .returning('*');
    return row ? toBooking(row as BookingRow) : null;
  },

  /** PENDING_PAYMENT bookings whose window closed, locked for this sweeper. */
  async lockOverdue(db: Db, now: Date, limit: number): Promise<Booking[]> {
    const rows = (await db('bookings')
      .where('status', 'PENDING_PAYMENT')
      .andWhere('payment_deadline', '<=', now)
      .orderBy('payment_deadline')
      .limit(limit)
      .forUpdate()
      .skipLocked()) as BookingRow[];
    return rows.map(toBooking);
  },

  async lockLiveForMatch(db: Db, matchId: string): Promise<Booking[]> {
    const rows = (await db('bookings')
      .where({ match_id: matchId })
      .whereIn('status', ['PENDING_PAYMENT', 'CONFIRMED', 'DISPUTED'])
      .forUpdate()) as BookingRow[];
    return rows.map(toBooking);
  },
};
