import { defineConfig } from 'tsup';

// The image runs dist/main.js: workspace packages are TypeScript source, so they are bundled in
// (and with them the npm packages only they depend on); this package's own npm dependencies stay
// external. The bus brings knex, which requires every SQL dialect's driver lazily; none is needed
// here (the gateway has no database), so they are left as unresolved requires that never run.
// openapi.yaml is read from the package root at run time (found upwards from dist/).
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
