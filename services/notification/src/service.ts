import { createQueueManager, type QueueManager } from '@matchday/bus';
import { createDb, type Knex } from '@matchday/db';
import { createHttpApp, operationsRoutes } from '@matchday/http';
import { createLogger, type Logger } from '@matchday/observability';
import type { Express } from 'express';
import { createClient } from 'redis';
import { createProviders, type Providers } from './adapters/providers';
import { redisTokenBuckets } from './adapters/token-bucket';
import { makeDispatchNotifications, type DispatchNotifications } from './app/dispatch-notifications.use-case';
import { startDispatchWorkers, startHousekeeping, type DispatchWorkers } from './app/dispatch-workers';
import { makeExpandEvent } from './app/expand-event.use-case';
import { makeGetContacts } from './app/get-contacts.use-case';
import { makeGetPreferences } from './app/get-preferences.use-case';
import { makeListDevices } from './app/list-devices.use-case';
import { makeListNotifications } from './app/list-notifications.use-case';
import { metrics } from './app/metrics';
import { makeRecordProjection } from './app/record-projection.use-case';
import { makeRecordProviderReport } from './app/record-provider-report.use-case';
import { makeRegisterDevice } from './app/register-device.use-case';
import { makeRemoveDevice } from './app/remove-device.use-case';
import { makeUpdateContacts } from './app/update-contacts.use-case';
import { makeUpdatePreferences } from './app/update-preferences.use-case';
import type { NotificationConfig } from './config';
import { notificationsRepository } from './db/notifications.repository';
import { projectionsRepository } from './db/projections.repository';
import { usersRepository } from './db/users.repository';
import { bucketShape, type BucketShape, type Channel, type ProviderName } from './domain';
import { adminRoutes } from './http/admin.routes';
import { meRoutes } from './http/me.routes';
import { NOTIFICATION_GROUP, subscribeNotificationConsumer } from './kafka/notification.consumer';

export type Redis = ReturnType<typeof createClient>;

export interface NotificationOverrides {
  /** A pool to use instead of creating one from DATABASE_URL (tests share theirs); not closed by stop(). */
  db?: Knex;
  logger?: Logger;
}

export interface NotificationService {
  app: Express;
  bus: QueueManager;
  db: Knex;
  redis: Redis;
  providers: Providers;
  /** One dispatch batch (the workers call it in loops). */
  dispatch: DispatchNotifications;
  start(): Promise<void>;
  stop(): Promise<void>;
  isReady(): boolean;
}

const ERROR_STATUS: Record<string, number> = {
  DEVICE_NOT_FOUND: 404,
};

