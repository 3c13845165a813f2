import { createDb, dropSchema, migrate, provisionSchema, urlForRole, type Knex } from '../src';

const adminUrl = process.env.DATABASE_URL!;
const run = `t${process.pid}_${Date.now().toString(36)}`;
const bookingSchema = `${run}_booking`;
const paymentSchema = `${run}_payment`;

describe('one schema and one role per service', () => {
  let booking: Knex;
  let payment: Knex;

  beforeAll(async () => {
    await provisionSchema(adminUrl, { schema: bookingSchema, role: 'matchday_booking' });
    await provisionSchema(adminUrl, { schema: paymentSchema, role: 'matchday_payment' });
    booking = createDb({ url: urlForRole(adminUrl, 'matchday_booking'), schema: bookingSchema, poolMax: 2 });
    payment = createDb({ url: urlForRole(adminUrl, 'matchday_payment'), schema: paymentSchema, poolMax: 2 });
    await migrate(payment, {
      schema: paymentSchema,
      migrations: [
        {
          name: '001_payments',
          up: async (k) => {
            await k.schema.createTable('payments', (t) => {
              t.text('id').primary();
              t.integer('amount').notNullable();
            });
          },
        },
      ],
    });
    await payment('payments').insert({ id: 'p1', amount: 1000 });
  });

  afterAll(async () => {
    await booking.destroy();
    await payment.destroy();
    await dropSchema(adminUrl, bookingSchema);
    await dropSchema(adminUrl, paymentSchema);
  });

  it('when the payment role reads its own schema, then it sees its rows', async () => {
    expect(await payment('payments').select('id', 'amount')).toEqual([{ id: 'p1', amount: 1000 }]);
  });

  it('when the booking role reads the payment schema, then Postgres refuses', async () => {
    await expect(booking.raw(`SELECT * FROM "${paymentSchema}".payments`)).rejects.toMatchObject({ code: '42501' });
  });

  it('when the booking role tries to create a table in the payment schema, then Postgres refuses', async () => {
    await expect(booking.raw(`CREATE TABLE "${paymentSchema}".sneaky (id int)`)).rejects.toMatchObject({ code: '42501' });
  });

  it('when migrations run twice, then the second run applies nothing', async () => {
    const again = await migrate(payment, {
      schema: paymentSchema,
      migrations: [{ name: '001_payments', up: async () => undefined }],
    });
    expect(again).toEqual([]);
  });

  it('when provisioning runs again concurrently, then it stays idempotent', async () => {
    await Promise.all([
      provisionSchema(adminUrl, { schema: bookingSchema, role: 'matchday_booking' }),
      provisionSchema(adminUrl, { schema: bookingSchema, role: 'matchday_booking' }),
    ]);
    const rows = await booking.raw('SELECT current_schemas(false) AS s');
    expect(rows.rows[0].s).toContain(bookingSchema);
  });
});
