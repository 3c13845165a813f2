/**
 * pnpm bench:fanout [--recipients 100000] [--push-workers 4] [--email-workers 2] [--keep]
 *
 * A match with N bookers (email address + FCM device each, default channels email and push) is
 * rescheduled: one `match.rescheduled` event on Kafka → the notification service (in this process,
 * real Postgres, Kafka, Redis) expands it into 2N notifications and its dispatchers send them to
 * the provider sandbox (its own process, default limits = the providers' documented ones: FCM
 * 600,000 messages/min per project, SendGrid 10,000 requests/s of up to 1,000 recipients each).
 *
 * Timed from publishing the event until every notification is accepted by its provider. Baseline:
 * the shortest time those limits allow (the slowest provider at its sustained rate). Prints both,
 * duplicates and losses (read back from the sandbox), then `ratio=` (elapsed ÷ minimum).
 *
 * Then, with the service stopped, the same provider calls alone (SDKs straight to the sandbox):
 * `floor_ratio=` is what this machine needs for them ÷ the same minimum, the best `ratio=` it could
 * show if storing, queueing and publishing cost nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildEvent } from '@matchday/contracts';
import { dropSchema, type Knex } from '@matchday/db';
import { createLogger } from '@matchday/observability';
import {
  deleteTopics,
  isolation,
  publishEvents,
  serviceDb,
  setupTopics,
  testInfra,
  closeTestKafka,
} from '@matchday/testkit';
import { deleteApp } from 'firebase-admin/app';
import { fcmMessaging, sendgridMail } from '@matchday/provider-sandbox';
import { loadNotificationConfig } from '../src/config';
import { migrations } from '../src/db/migrations';
import { metrics } from '../src/app/metrics';
import { minimumDurationMs, parseRateLimit } from '../src/domain';
import { buildService } from '../src/service';

const { values } = parseArgs({
  options: {
    recipients: { type: 'string', default: '100000' },
    'push-workers': { type: 'string', default: '4' },
    'email-workers': { type: 'string', default: '2' },
    keep: { type: 'boolean', default: false },
  },
});
const N = Number(values.recipients);
// The sandbox's defaults, which the service's defaults mirror.
const FCM_LIMIT = parseRateLimit('600000/60s')!;
const SENDGRID_LIMIT = parseRateLimit('10000/1s')!;

interface SandboxInfo {
  url: string;
  smtpUrl: string;
  secrets: {
    sendgridApiKey: string;
    fcmProjectId: string;
    twilioAccountSid: string;
    twilioAuthToken: string;
  };
}

/** The provider sandbox CLI in its own process (its own core), default limits, free ports. */
async function startSandboxProcess(): Promise<{ info: SandboxInfo; child: ChildProcess }> {
  const cli = join(__dirname, '..', '..', '..', 'packages', 'provider-sandbox', 'src', 'cli.ts');
  const child = spawn(
    process.execPath,
    [require.resolve('tsx/cli'), cli, '--port', '0', '--smtp-port', '0'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    },
  );
  const lines = createInterface({ input: child.stdout! });
  const info = await new Promise<SandboxInfo>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`sandbox exited with ${code}`)));
    lines.on('line', (line) => {
      if (line.includes('"secrets"')) resolve(JSON.parse(line) as SandboxInfo);
    });
  });
  lines.on('line', () => undefined);
  return { info, child };
}

/** CPU seconds used so far by a process and its descendants (Linux /proc), for the cost per message. */
function cpuSecondsOfTree(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const own = (Number(fields[11]) + Number(fields[12])) / 100;
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
    return own + children.reduce((sum, c) => sum + cpuSecondsOfTree(c), 0);
  } catch {
    return 0;
  }
}

/** CPU ticks of the whole machine, busy and in all (/proc/stat): what the two cores did meanwhile. */
function machineTicks(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  return { busy: total - cpu[3]! - (cpu[4] ?? 0), total };
}

/**
 * CPU seconds used so far by each Postgres backend serving this run's pool (its application_name is
 * the run's own schema): Postgres is shared with whatever else runs on the machine.
 */
async function postgresCpu(db: Knex, applicationName: string): Promise<Map<number, number>> {
  const { rows } = (await db.raw(`SELECT pid FROM pg_stat_activity WHERE application_name = ?`, [
    applicationName,
  ])) as { rows: Array<{ pid: number }> };
  return new Map(rows.map((r) => [r.pid, cpuSecondsOfTree(r.pid)]));
}

async function sandboxState(url: string): Promise<{
  sendgrid: { messages: Array<{ recipients: Array<{ email: string }> }> };
  fcm: { messages: Array<{ message: { token: string } }> };
  stats: Record<
    string,
    { requests: number; rateLimited: number; peakPerWindow: number; byStatus: Record<string, number> }
  >;
}> {
  const res = await fetch(`${url}/__sandbox/state`);
  return (await res.json()) as never;
}

