import knexFactory, { type Knex } from 'knex';
import { gauge, histogram } from '@matchday/observability';

export type { Knex };

export interface DbOptions {
  /** Connection string of the service's own role. */
  url: string;
  /** The service's schema: the only one its role may touch. */
  schema: string;
  /** Keep it small: the server allows 100 connections for everything. */
  poolMax?: number;
  /** Shown in pg_stat_activity and in metrics. */
  name?: string;
}

/** Pools of this process, sampled on every scrape. */
const pools = new Map<string, Knex>();
gauge({
  name: 'db_client_connection_count',
  help: 'Connections in the pool by state (used, idle, pending acquires)',
  labelNames: ['pool', 'state'],
  collect() {
    this.reset();
    for (const [name, db] of pools) {
      const pool = (db.client as { pool?: Pool }).pool;
      if (!pool) continue;
      this.set({ pool: name, state: 'used' }, pool.numUsed());
      this.set({ pool: name, state: 'idle' }, pool.numFree());
      this.set({ pool: name, state: 'pending' }, pool.numPendingAcquires());
    }
  },
});
const poolMaxGauge = gauge({
  name: 'db_client_connection_max',
  help: 'Configured maximum size of the pool',
  labelNames: ['pool'],
});
const queryDuration = histogram({
  name: 'db_client_operation_duration_seconds',
  help: 'Duration of database operations',
  labelNames: ['pool', 'db_operation_name', 'outcome'],
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
});

type Pool = {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
};

/** A knex instance bound to one schema (search_path), with a small pool whose use is exported as metrics. */
export function createDb(opts: DbOptions): Knex {
  const name = opts.name ?? opts.schema;
  const poolMax = opts.poolMax ?? 5;
  const db = knexFactory({
    client: 'pg',
    connection: { connectionString: opts.url, application_name: name },
    searchPath: [opts.schema],
    pool: { min: 0, max: poolMax, idleTimeoutMillis: 10000 },
    acquireConnectionTimeout: 10000,
  });
  poolMaxGauge.set({ pool: name }, poolMax);
  const started = new Map<string, { t: bigint; op: string }>();
  db.on('query', (q: { __knexQueryUid: string; method?: string; sql?: string }) => {
    const op = (q.method ?? q.sql?.split(' ', 1)[0] ?? 'raw').toLowerCase();
    started.set(q.__knexQueryUid, { t: process.hrtime.bigint(), op });
  });
  const finish = (outcome: string) => (_res: unknown, q: { __knexQueryUid: string }) => {
    const s = started.get(q.__knexQueryUid);
    if (!s) return;
    started.delete(q.__knexQueryUid);
    queryDuration.observe({ pool: name, db_operation_name: s.op, outcome }, Number(process.hrtime.bigint() - s.t) / 1e9);
  };
  db.on('query-response', finish('ok'));
  db.on('query-error', finish('error'));
  pools.set(name, db);
  return db;
}

/** The same connection string logged in as another role (passwords equal role names locally). */
export function urlForRole(url: string, role: string, password = role): string {
  const u = new URL(url);
  u.username = role;
  u.password = password;
  return u.toString();
}

const ident = (s: string): string => {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(s)) throw new Error(`unsafe SQL identifier: ${s}`);
  return `"${s}"`;
};

/**
 * Creates (idempotently) the service's login role and its schema, owned by that role, with no
 * access for anyone else. Run with an administrative connection (the `up` command, tests).
 */
export async function provisionSchema(adminUrl: string, opts: { schema: string; role: string; password?: string }) {
  const admin = knexFactory({ client: 'pg', connection: adminUrl, pool: { min: 0, max: 1 } });
  const role = ident(opts.role);
  const schema = ident(opts.schema);
  const password = (opts.password ?? opts.role).replace(/'/g, "''");
  try {
    // Roles are cluster-wide and GRANTs rewrite catalog rows: serialise concurrent provisioning.
    await admin.transaction(async (trx) => {
      await trx.raw(`SELECT pg_advisory_xact_lock(hashtext('matchday:provision'))`);
      await trx.raw(
        `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${opts.role}') THEN ` +
          `CREATE ROLE ${role} LOGIN PASSWORD '${password}'; END IF; END $$`,
      );
      await trx.raw(`CREATE SCHEMA IF NOT EXISTS ${schema} AUTHORIZATION ${role}`);
      await trx.raw(`REVOKE ALL ON SCHEMA ${schema} FROM PUBLIC`);
      await trx.raw(`GRANT USAGE, CREATE ON SCHEMA ${schema} TO ${role}`);
    });
  } finally {
    await admin.destroy();
  }
}

export async function dropSchema(adminUrl: string, schema: string): Promise<void> {
  const admin = knexFactory({ client: 'pg', connection: adminUrl, pool: { min: 0, max: 1 } });
  try {
    await admin.raw(`DROP SCHEMA IF EXISTS ${ident(schema)} CASCADE`);
  } finally {
    await admin.destroy();
  }
}

export interface Migration {
  name: string;
  up(knex: Knex): Promise<void>;
  down?(knex: Knex): Promise<void>;
}

/** Runs a service's migrations (kept in code, in order) inside its own schema. */
export async function migrate(db: Knex, opts: { schema: string; migrations: Migration[] }): Promise<string[]> {
  const source: Knex.MigrationSource<Migration> = {
    getMigrations: async () => opts.migrations,
    getMigrationName: (m) => m.name,
    getMigration: async (m) => ({ up: m.up, down: m.down ?? (async () => undefined) }),
  };
  const [, applied] = (await db.migrate.latest({
    schemaName: opts.schema,
    tableName: 'knex_migrations',
    migrationSource: source,
  })) as [number, string[]];
  return applied;
}

/** True when Postgres answered with a serialization failure or deadlock: the transaction may be retried. */
export const isRetryableTxError = (e: unknown): boolean => {
  const code = (e as { code?: string }).code;
  return code === '40001' || code === '40P01';
};

/** True when the error is a unique-constraint violation. */
export const isUniqueViolation = (e: unknown): boolean => (e as { code?: string }).code === '23505';
