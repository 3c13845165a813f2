/**
 * Chaos mode: while the scenario runs, each target is killed once (kill -9, as a crash would) and
 * brought back, one after the other, spread over the load phase. Targets: every service process,
 * the runner's own Kafka broker, and — only when asked explicitly — the machine's Postgres and
 * Redis (restarting those disturbs everything else on the machine).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '@matchday/observability';
import { repoRoot, type Platform } from '@matchday/platform';
import type { ChaosEvent } from './summary';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface ChaosTarget {
  name: string;
  /** What happens to it (for the summary): "kill -9", "restart". */
  action: string;
  /** Takes it away; resolves when it is gone. */
  down(): Promise<void>;
  /** Brings it back; resolves when it is ready again. */
  up(): Promise<void>;
}

/** Whether anything answers on `url` (a refused or reset connection is "no"). */
async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

/** Pids of the processes listening on a local TCP port (from `ss`). */
export async function listeners(port: number): Promise<number[]> {
  const { stdout } = await run('ss', ['-Hltnp', `sport = :${port}`]).catch(() => ({ stdout: '' }));
  return [...new Set([...stdout.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1])))].filter((pid) => pid !== process.pid);
}

/**
 * A service process of a platform started by startPlatform. After the kill, the service must stop
 * answering: a kill that only hit a wrapper process (the service living on as an orphan) would make
 * the chaos a no-op, so that is reported as a failure instead.
 */
export function serviceTarget(platform: Platform, name: string): ChaosTarget {
  return {
    name,
    action: 'kill -9',
    down: async () => {
      await platform.kill(name);
      const url = platform.urlOf(name);
      const health = `${url}/health/live`;
      // A launcher (tsx's CLI) may run the service as its own child: kill -9 whatever listens on its port too.
      if (await answers(health)) for (const pid of await listeners(Number(new URL(url).port))) process.kill(pid, 'SIGKILL');
      for (let i = 0; i < 20 && (await answers(health)); i++) await sleep(250);
      if (await answers(health)) throw new Error(`${name} still answers after kill -9`);
    },
    up: () => platform.restart(name),
  };
}

/**
 * A Kafka broker of the runner's own (same jars as the shared one, its own port and data folder),
 * so killing it never disturbs the broker other tests and engineers use.
 */
export class OwnBroker {
  readonly dataDir: string;
  private readonly script = join(repoRoot, 'infra', 'kafka', 'kafka.sh');

  constructor(
    readonly port: number,
    private readonly logger: Logger,
  ) {
    this.dataDir = mkdtempSync(join(tmpdir(), 'matchday-kafka-'));
  }

  get brokers(): string {
    return `127.0.0.1:${this.port}`;
  }

  private env() {
    return { ...process.env, KAFKA_PORT: String(this.port), KAFKA_DATA_DIR: this.dataDir, KAFKA_HEAP: process.env.KAFKA_HEAP ?? '512m' };
  }

  async start(): Promise<void> {
    const { stdout } = await run('bash', [this.script, 'start'], { env: this.env(), timeout: 180_000 });
    this.logger.info('own kafka broker started', { brokers: this.brokers, output: stdout.trim() });
  }

  /** kill -9 of the broker process, as a crash would. */
  async kill(): Promise<void> {
    const pid = Number(readFileSync(join(this.dataDir, 'kafka.pid'), 'utf8').trim());
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 100; i++) {
      try {
        process.kill(pid, 0);
        await sleep(100);
      } catch {
        return;
      }
    }
  }

  async stop(): Promise<void> {
    await run('bash', [this.script, 'stop'], { env: this.env(), timeout: 120_000 }).catch((e: Error) =>
      this.logger.warn('own kafka broker did not stop cleanly', { error: e.message }),
    );
  }

  remove(): void {
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  target(): ChaosTarget {
    return { name: 'kafka', action: 'kill -9', down: () => this.kill(), up: () => this.start() };
  }
}

/** The machine's Postgres cluster, restarted in place (every connection on the machine drops). */
export function postgresTarget(): ChaosTarget {
  const version = readdirSync('/etc/postgresql')[0];
  return {
    name: 'postgres',
    action: 'restart',
    down: async () => {
      await run('pg_ctlcluster', ['--skip-systemctl-redirect', version ?? '', 'main', 'restart'], { timeout: 120_000 });
    },
    up: async () => {
      for (let i = 0; i < 120; i++) {
        try {
          await run('pg_isready', ['-h', '127.0.0.1', '-p', '5432', '-q']);
          return;
        } catch {
          await sleep(500);
        }
      }
      throw new Error('postgres not ready after 60 s');
    },
  };
}

/** The machine's Redis, shut down (no save: its keys are gone, as after a crash) and started again. */
export function redisTarget(): ChaosTarget {
  return {
    name: 'redis',
    action: 'shutdown + start',
    down: async () => {
      await run('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'shutdown', 'nosave']).catch(() => undefined);
    },
    up: async () => {
      await run('redis-server', [
        '--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', '6379', '--save', '', '--appendonly', 'no',
        '--dir', '/var/lib/redis', '--logfile', '/var/log/redis/ci.log',
      ]);
      for (let i = 0; i < 60; i++) {
        try {
          await run('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'ping']);
          return;
        } catch {
          await sleep(250);
        }
      }
      throw new Error('redis not answering after 15 s');
    },
  };
}

export interface ChaosPlan {
  targets: ChaosTarget[];
  /** Wait this long after the load starts before the first kill. */
  startAfterMs: number;
  /** Time between one target coming back and the next one going down. */
  gapMs: number;
  /** How long a target stays down before it is brought back. */
  downMs: number;
}

/**
 * Runs the plan: one target at a time, down → wait → up. A target that fails to come back is
 * recorded (and retried once more), never silently skipped.
 */
export async function runChaos(plan: ChaosPlan, logger: Logger, signal?: AbortSignal): Promise<ChaosEvent[]> {
  const events: ChaosEvent[] = [];
  await sleep(plan.startAfterMs);
  for (const t of plan.targets) {
    if (signal?.aborted) break;
    const at = Date.now();
    const event: ChaosEvent = { target: t.name, action: t.action, at };
    events.push(event);
    try {
      logger.info('chaos: taking down', { target: t.name, action: t.action });
      await t.down();
      await sleep(plan.downMs);
      try {
        await t.up();
      } catch (e) {
        logger.warn('chaos: target did not come back; trying once more', { target: t.name, error: (e as Error).message });
        await sleep(2000);
        await t.up();
      }
      event.downMs = Date.now() - at;
      logger.info('chaos: back', { target: t.name, downMs: event.downMs });
    } catch (e) {
      event.error = (e as Error).message;
      logger.error('chaos: target failed to come back', { target: t.name, error: event.error });
    }
    await sleep(plan.gapMs);
  }
  return events;
}
