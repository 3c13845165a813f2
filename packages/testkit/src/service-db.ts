import { createDb, dropSchema, migrate, provisionSchema, urlForRole, type Knex, type Migration } from '@matchday/db';
import { testInfra } from './infra';

export interface ServiceDb {
  db: Knex;
  schema: string;
  role: string;
  /** The service role's connection string (for the outbox listener). */
  url: string;
  adminUrl: string;
  destroy(): Promise<void>;
}

/**
 * A migrated schema for one service in this test's isolation, reached through the service's own
 * role (`matchday_<service>`), exactly as the service reaches it in production.
 */
export async function serviceDb(
  service: string,
  schema: string,
  opts: { migrations: Migration[]; poolMax?: number; keep?: boolean },
): Promise<ServiceDb> {
  const { databaseUrl: adminUrl } = await testInfra();
  const role = `matchday_${service.replace(/[^a-z0-9_]/g, '_')}`;
  await provisionSchema(adminUrl, { schema, role });
  const url = urlForRole(adminUrl, role);
  const db = createDb({ url, schema, poolMax: opts.poolMax ?? 3, name: schema });
  await migrate(db, { schema, migrations: opts.migrations });
  return {
    db,
    schema,
    role,
    url,
    adminUrl,
    async destroy() {
      await db.destroy();
      if (!opts.keep && !process.env.KEEP_TEST_SCHEMAS) await dropSchema(adminUrl, schema);
    },
  };
}
