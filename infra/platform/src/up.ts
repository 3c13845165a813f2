/**
 * ./matchday up — the whole platform on this machine: one database with a schema and a login role
 * per service, every topic (with retry and dead-letter topics), the provider sandbox, every
 * service, and Prometheus scraping them when it is installed. Prints where to reach each one.
 * Ctrl-C (or ./matchday down) stops everything in reverse order.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { createKafka, ensureTopics } from '@matchday/bus';
import { provisionSchema, urlForRole } from '@matchday/db';
import { createLogger } from '@matchday/observability';
import { PROMETHEUS_PORT, roleOf, SANDBOX_PORT, schemaOf, services } from './services';

const root = join(__dirname, '..', '..', '..');
const runDir = join(root, '.run');
const logDir = join(runDir, 'logs');
const log = createLogger({ service: 'platform', level: 'info' });
const env = process.env;
const adminUrl = env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/matchday';
const brokers = env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const redisUrl = env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const children: Array<{ name: string; child: ChildProcess }> = [];
const tsx = join(root, 'node_modules', '.bin', 'tsx');

async function ensureDatabase() {
  const url = new URL(adminUrl);
  const db = url.pathname.slice(1);
  url.pathname = '/postgres';
  const c = new Client({ connectionString: url.toString() });
  await c.connect();
  const { rowCount } = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [db]);
  if (!rowCount) await c.query(`CREATE DATABASE "${db}"`);
  await c.end();
}

function start(name: string, cwd: string, args: string[], extraEnv: Record<string, string>): ChildProcess {
  const out = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, args, { cwd, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  child.on('exit', (code, signal) => {
    if (!stopping) log.error(`${name} exited`, { code, signal, log: join(logDir, `${name}.log`) });
  });
  children.push({ name, child });
  return child;
}

async function waitReady(name: string, url: string, timeoutMs = 90000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${name} not ready after ${timeoutMs / 1000}s; see ${join(logDir, `${name}.log`)}`);
}

async function startSandbox(): Promise<Record<string, string>> {
  const child = start('provider-sandbox', join(root, 'packages', 'provider-sandbox'), [tsx, 'src/cli.ts', '--port', String(SANDBOX_PORT)], {
    SANDBOX_STRIPE_WEBHOOK_URL: 'http://127.0.0.1:8083/webhooks/stripe',
    SANDBOX_TWILIO_WEBHOOK_URL: 'http://127.0.0.1:8083/webhooks/twilio',
    SANDBOX_SENDGRID_WEBHOOK_URL: 'http://127.0.0.1:8083/webhooks/sendgrid',
  });
  // Its first JSON line with "secrets" tells the keys the services must use.
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('provider sandbox did not start')), 60000);
    child.stdout?.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      for (const line of buf.split('\n')) {
        if (!line.includes('"secrets"')) continue;
        clearTimeout(timer);
        resolve(JSON.parse(line).secrets as Record<string, string>);
      }
    });
  });
}

function startPrometheus(): string | undefined {
  const bin = spawnSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' }).stdout.trim();
  if (!bin) return undefined;
  const dir = join(runDir, 'prometheus');
  mkdirSync(dir, { recursive: true });
  const jobs = services
    .filter((s) => existsSync(join(root, 'services', s.name, 'src', 'main.ts')))
    .map((s) => `  - job_name: ${s.name}\n    static_configs:\n      - targets: ['127.0.0.1:${s.port}']\n        labels: { service: ${s.name} }`)
    .join('\n');
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 5s\n  evaluation_interval: 5s\nrule_files:\n  - ${join(root, 'infra', 'prometheus', 'rules')}/*.yml\nscrape_configs:\n${jobs}\n`,
  );
  const out = createWriteStream(join(logDir, 'prometheus.log'), { flags: 'a' });
  const child = spawn(bin, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${PROMETHEUS_PORT}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  children.push({ name: 'prometheus', child });
  return `http://127.0.0.1:${PROMETHEUS_PORT}`;
}

let stopping = false;
async function stopAll(code = 0) {
  if (stopping) return;
  stopping = true;
  log.info('stopping the platform');
  for (const { child } of [...children].reverse()) child.kill('SIGTERM');
  await Promise.all(
    children.map(
      ({ child }) =>
        new Promise<void>((r) => {
          if (child.exitCode !== null || child.signalCode !== null) return r();
          const t = setTimeout(() => {
            child.kill('SIGKILL');
            r();
          }, 15000);
          child.on('exit', () => {
            clearTimeout(t);
            r();
          });
        }),
    ),
  );
  try {
    writeFileSync(join(runDir, 'platform.pid'), '');
  } catch {
    // nothing to clean
  }
  process.exit(code);
}

async function main() {
  mkdirSync(logDir, { recursive: true });
  const pidFile = join(runDir, 'platform.pid');
  const previous = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : 0;
  if (previous && previous !== process.pid) {
    try {
      process.kill(previous, 0);
      throw new Error(`the platform is already up (pid ${previous}); ./matchday down stops it`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
  }
  writeFileSync(pidFile, String(process.pid));
  process.on('SIGINT', () => void stopAll());
  process.on('SIGTERM', () => void stopAll());

  const present = services.filter((s) => existsSync(join(root, 'services', s.name, 'src', 'main.ts')));
  await ensureDatabase();
  for (const s of present) await provisionSchema(adminUrl, { schema: schemaOf(s.name), role: roleOf(s.name) });
  const kafka = createKafka({ brokers: brokers.split(','), clientId: 'platform-up' });
  const created = await ensureTopics(kafka, { groups: present.flatMap((s) => (s.group ? [s.group] : [])) });
  log.info('schemas and topics ready', { services: present.map((s) => s.name), topicsCreated: created.length });

  const secrets = await startSandbox();
  const sandboxUrl = `http://127.0.0.1:${SANDBOX_PORT}`;
  const upstream = Object.fromEntries(
    services.map((s) => [`${s.name.toUpperCase().replace(/-/g, '_')}_URL`, `http://127.0.0.1:${s.port}`]),
  );
  const common: Record<string, string> = {
    NODE_ENV: 'development',
    LOG_LEVEL: env.LOG_LEVEL ?? 'info',
    KAFKA_BROKERS: brokers,
    REDIS_URL: redisUrl,
    STRIPE_API_KEY: secrets.stripeApiKey ?? '',
    STRIPE_API_BASE: sandboxUrl,
    STRIPE_WEBHOOK_SECRET: secrets.stripeWebhookSecret ?? '',
    TWILIO_ACCOUNT_SID: secrets.twilioAccountSid ?? '',
    TWILIO_AUTH_TOKEN: secrets.twilioAuthToken ?? '',
    TWILIO_API_BASE: sandboxUrl,
    SENDGRID_API_KEY: secrets.sendgridApiKey ?? '',
    SENDGRID_API_BASE: sandboxUrl,
    SENDGRID_WEBHOOK_PUBLIC_KEY: secrets.sendgridPublicKey ?? '',
    FCM_PROJECT_ID: secrets.fcmProjectId ?? '',
    FCM_API_BASE: sandboxUrl,
    WEBHOOK_PUBLIC_URL: 'http://127.0.0.1:8083',
    GATEWAY_URL: 'http://127.0.0.1:8080',
    ...upstream,
  };
  for (const s of present) {
    const dir = join(root, 'services', s.name);
    const built = join(dir, 'dist', 'main.js');
    const args = existsSync(built) && !env.MATCHDAY_FROM_SOURCE ? ['--enable-source-maps', built] : [tsx, 'src/main.ts'];
    start(s.name, dir, args, {
      ...common,
      PORT: String(s.port),
      DATABASE_URL: urlForRole(adminUrl, roleOf(s.name)),
      DB_SCHEMA: schemaOf(s.name),
      OTEL_SERVICE_NAME: s.name,
    });
  }
  await Promise.all(present.map((s) => waitReady(s.name, `http://127.0.0.1:${s.port}/health/ready`)));
  const prometheus = startPrometheus();

  const rows: Array<[string, string]> = [
    ['gateway (public API)', 'http://127.0.0.1:8080/v1  (OpenAPI: /v1/openapi.json, docs: /docs)'],
    ['web client', 'http://127.0.0.1:8090'],
    ['webhooks (providers)', 'http://127.0.0.1:8083/webhooks/{stripe,twilio,sendgrid}'],
    ['provider sandbox', `${sandboxUrl}  (control: ${sandboxUrl}/__sandbox/state)`],
    ...present.map((s): [string, string] => [`${s.name}`, `http://127.0.0.1:${s.port}  (/health/ready, /metrics)`]),
    ['prometheus', prometheus ?? 'not installed (apt-get install prometheus)'],
    ['kafka', brokers],
    ['logs', logDir],
  ];
  console.log('\nMatchday is up:\n');
  for (const [k, v] of rows) console.log(`  ${k.padEnd(24)} ${v}`);
  console.log('\nCtrl-C or ./matchday down stops it.\n');
}

main().catch(async (e) => {
  log.error('platform failed to start', { error: (e as Error).message });
  await stopAll(1);
});
