import { createQueueManager, type QueueManager } from '@matchday/bus';
import { createDb, type Knex } from '@matchday/db';
import { createHttpApp, idempotencyKeys, operationsRoutes } from '@matchday/http';
import { createLogger, type Logger } from '@matchday/observability';
import type { Express, RequestHandler } from 'express';
import { createClient } from 'redis';
import { TableRateSource } from './adapters/fx-rates';
import { createStripeGateway, type PaymentGateway } from './adapters/stripe-gateway';
import { makeApplyFraudDecision } from './app/apply-fraud-decision.use-case';
import { makeApplyModification } from './app/apply-modification.use-case';
import { makeApplyStripeEvent } from './app/apply-stripe-event.use-case';
import { makeCancelPayment } from './app/cancel-payment.use-case';
import { makeCapturePayment } from './app/capture-payment.use-case';
import { makeCloseBooking } from './app/close-booking.use-case';
import { makeConfirmIntent } from './app/confirm-intent.use-case';
import { makeConfirmPayment } from './app/confirm-payment.use-case';
import { makeCreateIntent } from './app/create-intent.use-case';
import { makeCurrencyHandler } from './app/currency-handler';
import { makeDropModification } from './app/drop-modification.use-case';
import type { AppDeps } from './app/deps';
import { makeIssueRefund } from './app/issue-refund.use-case';
import { makeMoneyPicture } from './app/money-picture.use-case';
import { makeOpenBookingPayments } from './app/open-booking-payments.use-case';
import { makeQuoteFx } from './app/quote-fx.use-case';
import { makeRequestRefund } from './app/request-refund.use-case';
import { makeSyncIntent } from './app/sync-intent.use-case';
import { PaymentWorkQueue } from './app/work-queue';
import type { Config } from './config';
import type { RateSource } from './domain/currency';
import { adminRoutes } from './http/admin.routes';
import { fxRoutes } from './http/fx.routes';
import { paymentsRoutes } from './http/payments.routes';
import { PAYMENT_GROUP, subscribePaymentConsumer } from './kafka/payment.consumer';

export const SERVICE = 'payment';

/** HTTP status per domain error code (unknown codes answer 422). */
export const ERROR_STATUS: Record<string, number> = {
  PAYMENT_NOT_FOUND: 404,
  QUOTE_NOT_FOUND: 404,
  BOOKING_CLOSED: 409,
  PAYMENT_NOT_PAYABLE: 409,
  QUOTE_EXPIRED: 409,
  NOTHING_TO_REFUND: 409,
  PAYMENT_NOT_CAPTURED: 409,
  CURRENCY_NOT_SUPPORTED: 422,
};

export interface ServiceOverrides {
  /** A ready (migrated) knex for the service's schema; closing it is then the caller's. */
  db?: Knex;
  logger?: Logger;
  clock?: () => Date;
  /** Where FX rates come from (default: the FX_RATES table). */
  rates?: RateSource;
  gateway?: PaymentGateway;
  readiness?: () => boolean;
}

export interface PaymentService {
  app: Express;
  bus: QueueManager;
  db: Knex;
  queue: PaymentWorkQueue;
  gateway: PaymentGateway;
  rates: RateSource;
  start(): Promise<void>;
  /** Stops the work queue (jobs in flight finish), then consuming, flushes the relay, closes pools. */
  stop(): Promise<void>;
}

