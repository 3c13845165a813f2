import { createQueueManager, type QueueManager } from '@matchday/bus';
import { createDb, type Knex } from '@matchday/db';
import { createHttpApp, operationsRoutes } from '@matchday/http';
import { createLogger, type Logger } from '@matchday/observability';
import type { Express } from 'express';
import { makeAddListEntry } from './app/add-list-entry.use-case';
import { makeAnalyzeBookingPattern } from './app/analyze-booking-pattern.use-case';
import { makeAssessBooking } from './app/assess-booking.use-case';
import { makeExpireReviews } from './app/expire-reviews.use-case';
import { makeFlagSuspiciousActivity } from './app/flag-suspicious-activity.use-case';
import { makeFraudDetection } from './app/fraud-detection';
import { fraudMetrics } from './app/metrics';
import { makeRecordSignal } from './app/record-signal.use-case';
import { makeRemoveListEntry } from './app/remove-list-entry.use-case';
import { makeResolveReview } from './app/resolve-review.use-case';
import { makeRulesProvider, type RulesProvider } from './app/rules-provider';
import { makeUpdateRules } from './app/update-rules.use-case';
import { makeValidatePaymentMethod } from './app/validate-payment-method.use-case';
import type { FraudConfig } from './config';
import { assessmentsRepository } from './db/assessments.repository';
import { bookingsRepository } from './db/bookings.repository';
import { listsRepository } from './db/lists.repository';
import { rulesRepository } from './db/rules.repository';
import { signalsRepository } from './db/signals.repository';
import { systemClock, type Clock, type FraudDetection } from './domain';
import { fraudAdminRoutes } from './http/fraud-admin.routes';
import { paymentMethodRoutes } from './http/payment-methods.routes';
import { FRAUD_GROUP, subscribeFraudConsumer } from './kafka/fraud.consumer';

export interface FraudOverrides {
  /** A pool to use instead of creating one from DATABASE_URL (tests share theirs); not closed by stop(). */
  db?: Knex;
  logger?: Logger;
  clock?: Clock;
}

export interface FraudService {
  app: Express;
  bus: QueueManager;
  db: Knex;
  rules: RulesProvider;
  fraudDetection: FraudDetection;
  /** Resolves overdue reviews now (the sweeper calls it every REVIEW_SWEEP_INTERVAL_MS). */
  sweepReviews(): Promise<number>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** True while started and not stopping: readiness. */
  isReady(): boolean;
}

const ERROR_STATUS: Record<string, number> = {
  REVIEW_NOT_FOUND: 404,
  REVIEW_ALREADY_RESOLVED: 409,
  RULES_VERSION_CONFLICT: 409,
  RULES_VERSION_NOT_FOUND: 404,
  LIST_ENTRY_NOT_FOUND: 404,
  ASSESSMENT_NOT_FOUND: 404,
  BOOKING_UNKNOWN: 404,
  USER_UNKNOWN: 404,
};

