import { createQueueManager, type QueueManager } from '@matchday/bus';
import { isDomainError } from '@matchday/contracts';
import { createDb, type Knex } from '@matchday/db';
import { createHttpApp, operationsRoutes } from '@matchday/http';
import { createLogger, type Logger } from '@matchday/observability';
import { stripeClient } from '@matchday/provider-sandbox';
import type { Express } from 'express';
import { stripeLedger, type ProviderLedger } from './adapters/stripe-ledger';
import { refreshFindingGauges } from './app/finding-gauges';
import { reconMetrics } from './app/metrics';
import { makeProjectEvent } from './app/project-event.use-case';
import { makeResolveFinding } from './app/resolve-finding.use-case';
import { makeRunReconciliation, type RunReconciliation, type RunReport } from './app/run-reconciliation.use-case';
import type { ReconciliationConfig } from './config';
import { findingsRepository } from './db/findings.repository';
import { projectionsRepository } from './db/projections.repository';
import { runsRepository } from './db/runs.repository';
import { breakerRoutes } from './http/breakers.routes';
import { reconciliationAdminRoutes } from './http/reconciliation-admin.routes';
import { RECONCILIATION_GROUP, subscribeReconciliationConsumer } from './kafka/reconciliation.consumer';

export interface ReconciliationOverrides {
  /** A pool to use instead of creating one from DATABASE_URL (tests share theirs); not closed by stop(). */
  db?: Knex;
  logger?: Logger;
  clock?: { now(): Date };
}

export interface ReconciliationService {
  app: Express;
  bus: QueueManager;
  db: Knex;
  runReconciliation: RunReconciliation;
  /** Runs once now as the scheduler would; resolves with the report (rejects with RUN_IN_PROGRESS if one runs). */
  runScheduled(): Promise<RunReport>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const ERROR_STATUS: Record<string, number> = {
  RUN_IN_PROGRESS: 409,
  RUN_NOT_FOUND: 404,
  FINDING_NOT_FOUND: 404,
  FINDING_ALREADY_RESOLVED: 409,
};

/** Wires config → db → bus → Stripe ledger → use-cases → HTTP app and consumer, without starting anything. */
export function buildService(config: Readonly<ReconciliationConfig>, overrides: ReconciliationOverrides = {}): ReconciliationService {
  const logger = overrides.logger ?? createLogger({ service: 'reconciliation', level: config.LOG_LEVEL });
  const clock = overrides.clock ?? { now: () => new Date() };
  const ownDb = !overrides.db;
  const db = overrides.db ?? createDb({ url: config.DATABASE_URL, schema: config.DB_SCHEMA, poolMax: config.DB_POOL_MAX, name: 'reconciliation' });
  const bus = createQueueManager({
    service: 'reconciliation',
    db,
    schema: config.DB_SCHEMA,
    databaseUrl: config.DATABASE_URL,
    brokers: config.KAFKA_BROKERS,
    topicPrefix: config.TOPIC_PREFIX,
    logger,
    retention: { outboxHours: config.OUTBOX_RETENTION_HOURS, inboxHours: config.INBOX_RETENTION_HOURS },
  });

  const stripe = stripeClient({
    apiKey: config.STRIPE_API_KEY,
    ...(config.STRIPE_API_BASE && { baseUrl: config.STRIPE_API_BASE }),
    timeoutMs: config.STRIPE_TIMEOUT_MS,
    maxNetworkRetries: 1,
  });
  const ledger: ProviderLedger & { breaker: { shutdown(): void } } = stripeLedger({
    stripe,
    logger,
    timeoutMs: config.STRIPE_TIMEOUT_MS,
    pageSize: config.RECON_PAGE_SIZE,
  });

  const projections = projectionsRepository();
  const runs = runsRepository();
  const findings = findingsRepository();
  const runner = makeRunReconciliation({
    db,
    bus,
    ledger,
    projections,
    runs,
    findings,
    logger,
    clock,
    settings: {
      lookbackHours: config.RECON_LOOKBACK_HOURS,
      graceSeconds: config.RECON_GRACE_SECONDS,
      fxToleranceMinor: config.RECON_FX_TOLERANCE_MINOR,
      runTimeoutSeconds: config.RECON_RUN_TIMEOUT_SECONDS,
    },
  });
  // Every run in flight, so stop() can let it finish (a run is one transaction at its end).
  const inFlight = new Set<Promise<unknown>>();
  const runReconciliation: RunReconciliation = {
    async start(opts) {
      const started = await runner.start(opts);
      const settled = started.completion.catch(() => undefined).finally(() => inFlight.delete(settled));
      inFlight.add(settled);
      return started;
    },
  };
  const resolveFinding = makeResolveFinding({ db, bus, findings, logger, clock });
  subscribeReconciliationConsumer(bus, makeProjectEvent({ projections, logger }), {
    retryDelaysMs: config.CONSUMER_RETRY_DELAYS_MS,
    sessionTimeoutMs: config.CONSUMER_SESSION_TIMEOUT_MS,
  });

  let started = false;
  let stopping = false;
  const app = createHttpApp({
    serviceName: 'reconciliation',
    logger,
    errorStatus: ERROR_STATUS,
    readiness: () => started && !stopping,
    routes: (a) => {
      a.use(reconciliationAdminRoutes({ db, runs, findings, runReconciliation, resolveFinding }));
      a.use(breakerRoutes());
      a.use(operationsRoutes({ bus, group: RECONCILIATION_GROUP }));
    },
  });

  let timer: NodeJS.Timeout | undefined;
  const runScheduled = async (): Promise<RunReport> => {
    const { completion } = await runReconciliation.start({ trigger: 'scheduled', requestedBy: 'system:scheduler' });
    return completion;
  };
  const tick = () => {
    runReconciliation.start({ trigger: 'scheduled', requestedBy: 'system:scheduler' }).then(
      // A failed run is logged, counted and stored by the run use-case.
      ({ completion }) => completion.catch(() => undefined),
      (err: unknown) => {
        if (isDomainError(err) && err.code === 'RUN_IN_PROGRESS') {
          reconMetrics.scheduledSkipped.inc();
          logger.info('scheduled reconciliation skipped: a run is in progress', { ...err.details });
        } else {
          // The run never started (database down): the run use-case did not see it.
          reconMetrics.runs.inc({ outcome: 'error' });
          logger.error('scheduled reconciliation could not start', { err });
        }
      },
    );
  };

  return {
    app,
    bus,
    db,
    runReconciliation,
    runScheduled,
    async start() {
      await bus.start();
      await refreshFindingGauges(db, findings).catch((err: unknown) => logger.warn('finding gauges not initialised', { err }));
      if (config.RECON_INTERVAL_SECONDS > 0) {
        timer = setInterval(tick, config.RECON_INTERVAL_SECONDS * 1000);
        timer.unref();
      }
      started = true;
      logger.info('reconciliation started', { intervalSeconds: config.RECON_INTERVAL_SECONDS, lookbackHours: config.RECON_LOOKBACK_HOURS });
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      if (timer) clearInterval(timer);
      await Promise.all(inFlight);
      await bus.stop();
      ledger.breaker.shutdown();
      if (ownDb) await db.destroy();
      started = false;
    },
  };
}
