/**
 * Starts the platform as separate processes on this machine — the same way `./matchday up` does
 * and the way end-to-end tests, the match-day runner and browser tests do, each with its own
 * prefix (schemas, topics, consumer groups, Redis keys) and ports, so several can share one
 * Postgres, Kafka and Redis. Each service can be killed (SIGKILL) and restarted: chaos tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { createKafka, ensureTopics } from '@matchday/kafka';
import { provisionSchema, urlForRole } from '@matchday/db';
import { roleOf, schemaOf, services as allServices, type ServiceSpec } from './services';

export const repoRoot = join(__dirname, '..', '..', '..');
// Services run from source as one node process with tsx's loader (`node --import tsx`), so a
// kill -9 reaches the service itself (tsx's CLI would put a parent process in between).
const tsx = ['--import', 'tsx'];

export interface PlatformOptions {
  /** Isolation prefix: '' for the one local platform; e.g. 'e2e1' for a test run. */
  prefix?: string;
  /** Added to every default port (8080 → 8080 + offset); the sandbox gets 4010 + offset. */
  portOffset?: number;
  adminDatabaseUrl?: string;
  brokers?: string;
  redisUrl?: string;
  logDir?: string;
  /** Only these services (default: every service that exists in the repo). */
  only?: string[];
  /** Extra environment for every service (e.g. short timers in tests). */
  env?: Record<string, string>;
  /** Extra environment per service. */
  serviceEnv?: Record<string, Record<string, string>>;
  logLevel?: string;
}

export interface RunningService {
  spec: ServiceSpec;
  url: string;
  child: ChildProcess | undefined;
}

export interface Platform {
  gatewayUrl: string;
  webhookUrl: string;
  sandboxUrl: string;
  webUrl: string;
  /** Keys the sandbox signs with and the services were given. */
  secrets: Record<string, string>;
  services: Map<string, RunningService>;
  prefix: string;
  urlOf(service: string): string;
  /** kill -9, as a crash would. */
  kill(service: string): Promise<void>;
  /** Starts a killed (or stopped) service again and waits until it is ready. */
  restart(service: string): Promise<void>;
  stop(): Promise<void>;
}

const exists = (s: ServiceSpec) => existsSync(join(repoRoot, 'services', s.name, 'src', 'main.ts'));

async function ensureDatabase(adminUrl: string) {
  const url = new URL(adminUrl);
  const db = url.pathname.slice(1);
  url.pathname = '/postgres';
  const c = new Client({ connectionString: url.toString() });
  await c.connect();
  try {
    const { rowCount } = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [db]);
    if (!rowCount) await c.query(`CREATE DATABASE "${db}"`);
  } catch (e) {
    if ((e as { code?: string }).code !== '42P04') throw e;
  } finally {
    await c.end();
  }
}

export async function waitReady(name: string, url: string, timeoutMs = 120000, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode} while starting`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name} not ready after ${timeoutMs / 1000}s (${url})`);
}

