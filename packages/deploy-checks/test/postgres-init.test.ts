import { Client } from 'pg';
import { initScriptFor, platformServices } from '../src';

// Runs infra/postgres/init.sql against the real Postgres (DATABASE_URL's server) in a scratch
// database, inside a transaction that is rolled back: roles are cluster-wide, so nothing the
// script creates outlives the test.
const adminUrl = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/matchday_test');
const scratch = `deploy_checks_${process.pid}_${Date.now()}`;
const schemas = platformServices.flatMap((s) => (s.schema ? [s.schema] : []));

const connect = async (database: string): Promise<Client> => {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  return client;
};

/** Runs `sql` as `role` inside a savepoint and returns the Postgres error code, or 'ok'. */
async function attempt(db: Client, role: string, sql: string): Promise<string> {
  await db.query('SAVEPOINT attempt');
  try {
    await db.query(`SET LOCAL ROLE ${role}`);
    await db.query(sql);
    return 'ok';
  } catch (e) {
    return (e as { code?: string }).code ?? 'error';
  } finally {
    await db.query('ROLLBACK TO SAVEPOINT attempt');
  }
}

describe('infra/postgres/init.sql against a real Postgres', () => {
  let admin: Client;
  let db: Client;

  beforeAll(async () => {
    admin = await connect(adminUrl.pathname.slice(1));
    await admin.query(`CREATE DATABASE ${scratch}`);
    db = await connect(scratch);
    await db.query('BEGIN');
    await db.query(initScriptFor(scratch));
  });

  afterAll(async () => {
    await db?.query('ROLLBACK').catch(() => undefined);
    await db?.end();
    await admin?.query(`DROP DATABASE IF EXISTS ${scratch}`);
    await admin?.end();
  });

  it.each(schemas)(
    'when the %s role runs its migrations, then it can create, write and read tables in its own schema',
    async (schema) => {
      expect(
        await attempt(
          db,
          schema,
          `CREATE TABLE ${schema}.probe (id int primary key); INSERT INTO ${schema}.probe VALUES (1); SELECT * FROM ${schema}.probe`,
        ),
      ).toBe('ok');
    },
  );

  it.each(schemas)(
    "when the %s role touches another service's schema, then Postgres refuses",
    async (schema) => {
      const other = schemas.find((s) => s !== schema) ?? '';
      await db.query(`CREATE TABLE ${other}.secret_${schema} (id int)`);
      expect(await attempt(db, schema, `SELECT * FROM ${other}.secret_${schema}`)).toBe('42501');
      expect(await attempt(db, schema, `CREATE TABLE ${other}.intruder (id int)`)).toBe('42501');
    },
  );

  it('when a role creates tables without naming a schema, then they land in its own schema, never in public', async () => {
    expect(await attempt(db, 'booking', 'CREATE TABLE public.stray (id int)')).toBe('42501');
    const { rows } = await db.query<{ setconfig: string[] }>(
      "SELECT setconfig FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole JOIN pg_database d ON d.oid = s.setdatabase WHERE r.rolname = 'booking' AND d.datname = current_database()",
    );
    expect(rows[0]?.setconfig).toEqual(['search_path=booking']);
  });

  it('when a role other than the services tries to connect, then the database does not let it in', async () => {
    const { rows } = await db.query<{ role: string; can: boolean }>(
      "SELECT r.rolname AS role, has_database_privilege(r.rolname, current_database(), 'CONNECT') AS can FROM pg_roles r WHERE r.rolname = ANY($1) OR r.rolname = 'pg_monitor'",
      [schemas],
    );
    expect(Object.fromEntries(rows.map((r) => [r.role, r.can]))).toEqual({
      ...Object.fromEntries(schemas.map((s) => [s, true])),
      pg_monitor: false,
    });
  });
});
