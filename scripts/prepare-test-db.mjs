// Creates the test database named by DATABASE_URL if it does not exist yet (trust auth locally).
import { execFileSync } from 'node:child_process';

const url = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/matchday_test');
const db = url.pathname.slice(1);
const psql = (sql, database = 'postgres') =>
  execFileSync('psql', ['-h', url.hostname, '-p', url.port || '5432', '-U', url.username || 'postgres', '-d', database, '-tAc', sql], {
    encoding: 'utf8',
  }).trim();
if (psql(`SELECT 1 FROM pg_database WHERE datname = '${db}'`) !== '1') {
  psql(`CREATE DATABASE "${db}"`);
  console.log(`test-db: created ${db}`);
}
