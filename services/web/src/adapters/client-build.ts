import { execFile } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { counter, type Logger } from '@matchday/observability';

const run = promisify(execFile);

const builds = counter({
  name: 'web_client_builds_total',
  help: 'Builds of the client the server ran itself at start (development without a prior build), by outcome',
  labelNames: ['outcome'],
});

/** The package root: the same from src/ (tsx) and from the dist/main.js bundle. */
const packageDir = join(__dirname, '..', '..');

/** Vite's command line, from its package (a devDependency: present in a checkout, not in images). */
function viteCli(): string {
  const manifest = require.resolve('vite/package.json', { paths: [packageDir] });
  const bin = (JSON.parse(readFileSync(manifest, 'utf8')) as { bin: { vite: string } }).bin.vite;
  return join(dirname(manifest), bin);
}

/**
 * Builds the client with Vite into `staticDir` when a development server starts without a prior
 * build (`./matchday up` runs services from source). Vite runs as a child process and writes into
 * a directory of its own, renamed into place when done, so two servers starting at once never
 * serve a half-written build.
 */
export async function buildClient(staticDir: string, logger: Logger): Promise<boolean> {
  const scratch = `${staticDir}-build-${process.pid}`;
  const started = Date.now();
  try {
    const args = [
      viteCli(),
      'build',
      '--config',
      join(packageDir, 'vite.config.mts'),
      '--outDir',
      scratch,
      '--emptyOutDir',
      '--logLevel',
      'warn',
    ];
    await run(process.execPath, args, { cwd: packageDir, timeout: 120_000 });
    if (existsSync(join(staticDir, 'index.html'))) rmSync(scratch, { recursive: true, force: true });
    else renameSync(scratch, staticDir);
    builds.inc({ outcome: 'built' });
    logger.info('web client built', { staticDir, durationMs: Date.now() - started });
    return true;
  } catch (err) {
    rmSync(scratch, { recursive: true, force: true });
    builds.inc({ outcome: 'failed' });
    logger.error('web client build failed: the server stays not ready', { err, staticDir });
    return false;
  }
}
