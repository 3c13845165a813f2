/**
 * Starts an isolated platform for a match day (its own schemas, topics, groups, Redis keys and
 * ports), with short timers so payment windows close within the run, and — for chaos — on a Kafka
 * broker of its own.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@matchday/observability';
import { repoRoot, schemaOf, startPlatform, type Platform } from '@matchday/platform';
import { OwnBroker } from './chaos';

export interface LaunchOptions {
  logger: Logger;
  prefix?: string;
  portOffset?: number;
  adminDatabaseUrl?: string;
  /** Start a broker of our own (needed to kill Kafka without disturbing anyone). */
  ownBroker?: boolean;
  paymentWindowSeconds: number;
  holdTtlSeconds: number;
  logDir?: string;
  logLevel?: string;
  /** How the processes are started (default: the platform package's startPlatform). */
  start?: typeof startPlatform;
}

export const PLATFORM_SERVICES = ['webhook-ingest', 'booking', 'payment', 'notification', 'fraud', 'reconciliation', 'gateway'];

export interface LaunchedPlatform {
  platform: Platform;
  /** Services the repository does not have yet (startPlatform skips them). */
  missing: string[];
  broker?: OwnBroker;
  prefix: string;
  databaseUrl: string;
  schemaOf: (service: string) => string;
  stop(): Promise<void>;
}

export const adminDatabaseUrl = (given?: string) => given ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/matchday_test';

/** Environment every service gets: short timers, fast failover after a kill, small pools. */
export function matchdayEnv(o: { paymentWindowSeconds: number; holdTtlSeconds: number }): Record<string, string> {
  return {
    HOLD_TTL_SECONDS: String(o.holdTtlSeconds),
    PAYMENT_WINDOW_SECONDS: String(o.paymentWindowSeconds),
    SWEEP_INTERVAL_MS: '500',
    // A killed consumer's partitions move after the session timeout (the broker's minimum is 6 s).
    CONSUMER_SESSION_TIMEOUT_MS: '6000',
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    CONSUMER_RETRY_DELAYS_MS: '500,2000,5000',
    REVIEW_TIMEOUT_SECONDS: '60',
    REVIEW_SWEEP_INTERVAL_MS: '1000',
    // Reconciliation runs all along (as it does in production) and looks at what is seconds old.
    RECON_INTERVAL_SECONDS: '20',
    RECON_GRACE_SECONDS: '10',
    DB_POOL_MAX: '3',
    SHUTDOWN_GRACE_MS: '3000',
  };
}

/**
 * startPlatform runs `node node_modules/.bin/tsx <file>`, but pnpm writes `.bin/tsx` as a shell
 * script that node cannot run. While that is so, the platform's node is swapped for a small launcher
 * around each start and restart: it runs the script with `node --import tsx <file>`, one process
 * (so kill -9 reaches the service itself, not a tsx parent that would leave it running), and
 * passes anything else (a built bundle) to node unchanged. Once the platform starts tsx's
 * JavaScript entry this does nothing.
 */
async function throughTsxShim<T>(fn: () => Promise<T>): Promise<T> {
  const shim = join(repoRoot, 'node_modules', '.bin', 'tsx');
  if (!existsSync(shim) || !readFileSync(shim, 'utf8').startsWith('#!/bin/sh')) return fn();
  const node = process.execPath;
  const launcher = join(tmpdir(), `matchday-node-${process.pid}.sh`);
  if (!existsSync(launcher)) {
    writeFileSync(
      launcher,
      `#!/bin/sh\nif [ "$1" = '${shim}' ]; then shift; exec '${node}' --import tsx "$@"; fi\nexec '${node}' "$@"\n`,
      { mode: 0o755 },
    );
  }
  process.execPath = launcher;
  try {
    return await fn();
  } finally {
    process.execPath = node;
  }
}

/** An ES256 private key as a JWK, for the gateway's development issuer. */
function devSigningKey(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return JSON.stringify({ ...privateKey.export({ format: 'jwk' }), alg: 'ES256' });
}

export async function launchPlatform(o: LaunchOptions): Promise<LaunchedPlatform> {
  const prefix = o.prefix ?? `md${randomBytes(3).toString('hex')}`;
  const databaseUrl = adminDatabaseUrl(o.adminDatabaseUrl);
  let broker: OwnBroker | undefined;
  if (o.ownBroker) {
    broker = new OwnBroker(39092 + (o.portOffset ?? 0), o.logger);
    await broker.start();
  }
  try {
    const started = await throughTsxShim(() => (o.start ?? startPlatform)({
      prefix,
      portOffset: o.portOffset ?? 300,
      adminDatabaseUrl: databaseUrl,
      ...(broker && { brokers: broker.brokers }),
      ...(o.logDir && { logDir: o.logDir }),
      logLevel: o.logLevel ?? 'warn',
      env: matchdayEnv(o),
      serviceEnv: {
        // Every fan has their own address; the operator reading the checker's pages is one user.
        gateway: {
          RATE_LIMIT_USER_REQUESTS: '100000',
          RATE_LIMIT_IP_REQUESTS: '100000',
          UPSTREAM_TIMEOUT_MS: '10000',
          // One signing key for the run, so a restarted gateway still accepts the tokens it issued.
          AUTH_DEV_PRIVATE_JWK: devSigningKey(),
        },
      },
      only: PLATFORM_SERVICES,
    }));
    const platform: Platform = { ...started, restart: (name) => throughTsxShim(() => started.restart(name)) };
    const missing = PLATFORM_SERVICES.filter((s) => !platform.services.has(s));
    if (missing.length) o.logger.warn('services missing from the repository; the platform runs without them', { missing });
    return {
      platform,
      missing,
      ...(broker && { broker }),
      prefix,
      databaseUrl,
      schemaOf: (service) => `${prefix}_${schemaOf(service)}`,
      async stop() {
        await platform.stop();
        if (broker) {
          await broker.stop();
          broker.remove();
        }
      },
    };
  } catch (e) {
    if (broker) {
      await broker.stop();
      broker.remove();
    }
    throw e;
  }
}