/** Wires config → db → bus → use-cases → HTTP app and consumer, without listening or starting anything. */
export function buildService(config: Readonly<FraudConfig>, overrides: FraudOverrides = {}): FraudService {
  const logger = overrides.logger ?? createLogger({ service: 'fraud', level: config.LOG_LEVEL });
  const clock = overrides.clock ?? systemClock;
  const ownDb = !overrides.db;
  const db = overrides.db ?? createDb({ url: config.DATABASE_URL, schema: config.DB_SCHEMA, poolMax: config.DB_POOL_MAX, name: 'fraud' });
  const bus = createQueueManager({
    service: 'fraud',
    db,
    schema: config.DB_SCHEMA,
    databaseUrl: config.DATABASE_URL,
    brokers: config.KAFKA_BROKERS,
    topicPrefix: config.TOPIC_PREFIX,
    logger,
    retention: { outboxHours: config.OUTBOX_RETENTION_HOURS, inboxHours: config.INBOX_RETENTION_HOURS },
  });

  const signals = signalsRepository();
  const bookings = bookingsRepository();
  const assessments = assessmentsRepository();
  const lists = listsRepository();
  const rulesRepo = rulesRepository();
  const rules = makeRulesProvider({ db, rules: rulesRepo, logger });

  const analyze = makeAnalyzeBookingPattern({ signals, lists, rules, clock });
  const reviewTimeoutSeconds = config.REVIEW_TIMEOUT_SECONDS;
  const assessBooking = makeAssessBooking({ bookings, assessments, analyze, bus, clock, reviewTimeoutSeconds, logger });
  const recordSignal = makeRecordSignal({ bookings, signals });
  const resolveReview = makeResolveReview({ db, assessments, bus, clock, logger });
  const expireReviews = makeExpireReviews({ db, assessments, bus, clock, logger });
  const flag = makeFlagSuspiciousActivity({ db, bookings, signals, assessments, rules, bus, clock, reviewTimeoutSeconds, logger });
  const validatePm = makeValidatePaymentMethod({ db, lists, rules, clock });
  const fraudDetection = makeFraudDetection({ db, bookings, analyze, validate: validatePm, flag });

  subscribeFraudConsumer(
    bus,
    { assessBooking, recordSignal },
    {
      retryDelaysMs: config.CONSUMER_RETRY_DELAYS_MS,
      sessionTimeoutMs: config.CONSUMER_SESSION_TIMEOUT_MS,
      concurrency: config.CONSUMER_CONCURRENCY,
    },
  );

  let started = false;
  let stopping = false;
  const app = createHttpApp({
    serviceName: 'fraud',
    logger,
    errorStatus: ERROR_STATUS,
    readiness: () => started && !stopping,
    routes: (a) => {
      a.use(
        fraudAdminRoutes({
          db,
          assessments,
          lists,
          rules: rulesRepo,
          rulesProvider: rules,
          resolveReview,
          updateRules: makeUpdateRules({ db, rules: rulesRepo, provider: rules, logger }),
          addListEntry: makeAddListEntry({ db, lists, logger }),
          removeListEntry: makeRemoveListEntry({ db, lists, logger }),
          flag,
        }),
      );
      a.use(paymentMethodRoutes({ validate: validatePm }));
      a.use(operationsRoutes({ bus, group: FRAUD_GROUP }));
    },
  });

  // Background housekeeping: overdue reviews resolve to block; old signals are pruned.
  let sweeper: NodeJS.Timeout | undefined;
  let sweeping: Promise<void> | undefined;
  const retentionMs = (): number => {
    const longestWindow = Math.max(0, ...rules.current().ruleSet.rules.map((r) => ('windowSeconds' in r ? r.windowSeconds : 0)));
    return Math.max(config.SIGNAL_RETENTION_HOURS * 3600, longestWindow) * 1000;
  };
  const sweep = async (): Promise<void> => {
    try {
      await expireReviews();
    } catch (err) {
      fraudMetrics.failures.inc({ task: 'review_sweep' });
      logger.error('review sweep failed; overdue reviews stay pending until the next sweep', { err });
    }
    try {
      const cutoff = new Date(clock.now().getTime() - retentionMs());
      const pruned = await signals.prune(db, cutoff);
      const forgotten = await bookings.prune(db, cutoff);
      if (pruned + forgotten > 0) logger.debug('old signals and bookings pruned', { pruned, forgotten });
    } catch (err) {
      fraudMetrics.failures.inc({ task: 'signal_prune' });
      logger.error('signal prune failed', { err });
    }
  };

  return {
    app,
    bus,
    db,
    rules,
    fraudDetection,
    sweepReviews: expireReviews,
    isReady: () => started && !stopping,
    async start() {
      await rules.start(config.RULES_REFRESH_MS);
      await bus.start();
      sweeper = setInterval(() => {
        sweeping ??= sweep().finally(() => (sweeping = undefined));
      }, config.REVIEW_SWEEP_INTERVAL_MS);
      sweeper.unref();
      started = true;
      logger.info('fraud started', { rulesVersion: rules.current().version, reviewTimeoutSeconds });
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      if (sweeper) clearInterval(sweeper);
      await sweeping;
      rules.stop();
      await bus.stop();
      if (ownDb) await db.destroy();
      started = false;
    },
  };
}