/**
 * The provider calls alone: the same pushes and emails sent straight through the official SDKs to
 * the same sandbox, as the service batches them (FCM `sendEach` of 500 from `pushWorkers` loops,
 * SendGrid requests of 1,000 personalizations two at a time), with no database, queue, Kafka or
 * rate limiter. What this machine needs for that part alone bounds the ratio it can show.
 */
async function providerCallsAlone(
  info: SandboxInfo,
  sandboxPid: number,
  opts: { recipients: number; pushWorkers: number; connections: number },
): Promise<{ seconds: number; cpuSeconds: number; sandboxCpuSeconds: number; failed: number }> {
  const messaging = fcmMessaging({
    projectId: info.secrets.fcmProjectId,
    baseUrl: info.url,
    appName: 'fanout-floor',
    maxSockets: opts.connections,
  });
  const mail = sendgridMail({ apiKey: info.secrets.sendgridApiKey, baseUrl: info.url });
  let failed = 0;
  const loops = async (calls: number, concurrency: number, call: (i: number) => Promise<void>) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < calls) await call(next++);
      }),
    );
  };
  const cpu = process.cpuUsage();
  const sandboxCpu = cpuSecondsOfTree(sandboxPid);
  const started = Date.now();
  await Promise.all([
    loops(Math.ceil(opts.recipients / 500), opts.pushWorkers, async (i) => {
      const from = i * 500;
      const batch = await messaging.sendEach(
        Array.from({ length: Math.min(500, opts.recipients - from) }, (_, j) => ({
          token: `floor-token-${from + j + 1}`,
          notification: { title: 'Your match has moved', body: 'New kick-off: Saturday 20:00' },
          data: { notificationId: `n${from + j}`, eventId: 'floor', eventType: 'match.rescheduled.v1' },
          android: { priority: 'high' as const },
        })),
      );
      failed += batch.failureCount;
    }),
    loops(Math.ceil(opts.recipients / 1000), 2, async (i) => {
      const from = i * 1000;
      await mail.send({
        from: 'tickets@matchday.example.com',
        subject: 'Your match has moved',
        text: 'New kick-off: Saturday 20:00',
        html: '<p>New kick-off: Saturday 20:00</p>',
        personalizations: Array.from({ length: Math.min(1000, opts.recipients - from) }, (_, j) => ({
          to: [{ email: `floor-${from + j + 1}@example.com` }],
          customArgs: { notification_id: `n${from + j}` },
        })),
      });
    }),
  ]);
  const seconds = (Date.now() - started) / 1000;
  const c = process.cpuUsage(cpu);
  await deleteApp(messaging.app);
  return {
    seconds,
    cpuSeconds: (c.user + c.system) / 1e6,
    sandboxCpuSeconds: cpuSecondsOfTree(sandboxPid) - sandboxCpu,
    failed,
  };
}

async function seed(db: Knex, matchId: string): Promise<void> {
  await db.raw(
    `INSERT INTO contacts (user_id, email, locale) SELECT 'fan-' || g, 'fan-' || g || '@example.com', 'en' FROM generate_series(1, ?) g`,
    [N],
  );
  await db.raw(
    `INSERT INTO devices (user_id, kind, token) SELECT 'fan-' || g, 'fcm', 'token-' || g FROM generate_series(1, ?) g`,
    [N],
  );
  await db.raw(
    `INSERT INTO bookings (booking_id, match_id, user_id, status, quantity)
       SELECT 'booking-' || g, ?, 'fan-' || g, 'confirmed', 1 FROM generate_series(1, ?) g`,
    [matchId, N],
  );
  await db.raw(
    `INSERT INTO matches (match_id, title, venue, kickoff_at) VALUES (?, 'Derby', 'Stadium', '2026-12-05T19:00:00Z')`,
    [matchId],
  );
  await db.raw('ANALYZE');
}

