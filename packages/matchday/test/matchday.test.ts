import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '@matchday/observability';
import { repoRoot } from '@matchday/platform';
import { serviceTarget } from '../src/chaos';
import { launchPlatform, PLATFORM_SERVICES, type LaunchedPlatform } from '../src/launch';
import { runScenario, type ScenarioResult } from '../src/scenario';
import { renderSummary } from '../src/summary';

/**
 * The small match day: the whole platform as separate processes (own prefix and ports, the shared
 * Kafka, Postgres and Redis), ~40 fans through the gateway with the provider's webhooks late,
 * doubled and reordered, payment killed with -9 mid-rush and restarted, then every invariant read
 * from the services' admin APIs (their outboxes and inboxes included) and the sandbox.
 *
 * It needs every service of the platform: while one is not in the repository yet the run would only
 * show that it is missing, so the scenario waits for the last one to land (the missing ones are
 * named in the skipped test's title).
 */
const missing = PLATFORM_SERVICES.filter((s) => !existsSync(join(repoRoot, 'services', s, 'src', 'main.ts')));
const logger = createLogger({ service: 'matchday-test', level: (process.env.LOG_LEVEL as 'warn' | undefined) ?? 'warn', destination: process.stderr });
const PAYMENT_WINDOW_SECONDS = 20;
/** The summary of the last run is kept with the other test artifacts. */
const artifacts = join(repoRoot, 'test-artifacts', 'matchday');

let launched: LaunchedPlatform | undefined;
let result: ScenarioResult | undefined;

const whenComplete = missing.length === 0 ? describe : describe.skip;

whenComplete(`the match day${missing.length ? ` (waiting for services: ${missing.join(', ')})` : ''}`, () => {
  beforeAll(async () => {
    launched = await launchPlatform({
      logger,
      portOffset: 700 + Number(process.env.JEST_WORKER_ID ?? 0) * 20,
      paymentWindowSeconds: PAYMENT_WINDOW_SECONDS,
      holdTtlSeconds: 15,
    });
    result = await runScenario({
      gatewayUrl: launched.platform.gatewayUrl,
      sandboxUrl: launched.platform.sandboxUrl,
      logger,
      fans: 40,
      concurrency: 20,
      rushMs: 3000,
      capacityRatio: 0.5,
      admissionRatePerSecond: 25,
      unitPrice: 4500,
      currency: 'EUR',
      foreignCurrencies: ['USD', 'GBP'],
      aftermath: true,
      webhookFaults: true,
      paymentWindowSeconds: PAYMENT_WINDOW_SECONDS,
      settleTimeoutMs: 45_000,
      chaos: { targets: [serviceTarget(launched.platform, 'payment')], startAfterMs: 1500, downMs: 1500, gapMs: 0 },
      databaseUrl: launched.databaseUrl,
      schemaOf: launched.schemaOf,
    });
    const text = renderSummary(result.summary);
    process.stderr.write(`${text}\n`);
    mkdirSync(artifacts, { recursive: true });
    writeFileSync(join(artifacts, 'summary.txt'), `${text}\n`);
  }, 175_000);

  afterAll(async () => {
    await launched?.stop();
  }, 60_000);

  it('when payment is killed mid-rush and comes back, then fans still get confirmed bookings and the crash shows only as delay', () => {
    const { summary } = result!;
    expect(summary.chaos).toEqual([expect.objectContaining({ target: 'payment', action: 'kill -9' })]);
    expect(summary.chaos[0]!.error).toBeUndefined();
    expect(summary.fans.filter((f) => f.outcome === 'error').map((f) => `${f.userId}: ${f.error}`)).toEqual([]);
    expect(summary.fans.filter((f) => f.confirmedAt !== undefined).length).toBeGreaterThan(5);
    expect(summary.fans.some((f) => f.outcome === 'sold_out')).toBe(true);
  });

  it('when the rush is over, then bookings are cancelled, resized, moved and transferred, a dispute arrives and the match is rescheduled', () => {
    const done = result!.summary.aftermath;
    expect(Object.keys(done).filter((k) => k.includes('failed'))).toEqual([]);
    expect(done.cancelled).toBeGreaterThan(0);
    expect(done.transferred).toBeGreaterThan(0);
    expect(done.disputed).toBeGreaterThan(0);
    expect(done['match rescheduled']).toBe(1);
  });

  it('when the platform has settled, then every invariant holds: no oversell, exact money, one capture per intent, no lost or doubled event or notification, no open healable finding', () => {
    const failing = result!.invariants.filter((r) => r.verdict !== 'PASS').map((r) => ({ [r.name]: r.detail ?? r.offenders.slice(0, 5) }));
    expect(failing).toEqual([]);
  });

  it('when the checker reads outboxes and inboxes, then every service answers through its events endpoints and none is read from Postgres', () => {
    const { snapshot } = result!;
    expect(snapshot.gaps.filter((g) => g.includes('/v1/admin/events/'))).toEqual([]);
    expect(snapshot.notes).toContain("outbox/inbox: each service's GET /v1/admin/events/{outbox,inbox} through the gateway");
    expect(snapshot.outbox?.length).toBeGreaterThan(0);
    expect(snapshot.inbox?.length).toBeGreaterThan(0);
  });

  it('when fans were confirmed, then the summary has their hold → confirmed → notified latency', () => {
    const notified = result!.summary.fans.filter((f) => f.notifiedAt !== undefined);
    expect(notified.length).toBeGreaterThan(0);
    for (const f of notified) expect(f.notifiedAt!).toBeGreaterThanOrEqual(f.holdAt!);
  });
});

