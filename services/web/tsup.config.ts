import { defineConfig } from 'tsup';

// The server bundle (dist/main.js). Workspace packages ship TypeScript source, so they are bundled
// in; npm dependencies stay external. The client is built separately by Vite into dist/client.
export default defineConfig({
  entry: ['src/main.ts'],
  format: ['cjs'],
  target: 'node24',
  outDir: 'dist',
  splitting: false,
  sourcemap: true,
  clean: false,
  noExternal: [/^@matchday\//],
});
