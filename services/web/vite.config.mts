import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

// The client is plain TypeScript + Preact (JSX through Vite's built-in transform, no plugins);
// everything is bundled, nothing is fetched from a CDN at run time.
export default defineConfig({
  root: `${here}client`,
  base: '/',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: `${here}dist/client`,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    assetsInlineLimit: 0,
  },
  server: { port: 5173, strictPort: false },
});
