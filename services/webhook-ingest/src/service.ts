import { createQueueManager, type QueueManager } from '@matchday/bus';
import { createDb, type Knex } from '@matchday/db';
import { createHttpApp, operationsRoutes } from '@matchday/http';
import { createLogger, type Logger } from '@matchday/observability';
import type { RequestListener } from 'node:http';
import type { Express } from 'express';
import { createSignatureVerifiers } from './adapters/signatures';
import { GroupCommitter } from './app/group-commit';
import { makeListWebhooks } from './app/list-webhooks.use-case';
import { makeReceiveWebhook } from './app/receive-webhook.use-case';
import { makeReplayWebhooks } from './app/replay-webhooks.use-case';
import type { Config } from './config';
import { makeWebhookRepository, type StoreOutcome } from './db/webhook.repository';
import type { VerifiedWebhook } from './domain/webhook';
import { adminRoutes } from './http/admin.routes';
import { webhookListener } from './http/webhook-listener';

export const SERVICE = 'webhook-ingest';

export interface ServiceOverrides {
  /** A ready (migrated) knex for the service's schema; the service then leaves closing it to the caller. */
  db?: Knex;
  logger?: Logger;
  clock?: () => Date;
  /** Extra readiness condition (main.ts: not shutting down). */
  readiness?: () => boolean;
}

export interface WebhookIngestService {
  /** The request listener to serve: webhooks on their fast path, everything else through `app`. */
  handler: RequestListener;
  /** The express app (health, metrics, admin, problem answers for unknown paths). */
  app: Express;
  bus: QueueManager;
  db: Knex;
  start(): Promise<void>;
  /** Stores what the group commit holds, stops the relay (after flushing it) and closes the pool. */
  stop(): Promise<void>;
}

/** Wires config → db → bus → use-cases → HTTP, without listening. */
export function buildService(config: Config, overrides: ServiceOverrides = {}): WebhookIngestService {
  const logger = overrides.logger ?? createLogger({ service: SERVICE, level: config.LOG_LEVEL });
  const db =
    overrides.db ?? createDb({ url: config.DATABASE_URL, schema: config.DB_SCHEMA, poolMax: config.DB_POOL_MAX, name: SERVICE });
  const bus = createQueueManager({
    service: SERVICE,
    db,
    schema: config.DB_SCHEMA,
    databaseUrl: config.DATABASE_URL,
    brokers: config.KAFKA_BROKERS,
    topicPrefix: config.TOPIC_PREFIX,
    logger,
    relay: { batchSize: config.RELAY_BATCH_SIZE },
    retention: { outboxHours: config.OUTBOX_RETENTION_HOURS, inboxHours: config.INBOX_RETENTION_HOURS },
  });
  const webhooks = makeWebhookRepository(db, bus);
  const committer = new GroupCommitter<VerifiedWebhook, StoreOutcome>((items) => webhooks.storeBatch(items), {
    lingerMs: config.GROUP_COMMIT_LINGER_MS,
    maxBatch: config.GROUP_COMMIT_MAX_BATCH,
    concurrency: config.GROUP_COMMIT_CONCURRENCY,
    logger,
  });
  const verifiers = createSignatureVerifiers({
    ...(config.STRIPE_WEBHOOK_SECRET ? { stripeWebhookSecret: config.STRIPE_WEBHOOK_SECRET } : {}),
    ...(config.TWILIO_AUTH_TOKEN ? { twilioAuthToken: config.TWILIO_AUTH_TOKEN } : {}),
    ...(config.SENDGRID_WEBHOOK_PUBLIC_KEY ? { sendgridPublicKey: config.SENDGRID_WEBHOOK_PUBLIC_KEY } : {}),
    toleranceSeconds: config.WEBHOOK_TOLERANCE_SECONDS,
  });
  const receiveWebhook = makeReceiveWebhook({
    verifiers,
    committer,
    publicUrl: config.WEBHOOK_PUBLIC_URL,
    clock: overrides.clock ?? (() => new Date()),
    logger,
  });
  const listWebhooks = makeListWebhooks({ webhooks });
  const replayWebhooks = makeReplayWebhooks({ webhooks, logger });

  let running = false;
  const app = createHttpApp({
    serviceName: SERVICE,
    logger,
    errorStatus: { REPLAY_SELECTION_REQUIRED: 400 },
    readiness: () => running && (overrides.readiness?.() ?? true),
    routes: (a) => {
      a.use(adminRoutes({ listWebhooks, replayWebhooks }));
      // Its outbox only: webhook-ingest consumes nothing, so it has no dead letters.
      a.use(operationsRoutes({ bus }));
    },
  });

  const handler = webhookListener({ app, receiveWebhook, logger, bodyLimitBytes: config.WEBHOOK_BODY_LIMIT_BYTES });

  return {
    handler,
    app,
    bus,
    db,
    async start() {
      await bus.start();
      running = true;
    },
    async stop() {
      running = false;
      await committer.drain();
      await bus.stop();
      if (!overrides.db) await db.destroy();
    },
  };
}