/** Wires config → db → bus → provider gateway → use-cases → HTTP and consumer, without listening. */
export function buildService(config: Config, overrides: ServiceOverrides = {}): PaymentService {
  const logger = overrides.logger ?? createLogger({ service: SERVICE, level: config.LOG_LEVEL });
  const db = overrides.db ?? createDb({ url: config.DATABASE_URL, schema: config.DB_SCHEMA, poolMax: config.DB_POOL_MAX, name: SERVICE });
  const bus = createQueueManager({
    service: SERVICE,
    db,
    schema: config.DB_SCHEMA,
    databaseUrl: config.DATABASE_URL,
    brokers: config.KAFKA_BROKERS,
    topicPrefix: config.TOPIC_PREFIX,
    logger,
    retention: { outboxHours: config.OUTBOX_RETENTION_HOURS, inboxHours: config.INBOX_RETENTION_HOURS },
  });
  const gateway =
    overrides.gateway ??
    createStripeGateway({
      apiKey: config.STRIPE_API_KEY,
      ...(config.STRIPE_API_BASE ? { baseUrl: config.STRIPE_API_BASE } : {}),
      timeoutMs: config.STRIPE_TIMEOUT_MS,
      errorThresholdPercentage: config.STRIPE_BREAKER_ERROR_PERCENT,
      volumeThreshold: config.STRIPE_BREAKER_VOLUME,
      resetTimeoutMs: config.STRIPE_BREAKER_RESET_MS,
      logger,
    });
  const rates = overrides.rates ?? new TableRateSource(config.FX_RATES);
  const currency = makeCurrencyHandler({ rates, supported: config.SUPPORTED_CURRENCIES, tolerance: config.FX_TOLERANCE, logger });

  const deps: AppDeps = {
    db,
    bus,
    gateway,
    currency,
    clock: overrides.clock ?? (() => new Date()),
    logger,
    settings: { quoteTtlSeconds: config.FX_QUOTE_TTL_SECONDS, retryBaseMs: config.JOB_RETRY_BASE_MS, retryMaxMs: config.JOB_RETRY_MAX_MS },
  };

  const queue = new PaymentWorkQueue(
    deps,
    {
      create_intent: makeCreateIntent(deps),
      confirm: makeConfirmIntent(deps),
      capture: makeCapturePayment(deps),
      cancel: makeCancelPayment(deps),
      refund: makeIssueRefund(deps),
      sync: makeSyncIntent(deps),
    },
    { pollMs: config.JOB_POLL_MS, concurrency: config.JOB_CONCURRENCY, leaseMs: Math.max(30_000, config.STRIPE_TIMEOUT_MS * 3) },
  );

  const requestRefund = makeRequestRefund(deps);
  const money = makeMoneyPicture(deps);
  subscribePaymentConsumer(
    bus,
    {
      openBookingPayments: makeOpenBookingPayments(deps),
      applyFraudDecision: makeApplyFraudDecision(deps),
      closeBooking: makeCloseBooking(deps),
      requestRefund,
      applyModification: makeApplyModification(deps),
      dropModification: makeDropModification(deps),
      applyStripeEvent: makeApplyStripeEvent(deps),
      workQueued: () => queue.poke(),
    },
    { concurrency: config.CONSUMER_CONCURRENCY, retryDelaysMs: config.CONSUMER_RETRY_DELAYS_MS, sessionTimeoutMs: config.CONSUMER_SESSION_TIMEOUT_MS },
  );

  const redis = createClient({ url: config.REDIS_URL });
  redis.on('error', (err: unknown) => logger.warn('redis error (idempotency keys)', { err }));
  const idempotent: RequestHandler = idempotencyKeys({ redis, prefix: `${config.REDIS_PREFIX}payment:idem:`, required: false, logger });

  let running = false;
  const app = createHttpApp({
    serviceName: SERVICE,
    logger,
    errorStatus: ERROR_STATUS,
    readiness: () => running && redis.isReady && (overrides.readiness?.() ?? true),
    routes: (a) => {
      a.post(['/v1/payments/:paymentId/confirm', '/v1/fx/quotes', '/v1/admin/payments/:id/refund'], idempotent);
      a.use(paymentsRoutes({ money, confirmPayment: makeConfirmPayment({ ...deps, queue: () => queue }) }));
      a.use(fxRoutes({ fx: makeQuoteFx(deps) }));
      a.use(adminRoutes({ money, requestRefund }));
      a.use(operationsRoutes({ bus, group: PAYMENT_GROUP }));
    },
  });

  return {
    app,
    bus,
    db,
    queue,
    gateway,
    rates,
    async start() {
      await redis.connect();
      await bus.start();
      queue.start();
      running = true;
    },
    async stop() {
      running = false;
      // The work queue first (its last results go to the outbox), then consumers and the relay,
      // which publishes what is committed before it stops.
      await queue.stop();
      await bus.stop();
      gateway.breaker.shutdown();
      await redis.quit().catch(() => undefined);
      if (!overrides.db) await db.destroy();
    },
  };
}
