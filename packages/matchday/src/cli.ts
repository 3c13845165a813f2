/**
 * pnpm matchday [--start | --gateway URL --sandbox URL [--database-url URL --prefix P]]
 *               [--fans N] [--concurrency N] [--rush-seconds S] [--chaos [--restart-datastores]] …
 *
 * Runs the match day against a platform (started here with --start, isolated by its own prefix and
 * ports, or an already running one), prints the summary table and exits 0 only when every
 * invariant holds.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createLogger } from '@matchday/observability';
import { schemaOf as serviceSchema } from '@matchday/platform';
import { postgresTarget, redisTarget, serviceTarget, type ChaosTarget } from './chaos';
import { launchPlatform, PLATFORM_SERVICES, type LaunchedPlatform } from './launch';
import { runScenario } from './scenario';
import { renderSummary } from './summary';

const usage = `pnpm matchday [options]

  --start                 start an isolated platform (own prefix, ports; own Kafka broker with --chaos)
  --gateway URL           target a running platform's gateway instead (default http://127.0.0.1:8080)
  --sandbox URL           its provider sandbox (default http://127.0.0.1:4010)
  --database-url URL      Postgres, read-only: the outbox/inbox of a service whose events endpoint does not answer
  --prefix P              schema prefix of the running platform ('' for the local one)
  --fans N                fans in the rush (default 2000)
  --concurrency N         fans in flight at once (default 200)
  --rush-seconds S        fans arrive over this long (default 30)
  --capacity-ratio R      hot match slots ÷ slots asked for (default 0.8: it sells out)
  --admission-rate N      waiting-room admissions per second (default 200; 0: no waiting room)
  --payment-window S      payment window given to the platform with --start (default 90)
  --hold-ttl S            hold TTL given to the platform with --start (default 90)
  --settle-seconds S      time the platform gets to settle before the verdict (default 180)
  --chaos                 kill -9 every service once, and the (own) Kafka broker, during the rush
  --restart-datastores    with --chaos: also restart the machine's Postgres and Redis (disturbs others!)
  --no-aftermath          skip cancellations, changes, transfers, disputes and the match reschedule
  --no-webhook-faults     the provider delivers webhooks once, in order, on time
  --port-offset N         with --start: added to every port (default 300)
  --json FILE             also write the full result as JSON
`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      start: { type: 'boolean', default: false },
      gateway: { type: 'string', default: 'http://127.0.0.1:8080' },
      sandbox: { type: 'string', default: 'http://127.0.0.1:4010' },
      'database-url': { type: 'string' },
      prefix: { type: 'string', default: '' },
      fans: { type: 'string', default: '2000' },
      concurrency: { type: 'string', default: '200' },
      'rush-seconds': { type: 'string', default: '30' },
      'capacity-ratio': { type: 'string', default: '0.8' },
      'admission-rate': { type: 'string', default: '200' },
      'payment-window': { type: 'string', default: '90' },
      'hold-ttl': { type: 'string', default: '90' },
      'settle-seconds': { type: 'string', default: '180' },
      chaos: { type: 'boolean', default: false },
      'restart-datastores': { type: 'boolean', default: false },
      'no-aftermath': { type: 'boolean', default: false },
      'no-webhook-faults': { type: 'boolean', default: false },
      'port-offset': { type: 'string', default: '300' },
      json: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  const logger = createLogger({ service: 'matchday', level: 'info', destination: process.stderr });
  if (values['restart-datastores'] && !values.chaos) throw new Error('--restart-datastores only goes with --chaos');
  if (values.chaos && !values.start) throw new Error('--chaos needs --start: only a platform started here can be killed and restarted');

  const paymentWindowSeconds = Number(values['payment-window']);
  let launched: LaunchedPlatform | undefined;
  const stop = async () => {
    await launched?.stop().catch((e: Error) => logger.warn('platform did not stop cleanly', { error: e.message }));
  };
  // Interrupted: take the platform (and the own broker) down with us rather than leave them running.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop().then(() => process.exit(130)));
  try {
    if (values.start) {
      logger.info('starting an isolated platform (first start compiles every service; give it a minute)');
      launched = await launchPlatform({
        logger,
        portOffset: Number(values['port-offset']),
        ownBroker: values.chaos,
        paymentWindowSeconds,
        holdTtlSeconds: Number(values['hold-ttl']),
        ...(values['database-url'] && { adminDatabaseUrl: values['database-url'] }),
      });
      logger.info('platform up', { prefix: launched.prefix, gateway: launched.platform.gatewayUrl, missing: launched.missing });
    }
    const targets: ChaosTarget[] = [];
    if (values.chaos && launched) {
      for (const s of PLATFORM_SERVICES) if (launched.platform.services.has(s)) targets.push(serviceTarget(launched.platform, s));
      if (launched.broker) targets.push(launched.broker.target());
      if (values['restart-datastores']) targets.push(postgresTarget(), redisTarget());
    }
    const prefix = values.prefix;
    const result = await runScenario({
      gatewayUrl: launched?.platform.gatewayUrl ?? values.gateway,
      sandboxUrl: launched?.platform.sandboxUrl ?? values.sandbox,
      logger,
      fans: Number(values.fans),
      concurrency: Number(values.concurrency),
      rushMs: Number(values['rush-seconds']) * 1000,
      capacityRatio: Number(values['capacity-ratio']),
      admissionRatePerSecond: Number(values['admission-rate']),
      unitPrice: 4500,
      currency: 'EUR',
      foreignCurrencies: ['USD', 'GBP'],
      aftermath: !values['no-aftermath'],
      webhookFaults: !values['no-webhook-faults'],
      paymentWindowSeconds,
      settleTimeoutMs: Number(values['settle-seconds']) * 1000,
      ...(targets.length && { chaos: { targets, startAfterMs: 3000, downMs: 2000, gapMs: 3000 } }),
      ...((launched?.databaseUrl ?? values['database-url']) && { databaseUrl: launched?.databaseUrl ?? values['database-url'] }),
      schemaOf: launched?.schemaOf ?? ((s) => (prefix ? `${prefix}_${serviceSchema(s)}` : serviceSchema(s))),
    });
    if (launched?.missing.length) result.summary.gaps.unshift(`services not in the repository yet: ${launched.missing.join(', ')}`);
    process.stdout.write(`${renderSummary(result.summary)}\n`);
    if (values.json) writeFileSync(values.json, JSON.stringify({ summary: result.summary, invariants: result.invariants }, null, 2));
    return result.passed ? 0 : 1;
  } finally {
    await stop();
  }
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    process.stderr.write(`matchday: ${e.message}\n`);
    process.exit(2);
  },
);