export async function startPlatform(opts: PlatformOptions = {}): Promise<Platform> {
  const prefix = opts.prefix ?? '';
  const offset = opts.portOffset ?? 0;
  const adminUrl = opts.adminDatabaseUrl ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/matchday';
  const brokers = opts.brokers ?? process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
  const redisUrl = opts.redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const logDir = opts.logDir ?? join(repoRoot, '.run', prefix ? `logs-${prefix}` : 'logs');
  mkdirSync(logDir, { recursive: true });
  const specs = allServices.filter(exists).filter((s) => !opts.only || opts.only.includes(s.name));
  const port = (s: ServiceSpec) => s.port + offset;
  const schema = (s: ServiceSpec) => (prefix ? `${prefix}_${schemaOf(s.name)}` : schemaOf(s.name));
  const topicPrefix = prefix ? `${prefix}.` : '';
  const children: ChildProcess[] = [];

  const spawnLogged = (name: string, cwd: string, args: string[], env: Record<string, string>) => {
    const out = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
    const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
    children.push(child);
    return child;
  };

  await ensureDatabase(adminUrl);
  for (const s of specs) {
    if (s.name === 'web') continue;
    await provisionSchema(adminUrl, { schema: schema(s), role: roleOf(s.name) });
  }
  await ensureTopics(createKafka({ brokers: brokers.split(','), clientId: 'platform' }), {
    prefix: topicPrefix,
    groups: specs.flatMap((s) => (s.group ? [s.group] : [])),
  });

  // The provider sandbox first: its keys configure the services.
  const sandboxPort = 4010 + offset;
  const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
  const webhookUrl = `http://127.0.0.1:${8083 + offset}`;
  const sandbox = spawnLogged(
    'provider-sandbox',
    join(repoRoot, 'packages', 'provider-sandbox'),
    [...tsx, 'src/cli.ts', '--port', String(sandboxPort), '--smtp-port', String(2525 + offset)],
    {
    SANDBOX_STRIPE_WEBHOOK_URL: `${webhookUrl}/webhooks/stripe`,
    SANDBOX_TWILIO_WEBHOOK_URL: `${webhookUrl}/webhooks/twilio`,
    SANDBOX_SENDGRID_WEBHOOK_URL: `${webhookUrl}/webhooks/sendgrid`,
    },
  );
  let smtpUrl = '';
  const secrets = await new Promise<Record<string, string>>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('provider sandbox did not start')), 60000);
    sandbox.on('exit', (code) => reject(new Error(`provider sandbox exited (${code})`)));
    sandbox.stdout?.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      const line = buf.split('\n').find((l) => l.includes('"secrets"'));
      if (!line) return;
      clearTimeout(timer);
      const printed = JSON.parse(line) as { secrets: Record<string, string>; smtpUrl?: string };
      smtpUrl = printed.smtpUrl ?? '';
      resolve(printed.secrets);
    });
  });

  const upstream = Object.fromEntries(
    allServices.map((s) => [`${s.name.toUpperCase().replace(/-/g, '_')}_URL`, `http://127.0.0.1:${port(s)}`]),
  );
  const common: Record<string, string> = {
    NODE_ENV: 'development',
    LOG_LEVEL: opts.logLevel ?? process.env.LOG_LEVEL ?? 'info',
    KAFKA_BROKERS: brokers,
    TOPIC_PREFIX: topicPrefix,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix ? `${prefix}:` : '',
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
    SMTP_URL: smtpUrl,
    VONAGE_API_KEY: secrets.vonageApiKey ?? '',
    VONAGE_API_SECRET: secrets.vonageApiSecret ?? '',
    VONAGE_API_BASE: sandboxUrl,
    WEBHOOK_PUBLIC_URL: webhookUrl,
    CORS_ORIGINS: `http://127.0.0.1:${8090 + offset},http://localhost:${8090 + offset}`,
    ...upstream,
    ...opts.env,
  };

  const running = new Map<string, RunningService>();
  const launch = (s: ServiceSpec) => {
    const dir = join(repoRoot, 'services', s.name);
    const built = join(dir, 'dist', 'main.js');
    const args = existsSync(built) && !process.env.MATCHDAY_FROM_SOURCE ? ['--enable-source-maps', built] : [...tsx, 'src/main.ts'];
    const child = spawnLogged(s.name, dir, args, {
      ...common,
      HOST: '127.0.0.1',
      PORT: String(port(s)),
      DATABASE_URL: urlForRole(adminUrl, roleOf(s.name)),
      DB_SCHEMA: schema(s),
      OTEL_SERVICE_NAME: s.name,
      ...opts.serviceEnv?.[s.name],
    });
    const entry = { spec: s, url: `http://127.0.0.1:${port(s)}`, child };
    running.set(s.name, entry);
    return entry;
  };

  const platform: Platform = {
    prefix,
    secrets,
    sandboxUrl,
    webhookUrl,
    gatewayUrl: `http://127.0.0.1:${8080 + offset}`,
    webUrl: `http://127.0.0.1:${8090 + offset}`,
    services: running,
    urlOf: (name) => running.get(name)?.url ?? `http://127.0.0.1:${port(allServices.find((s) => s.name === name)!)}`,
    async kill(name) {
      const r = running.get(name);
      if (!r?.child || r.child.exitCode !== null || r.child.signalCode !== null) return;
      const exited = new Promise((res) => r.child!.once('exit', res));
      r.child.kill('SIGKILL');
      await exited;
    },
    async restart(name) {
      const spec = specs.find((s) => s.name === name);
      if (!spec) throw new Error(`unknown service ${name}`);
      await platform.kill(name);
      const r = launch(spec);
      await waitReady(name, `${r.url}/health/ready`, 120000, r.child);
    },
    async stop() {
      const alive = children.filter((c) => c.exitCode === null && c.signalCode === null);
      for (const c of alive.reverse()) c.kill('SIGTERM');
      await Promise.all(
        alive.map(
          (c) =>
            new Promise<void>((r) => {
              const t = setTimeout(() => {
                c.kill('SIGKILL');
                r();
              }, 15000);
              c.once('exit', () => {
                clearTimeout(t);
                r();
              });
            }),
        ),
      );
    },
  };

  try {
    for (const s of specs) launch(s);
    await Promise.all(specs.map((s) => waitReady(s.name, `${platform.urlOf(s.name)}/health/ready`, 120000, running.get(s.name)?.child)));
  } catch (e) {
    await platform.stop();
    throw new Error(`${(e as Error).message}; logs in ${logDir}`, { cause: e });
  }
  return platform;
}
