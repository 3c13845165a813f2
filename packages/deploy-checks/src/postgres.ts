import { readRepoFile } from './repo';

/** Schema → owning role, from the `CREATE SCHEMA <schema> AUTHORIZATION <role>` statements of an init script. */
export function schemaOwners(sql: string): Map<string, string> {
  return new Map(
    [...sql.matchAll(/CREATE\s+SCHEMA\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)\s+AUTHORIZATION\s+(\w+)/gi)].map(
      (m) => [m[1] ?? '', m[2] ?? ''],
    ),
  );
}

/**
 * The init script as psql would send it to `database`: psql replaces :"DBNAME" with the quoted
 * name of the database it is connected to (docker-entrypoint-initdb.d runs scripts with psql).
 */
export function initScriptFor(database: string, file = 'infra/postgres/init.sql'): string {
  return readRepoFile(file).replaceAll(':"DBNAME"', `"${database.replaceAll('"', '""')}"`);
}
