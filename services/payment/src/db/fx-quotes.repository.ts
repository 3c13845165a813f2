import type { Knex } from '@matchday/db';

type Db = Knex | Knex.Transaction;

/** A locked exchange rate: `rate` units of `to` per unit of `from`, honoured until `expiresAt`. */
export interface FxQuote {
  quoteId: string;
  bookingId: string | null;
  from: string;
  to: string;
  rate: number;
  amount: number | null;
  converted: number | null;
  expiresAt: Date;
  createdAt: Date;
}

interface Row {
  quote_id: string;
  booking_id: string | null;
  from_currency: string;
  to_currency: string;
  rate: number;
  amount: string | null;
  converted: string | null;
  expires_at: Date;
  created_at: Date;
}

const toQuote = (r: Row): FxQuote => ({
  quoteId: r.quote_id,
  bookingId: r.booking_id,
  from: r.from_currency,
  to: r.to_currency,
  rate: r.rate,
  amount: r.amount === null ? null : Number(r.amount),
  converted: r.converted === null ? null : Number(r.converted),
  expiresAt: r.expires_at,
  createdAt: r.created_at,
});

export const fxQuotesRepository = {
  async insert(db: Db, q: Omit<FxQuote, 'createdAt'>): Promise<FxQuote> {
    const [row] = (await db('fx_quotes')
      .insert({
        quote_id: q.quoteId,
        booking_id: q.bookingId,
        from_currency: q.from,
        to_currency: q.to,
        rate: q.rate,
        amount: q.amount,
        converted: q.converted,
        expires_at: q.expiresAt,
      })
      .returning('*')) as Row[];
    return toQuote(row!);
  },

  async get(db: Db, quoteId: string): Promise<FxQuote | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(quoteId)) return undefined;
    const row = await db<Row>('fx_quotes').where({ quote_id: quoteId }).first();
    return row ? toQuote(row as Row) : undefined;
  },

  async ofBooking(db: Db, bookingId: string): Promise<FxQuote[]> {
    return ((await db<Row>('fx_quotes').where({ booking_id: bookingId }).orderBy('created_at')) as Row[]).map(toQuote);
  },
};