/** Wires config → db → Redis → bus → providers → use-cases → HTTP app, consumer and dispatch workers, without starting anything. */
export function buildService(
  config: Readonly<NotificationConfig>,
  overrides: NotificationOverrides = {},
): NotificationService {
  const logger = overrides.logger ?? createLogger({ service: 'notification', level: config.LOG_LEVEL });
  const ownDb = !overrides.db;
  const db =
    overrides.db ??
    createDb({
      url: config.DATABASE_URL,
      schema: config.DB_SCHEMA,
      poolMax: config.DB_POOL_MAX,
      name: 'notification',
    });
  const bus = createQueueManager({
    service: 'notification',
    db,
    schema: config.DB_SCHEMA,
    databaseUrl: config.DATABASE_URL,
    brokers: config.KAFKA_BROKERS,
    topicPrefix: config.TOPIC_PREFIX,
    logger,
    retention: { outboxHours: config.OUTBOX_RETENTION_HOURS, inboxHours: config.INBOX_RETENTION_HOURS },
  });
  const redis: Redis = createClient({ url: config.REDIS_URL });
  redis.on('error', (err: Error) => {
    metrics.taskFailures.inc({ task: 'redis' });
    logger.error('redis connection error', { error: err.message });
  });

  const users = usersRepository();
  const projections = projectionsRepository();
  const notifications = notificationsRepository();
  const providers = createProviders(config, logger);
  const channelAvailable = (c: Channel) =>
    (providers.links[c] as Array<{ available(): boolean }>).some((l) => l.available());

  const limits: Record<ProviderName, { limit: NotificationConfig['RATE_LIMIT_FCM']; largestTake: number }> = {
    sendgrid: { limit: config.RATE_LIMIT_SENDGRID, largestTake: 1 },
    smtp: { limit: config.RATE_LIMIT_SMTP, largestTake: 1 },
    twilio: { limit: config.RATE_LIMIT_TWILIO, largestTake: 1 },
    vonage: { limit: config.RATE_LIMIT_VONAGE, largestTake: 1 },
    fcm: { limit: config.RATE_LIMIT_FCM, largestTake: config.PUSH_BATCH },
    webpush: { limit: config.RATE_LIMIT_WEBPUSH, largestTake: 1 },
  };
  const shapes = Object.fromEntries(
    Object.entries(limits).map(([p, l]) => [
      p,
      bucketShape(l.limit, l.largestTake, config.RATE_LIMIT_SAFETY_MS),
    ]),
  ) as Record<ProviderName, BucketShape>;
  const stopping = new AbortController();
  const limiter = redisTokenBuckets({ redis, prefix: config.REDIS_PREFIX, shapes });

  const dispatch = makeDispatchNotifications({
    db,
    notifications,
    users,
    links: providers.links,
    limiter,
    logger,
    maxAttempts: config.MAX_ATTEMPTS,
    retryBaseMs: config.RETRY_BASE_MS,
    sendConcurrency: config.SEND_CONCURRENCY,
    signal: stopping.signal,
  });
  const expand = makeExpandEvent({
    projections,
    users,
    notifications,
    defaultChannels: config.DEFAULT_CHANNELS,
    logger,
  });
  const recordProjection = makeRecordProjection({ projections });
  const recordProviderReport = makeRecordProviderReport({ notifications, users, channelAvailable, logger });

  let workers: DispatchWorkers | undefined;
  subscribeNotificationConsumer(
    bus,
    { recordProjection, expand, recordProviderReport },
    {
      retryDelaysMs: config.CONSUMER_RETRY_DELAYS_MS,
      sessionTimeoutMs: config.CONSUMER_SESSION_TIMEOUT_MS,
      concurrency: config.CONSUMER_CONCURRENCY,
      afterApply: () => workers?.wake(),
    },
  );

  let started = false;
  let stopped = false;
  const isReady = () => started && !stopped && redis.isReady;
  const app = createHttpApp({
    serviceName: 'notification',
    logger,
    errorStatus: ERROR_STATUS,
    readiness: isReady,
    routes: (a) => {
      a.use(
        meRoutes({
          getContacts: makeGetContacts({ db, users }),
          updateContacts: makeUpdateContacts({ db, users, logger }),
          listDevices: makeListDevices({ db, users }),
          registerDevice: makeRegisterDevice({ db, users, logger }),
          removeDevice: makeRemoveDevice({ db, users, logger }),
          getPreferences: makeGetPreferences({ db, users, defaultChannels: config.DEFAULT_CHANNELS }),
          updatePreferences: makeUpdatePreferences({ db, users, logger }),
        }),
      );
      a.use(adminRoutes({ listNotifications: makeListNotifications({ db, notifications }) }));
      a.use(operationsRoutes({ bus, group: NOTIFICATION_GROUP }));
    },
  });

  let housekeeping: ReturnType<typeof startHousekeeping> | undefined;

  return {
    app,
    bus,
    db,
    redis,
    providers,
    dispatch,
    isReady,
    async start() {
      await redis.connect();
      await bus.start();
      workers = startDispatchWorkers({
        dispatch,
        pollMs: config.DISPATCH_POLL_MS,
        logger,
        plan: [
          { channel: 'email', workers: config.EMAIL_WORKERS, batch: config.EMAIL_BATCH },
          { channel: 'sms', workers: config.SMS_WORKERS, batch: config.SMS_BATCH },
          { channel: 'push', workers: config.PUSH_WORKERS, batch: config.PUSH_BATCH },
        ],
      });
      housekeeping = startHousekeeping({
        db,
        notifications,
        leaseMs: config.CLAIM_LEASE_MS,
        intervalMs: config.METRICS_INTERVAL_MS,
        logger,
      });
      started = true;
      logger.info('notification started', { providers: providers.configured, group: NOTIFICATION_GROUP });
    },
    async stop() {
      stopped = true;
      // Stop taking events, let running batches finish (token waits are cut short), then flush the relay.
      stopping.abort();
      await workers?.stop();
      await housekeeping?.stop();
      await bus.stop();
      await providers.close();
      if (redis.isOpen) await redis.quit();
      if (ownDb) await db.destroy();
      started = false;
    },
  };
}
