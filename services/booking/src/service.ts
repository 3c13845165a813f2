import type { Express } from 'express';
import { createQueueManager, ensureTopics, type QueueManager } from '@matchday/bus';
import type { EventType, TopicName } from '@matchday/contracts';
import { createDb, type Knex } from '@matchday/db';
import { createHttpApp, idempotencyKeys, operationsRoutes } from '@matchday/http';
import { createLogger, type Logger } from '@matchday/observability';
import { createClient } from 'redis';
import { levelGate } from './adapters/level-gate';
import { redisAdmission } from './adapters/redis-admission';
import { redisCache } from './adapters/redis-cache';
import { redisBreaker, type Redis } from './adapters/redis';
import type { AppDeps } from './app/deps';
import { systemClock, type AdmissionGate, type CacheManager, type Clock } from './app/ports';
import { makeLoadAvailability } from './app/read-matches.use-case';
import { createSweeper, type Sweeper } from './app/sweeper';
import { buildUseCases, type UseCases } from './app/use-cases';
import type { BookingConfig } from './config';
import { createHoldWriter } from './db/hold-writer';
import { adminRoutes } from './http/admin.routes';
import { bookingsRoutes } from './http/bookings.routes';
import { errorStatus } from './http/errors';
import { holdsRoutes } from './http/holds.routes';
import { identity } from './http/identity';
import { matchesRoutes } from './http/matches.routes';
import { fraudConsumer } from './kafka/fraud.consumer';
import { inventoryConsumer } from './kafka/inventory.consumer';
import { paymentConsumer, type TypedHandler } from './kafka/payment.consumer';
import { reconciliationConsumer } from './kafka/reconciliation.consumer';

export const SERVICE = 'booking';
/** The consumer group (its retry and dead-letter topics are booking.retry.N and booking.dlq). */
export const GROUP = 'booking';
export const CONSUMED_TOPICS: TopicName[] = ['payment.events', 'fraud.decisions', 'reconciliation.events', 'inventory.events'];

export interface ServiceOverrides {
  /** A ready knex instance for the service's schema (tests); otherwise one is created from the config. */
  db?: Knex;
  clock?: Clock;
  logger?: Logger;
  /** Readiness turns false while this says so (main.ts: the shutdown handle). */
  isDraining?: () => boolean;
}

export interface BookingService {
  app: Express;
  bus: QueueManager;
  db: Knex;
  redis: Redis;
  admission: AdmissionGate;
  cache: CacheManager;
  sweeper: Sweeper;
  useCases: UseCases;
  /** Connects Redis, creates missing topics, checks partitions, starts the event bus (relay + consumers) and the sweeper. */
  start(): Promise<void>;
  /** Stops the sweeper, consumers and relay (flushing it), then closes Redis and the pool. */
  stop(): Promise<void>;
}

/** Wires config → db → bus → use-cases → HTTP app and consumers, without listening. */
export function buildService(config: BookingConfig, overrides: ServiceOverrides = {}): BookingService {
  const logger = levelGate(overrides.logger ?? createLogger({ service: SERVICE, level: config.LOG_LEVEL }), config.LOG_LEVEL);
  const clock = overrides.clock ?? systemClock;
  const ownDb = !overrides.db;
  const db = overrides.db ?? createDb({ url: config.DATABASE_URL, schema: config.DB_SCHEMA, poolMax: config.DB_POOL_MAX, name: SERVICE });
  const redis: Redis = createClient({
    url: config.REDIS_URL,
    // While Redis is unreachable, commands fail at once instead of queueing and running late.
    disableOfflineQueue: true,
    socket: { connectTimeout: 2000, reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2000) },
  });
  let redisDown = false;
  redis.on('error', (err: Error) => {
    if (!redisDown) logger.error('redis connection error; reconnecting', { error: err.message });
    redisDown = true;
  });
  redis.on('ready', () => {
    if (redisDown) logger.info('redis connection restored');
    redisDown = false;
  });

  const breaker = redisBreaker(config.REDIS_TIMEOUT_MS, logger);
  const admission = redisAdmission({ redis, prefix: config.REDIS_PREFIX, breaker, logger });
  const cache = redisCache({
    redis,
    prefix: config.REDIS_PREFIX,
    breaker,
    logger,
    loadAvailability: makeLoadAvailability({ db, clock }),
    availabilitySeconds: config.AVAILABILITY_CACHE_SECONDS,
    bookingSeconds: config.BOOKING_CACHE_SECONDS,
  });
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

  const holdWriter = createHoldWriter(db, { maxBatch: config.HOLD_BATCH_MAX });
  const deps: AppDeps = { db, bus, admission, cache, holdWriter, clock, logger, config };
  const useCases = buildUseCases(deps);
  const sweeper = createSweeper(deps, { intervalMs: config.SWEEP_INTERVAL_MS, resyncEvery: config.RESYNC_EVERY_SWEEPS, heat: useCases.matchHeat });

  const handlers: Partial<Record<EventType, TypedHandler>> = {
    ...paymentConsumer(useCases, logger),
    ...fraudConsumer(useCases, logger),
    ...reconciliationConsumer(useCases, logger),
    ...inventoryConsumer(cache),
  };
  bus.subscribe({
    group: GROUP,
    topics: CONSUMED_TOPICS,
    types: Object.keys(handlers) as EventType[],
    handler: async (event, ctx) => {
      const handle = handlers[event.type];
      if (handle) await handle(event, ctx);
    },
    retryDelaysMs: config.CONSUMER_RETRY_DELAYS_MS,
    sessionTimeoutMs: config.CONSUMER_SESSION_TIMEOUT_MS,
    // Small chunks: a chunk's transaction keeps the match rows it touched locked until it commits.
    batchSize: 5,
  });

  const idempotency = idempotencyKeys({
    redis,
    prefix: `${config.REDIS_PREFIX}booking:idem:`,
    ttlSeconds: config.IDEMPOTENCY_TTL_SECONDS,
    logger,
  });
  const app = createHttpApp({
    serviceName: SERVICE,
    logger,
    errorStatus,
    readiness: async () => {
      if (overrides.isDraining?.()) return false;
      await db.raw('SELECT 1');
      return true;
    },
    routes: (a) => {
      a.use(identity());
      a.use(matchesRoutes(useCases));
      a.use(holdsRoutes(useCases, { idempotency, clock }));
      a.use(bookingsRoutes(useCases, { idempotency }));
      a.use(adminRoutes(useCases, { idempotency }));
      a.use(operationsRoutes({ bus, group: GROUP, beforeReplay: [idempotency] }));
    },
  });

  let started = false;
  return {
    app,
    bus,
    db,
    redis,
    admission,
    cache,
    sweeper,
    useCases,
    async start() {
      if (started) return;
      started = true;
      if (!redis.isOpen) await redis.connect();
      // Idempotent: the platform's `up` creates them too; a service started alone still finds them.
      await ensureTopics(bus.kafka, { prefix: config.TOPIC_PREFIX, groups: [GROUP], topics: [...CONSUMED_TOPICS, 'booking.events'] });
      await useCases.maintainPartitions();
      await bus.start();
      if (config.SWEEPER_ENABLED) sweeper.start();
      logger.info('booking service started', { schema: config.DB_SCHEMA, sweeper: config.SWEEPER_ENABLED });
    },
    async stop() {
      await sweeper.stop();
      await bus.stop();
      breaker.shutdown();
      if (redis.isOpen) await redis.close();
      if (ownDb) await db.destroy();
      started = false;
    },
  };
}
