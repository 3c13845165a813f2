import { defineConfig } from 'tsup';

// The image runs dist/main.js: workspace packages are TypeScript source, so they are bundled in
// (and with them the npm packages only they depend on); this package's own npm dependencies stay
// external. knex requires every SQL dialect's driver lazily; only pg is installed, so the others are
// left as unresolved requires that never run.
export default defineConfig({
  entry: ['src/main.ts'],
  format: ['cjs'],
  target: 'node24',
  outDir: 'dist',
  splitting: false,
  sourcemap: true,
  noExternal: [/^@matchday\//],
  external: ['better-sqlite3', 'mysql', 'mysql2', 'mariadb', 'oracledb', 'pg-native', 'pg-query-stream', 'sqlite3', 'tedious'],
});
