/**
 * ./matchday up — the whole platform on this machine: one database with a schema and a login role
 * per service, every topic (with retry and dead-letter topics), the provider sandbox, every
 * service, and Prometheus scraping them when it is installed. Prints where to reach each one.
 * Ctrl-C (or ./matchday down) stops everything in reverse order.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '@matchday/observability';
import { repoRoot, startPlatform, type Platform } from './platform';
import { PROMETHEUS_PORT } from './services';

const runDir = join(repoRoot, '.run');
const logDir = join(runDir, 'logs');
const pidFile = join(runDir, 'platform.pid');
const log = createLogger({ service: 'platform', level: 'info' });

function startPrometheus(platform: Platform): ChildProcess | undefined {
  const bin = spawnSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' }).stdout.trim();
  if (!bin) return undefined;
  const dir = join(runDir, 'prometheus');
  mkdirSync(dir, { recursive: true });
  const jobs = [...platform.services.values()]
    .map((s) => `  - job_name: ${s.spec.name}\n    static_configs:\n      - targets: ['${new URL(s.url).host}']\n        labels: { service: ${s.spec.name} }`)
    .join('\n');
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 5s\n  evaluation_interval: 5s\nrule_files:\n  - ${join(repoRoot, 'infra', 'prometheus', 'rules')}/*.yml\nscrape_configs:\n${jobs}\n`,
  );
  const out = createWriteStream(join(logDir, 'prometheus.log'), { flags: 'a' });
  const child = spawn(bin, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${PROMETHEUS_PORT}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  return child;
}

async function main() {
  mkdirSync(logDir, { recursive: true });
  const previous = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : 0;
  if (previous) {
    try {
      process.kill(previous, 0);
      throw new Error(`the platform is already up (pid ${previous}); ./matchday down stops it`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
  }
  writeFileSync(pidFile, String(process.pid));
  log.info('starting the platform (first start compiles each service; give it a minute)');
  const platform = await startPlatform({ logDir });
  const prometheus = startPrometheus(platform);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    log.info('stopping the platform');
    prometheus?.kill('SIGTERM');
    await platform.stop();
    writeFileSync(pidFile, '');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());

  const rows: Array<[string, string]> = [
    ['gateway (public API)', `${platform.gatewayUrl}/v1  (OpenAPI ${platform.gatewayUrl}/v1/openapi.json, docs ${platform.gatewayUrl}/docs)`],
    ['web client', platform.webUrl],
    ['webhooks (providers)', `${platform.webhookUrl}/webhooks/{stripe,twilio,sendgrid}`],
    ['provider sandbox', `${platform.sandboxUrl}  (state ${platform.sandboxUrl}/__sandbox/state)`],
    ...[...platform.services.values()].map((s): [string, string] => [s.spec.name, `${s.url}  (/health/ready, /metrics)`]),
    ['prometheus', prometheus ? `http://127.0.0.1:${PROMETHEUS_PORT}` : 'not installed (apt-get install prometheus)'],
    ['kafka', process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'],
    ['logs', logDir],
  ];
  console.log('\nMatchday is up:\n');
  for (const [k, v] of rows) console.log(`  ${k.padEnd(24)} ${v}`);
  console.log('\nCtrl-C here, or ./matchday down from another shell, stops it.\n');
}

main().catch((e) => {
  log.error('platform failed to start', { error: (e as Error).message });
  writeFileSync(pidFile, '');
  process.exit(1);
});
