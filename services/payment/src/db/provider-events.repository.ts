import type { Knex } from '@matchday/db';

type Db = Knex | Knex.Transaction;

export interface ProviderEvent {
  eventId: string;
  intentId: string | null;
  paymentId: string | null;
  type: string;
  created: number;
  receivedAt: Date;
  deliveries: number;
}

/** The Stripe events payment applied (a delivery seen again only counts). */
export const providerEventsRepository = {
  async record(db: Db, e: { eventId: string; intentId: string | null; paymentId: string | null; type: string; created: number }): Promise<void> {
    await db.raw(
      `INSERT INTO provider_events (event_id, intent_id, payment_id, type, created) VALUES (?, ?, ?::uuid, ?, ?)
       ON CONFLICT (event_id) DO UPDATE SET deliveries = provider_events.deliveries + 1,
         payment_id = COALESCE(provider_events.payment_id, EXCLUDED.payment_id)`,
      [e.eventId, e.intentId, e.paymentId, e.type, e.created],
    );
  },

  async ofPayments(db: Db, paymentIds: string[]): Promise<ProviderEvent[]> {
    if (paymentIds.length === 0) return [];
    const rows = (await db('provider_events').whereIn('payment_id', paymentIds).orderBy([{ column: 'created' }, { column: 'received_at' }])) as Array<{
      event_id: string;
      intent_id: string | null;
      payment_id: string | null;
      type: string;
      created: string;
      received_at: Date;
      deliveries: number;
    }>;
    return rows.map((r) => ({
      eventId: r.event_id,
      intentId: r.intent_id,
      paymentId: r.payment_id,
      type: r.type,
      created: Number(r.created),
      receivedAt: r.received_at,
      deliveries: r.deliveries,
    }));
  },
};