async function main(): Promise<void> {
  const infra = await testInfra();
  const iso = isolation();
  const schema = iso.schema('notification');
  const logger = createLogger({ service: 'bench-fanout', level: 'error' });
  const { info, child } = await startSandboxProcess();
  const cleanup: Array<() => Promise<void>> = [
    async () => {
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
    },
  ];
  try {
    await setupTopics(iso.topicPrefix, ['notification']);
    cleanup.push(() => deleteTopics(iso.topicPrefix));
    const sdb = await serviceDb('notification', schema, {
      migrations: migrations(schema),
      poolMax: 8,
      keep: true,
    });
    cleanup.push(async () => {
      await sdb.db.destroy().catch(() => undefined);
      if (!values.keep) await dropSchema(sdb.adminUrl, schema);
    });
    const matchId = 'derby';
    console.log(`provider sandbox ${info.url} (pid ${child.pid}), schema ${schema}`);
    process.stdout.write(`seeding ${N} bookers… `);
    await seed(sdb.db, matchId);
    process.stdout.write('done\n');

    const config = loadNotificationConfig({
      NODE_ENV: 'production',
      LOG_LEVEL: 'error',
      DATABASE_URL: sdb.url,
      DB_SCHEMA: schema,
      DB_POOL_MAX: '8',
      KAFKA_BROKERS: infra.kafkaBrokers.join(','),
      TOPIC_PREFIX: iso.topicPrefix,
      REDIS_URL: infra.redisUrl,
      REDIS_PREFIX: iso.redisPrefix,
      SENDGRID_API_KEY: info.secrets.sendgridApiKey,
      SENDGRID_API_BASE: info.url,
      FCM_PROJECT_ID: info.secrets.fcmProjectId,
      FCM_API_BASE: info.url,
      PUSH_WORKERS: values['push-workers'],
      EMAIL_WORKERS: values['email-workers'],
      SMS_WORKERS: '0',
      DISPATCH_POLL_MS: '20',
      PROVIDER_TIMEOUT_MS: '30000',
    });
    const service = buildService(config, { db: sdb.db, logger });
    await service.start();
    let serviceStopped = false;
    const stopService = async () => {
      if (serviceStopped) return;
      serviceStopped = true;
      await service.stop();
    };
    cleanup.unshift(stopService);

    const event = buildEvent(
      'match.rescheduled.v1',
      { matchId, previousKickoffAt: '2026-12-05T19:00:00Z', kickoffAt: '2026-12-06T20:00:00Z' },
      { source: 'booking', subject: matchId },
    );
    const expected = 2 * N;
    // BENCH_PROFILE=<file>: a CPU profile of this process over the timed part only.
    const profiler = process.env.BENCH_PROFILE
      ? new (await import('node:inspector/promises')).Session()
      : undefined;
    if (profiler) {
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.start');
    }
    // Watching must not load what is measured: counting 200,000 rows every 100 ms kept a core of
    // Postgres busy. The source event commits with its notifications (one PK lookup tells when they
    // are there); the service's own counters, bumped once an outcome is committed, tell when they
    // are all sent; one count at the end confirms it.
    const finishedSoFar = async () =>
      [...(await metrics.sent.get()).values, ...(await metrics.failed.get()).values].reduce(
        (sum, v) => sum + v.value,
        0,
      );
    const finishedBefore = await finishedSoFar();
    let finishedAt = 0;
    const counts = async () =>
      (
        (await sdb.db.raw(
          `SELECT count(*) FILTER (WHERE status IN ('sent', 'delivered'))::int AS sent,
                  count(*) FILTER (WHERE status = 'failed')::int AS failed
             FROM notifications WHERE event_id = ?`,
          [event.id],
        )) as { rows: Array<{ sent: number; failed: number }> }
      ).rows[0]!;
    const started = Date.now();
    const ownCpu = process.cpuUsage();
    const sandboxCpu = cpuSecondsOfTree(child.pid!);
    const machineBefore = machineTicks();
    const postgresBefore = await postgresCpu(sdb.db, schema);
    let expandedAt = 0;
    await publishEvents(iso.topicPrefix, [event]);
    for (;;) {
      if (!expandedAt) {
        const { rows } = (await sdb.db.raw(`SELECT 1 FROM source_events WHERE event_id = ?`, [event.id])) as {
          rows: unknown[];
        };
        if (rows.length > 0) expandedAt = Date.now();
      }
      if (expandedAt && (await finishedSoFar()) - finishedBefore >= expected) {
        finishedAt = Date.now();
        const r = await counts();
        if (r.sent + r.failed >= expected) break;
      }
      if (Date.now() - started > 30 * 60_000)
        throw new Error(`gave up after 30 min: ${JSON.stringify(await counts())}`);
      await new Promise((res) => setTimeout(res, 100));
    }
    const elapsedMs = finishedAt - started;
    const serviceCpuS = (() => {
      const c = process.cpuUsage(ownCpu);
      return (c.user + c.system) / 1e6;
    })();
    const sandboxCpuS = cpuSecondsOfTree(child.pid!) - sandboxCpu;
    const machineAfter = machineTicks();
    const postgresCpuS = [...(await postgresCpu(sdb.db, schema))].reduce(
      (sum, [pid, cpu]) => sum + cpu - (postgresBefore.get(pid) ?? 0),
      0,
    );
    if (profiler) {
      const { profile } = await profiler.post('Profiler.stop');
      (await import('node:fs')).writeFileSync(process.env.BENCH_PROFILE!, JSON.stringify(profile));
    }

    const state = await sandboxState(info.url);
    const tokens = state.fcm.messages.map((m) => m.message.token);
    const emails = state.sendgrid.messages.flatMap((m) => m.recipients.map((r) => r.email));
    const distinctTokens = new Set(tokens).size;
    const distinctEmails = new Set(emails).size;
    const duplicates = tokens.length - distinctTokens + (emails.length - distinctEmails);
    const lost = N - distinctTokens + (N - distinctEmails);
    const minPush = minimumDurationMs(N, FCM_LIMIT);
    const minEmail = minimumDurationMs(Math.ceil(N / 1000), SENDGRID_LIMIT);
    const minimumMs = Math.max(minPush, minEmail);
    const { fcm, sendgrid } = state.stats;
    // The service (and its relay, still publishing notification events) stops first: the provider
    // calls are then measured with the machine to themselves.
    await stopService();
    const alone = await providerCallsAlone(info, child.pid!, {
      recipients: N,
      pushWorkers: config.PUSH_WORKERS,
      connections: config.FCM_SANDBOX_CONNECTIONS,
    });

    const row = (k: string, v: string | number) => console.log(`${k.padEnd(34)} ${v}`);
    console.log('');
    row('recipients', `${N} (email + push = ${expected} messages)`);
    row('expanded into notifications after', `${((expandedAt - started) / 1000).toFixed(2)} s`);
    row('elapsed (event → all accepted)', `${(elapsedMs / 1000).toFixed(2)} s`);
    row(
      'minimum the limits allow',
      `${(minimumMs / 1000).toFixed(2)} s (push ${(minPush / 1000).toFixed(2)} s at 600,000/min; email ${(minEmail / 1000).toFixed(3)} s at 10,000 req/s × 1,000)`,
    );
    row('push messages / s', Math.round(N / (elapsedMs / 1000)));
    row(
      'CPU: service / sandbox',
      `${serviceCpuS.toFixed(1)} s / ${sandboxCpuS.toFixed(1)} s (${Math.round((serviceCpuS / expected) * 1e6)} / ${Math.round((sandboxCpuS / expected) * 1e6)} µs per message)`,
    );
    const busyS = (machineAfter.busy - machineBefore.busy) / 100;
    const totalS = (machineAfter.total - machineBefore.total) / 100;
    row(
      'CPU: postgres / machine',
      `${postgresCpuS.toFixed(1)} s (this run's connections) / ${busyS.toFixed(1)} s busy of ${totalS.toFixed(1)} s (${Math.round((100 * busyS) / totalS)} %)`,
    );
    row('machine load (1 min)', (await import('node:os')).loadavg()[0]!.toFixed(1));
    row('FCM requests / SendGrid requests', `${fcm?.requests ?? 0} / ${sendgrid?.requests ?? 0}`);
    row(
      'answers (FCM / SendGrid)',
      `${JSON.stringify(fcm?.byStatus ?? {})} / ${JSON.stringify(sendgrid?.byStatus ?? {})}`,
    );
    row('429s (FCM / SendGrid)', `${fcm?.rateLimited ?? 0} / ${sendgrid?.rateLimited ?? 0}`);
    row(
      'peak per window (FCM / SendGrid)',
      `${fcm?.peakPerWindow ?? 0} of 600000 / ${sendgrid?.peakPerWindow ?? 0} of 10000`,
    );
    row('duplicates', duplicates);
    row('lost', lost);
    row(
      'provider calls alone',
      `${alone.seconds.toFixed(2)} s: the same ${N} pushes (sendEach of 500, ${config.PUSH_WORKERS} at once) and ${Math.ceil(N / 1000)} SendGrid requests straight through the SDKs to the sandbox, nothing else running${alone.failed ? ` (${alone.failed} failed)` : ''}`,
    );
    row(
      '  their CPU: SDKs / sandbox',
      `${alone.cpuSeconds.toFixed(1)} s / ${alone.sandboxCpuSeconds.toFixed(1)} s (${Math.round((alone.cpuSeconds / expected) * 1e6)} / ${Math.round((alone.sandboxCpuSeconds / expected) * 1e6)} µs per message)`,
    );
    // The best ratio this machine could show if storing, queueing and publishing cost nothing.
    console.log(`floor_ratio=${((alone.seconds * 1000) / minimumMs).toFixed(3)}`);
    console.log(`ratio=${(elapsedMs / minimumMs).toFixed(3)}`);
  } finally {
    for (const step of cleanup) await step().catch((e: unknown) => console.error('cleanup failed', e));
    await closeTestKafka();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
