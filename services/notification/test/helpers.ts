import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { startSandbox, type Sandbox, type SandboxLimits } from '@matchday/provider-sandbox';
import {
  deleteTopics,
  eventually,
  isolation,
  publishEvent,
  serviceDb,
  setupTopics,
  testInfra,
  testLogger,
  type Isolation,
  type ServiceDb,
} from '@matchday/testkit';
import webpush from 'web-push';
import { loadNotificationConfig, type NotificationConfig } from '../src/config';
import { migrations } from '../src/db/migrations';
import { buildService, type NotificationService } from '../src/service';

/**
 * Stands in for webhook-ingest: receives the sandbox's Twilio status callbacks and SendGrid event
 * batches and publishes them as the contract's `provider.webhooks` events, one per status and per
 * SendGrid event, keyed like webhook-ingest keys them.
 */
export async function startWebhookStandIn(prefix: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const receivedAt = new Date().toISOString();
      const publish = async () => {
        if (req.url?.startsWith('/webhooks/twilio')) {
          const form = Object.fromEntries(new URLSearchParams(body));
          await publishEvent(
            prefix,
            'twilio.message.status.v1',
            {
              webhookId: randomUUID(),
              receivedAt,
              messageSid: form.MessageSid!,
              status: form.MessageStatus!,
              ...(form.ErrorCode && { errorCode: form.ErrorCode }),
              payload: form,
            },
            { subject: form.MessageSid!, source: 'webhook-ingest' },
          );
        } else if (req.url?.startsWith('/webhooks/sendgrid')) {
          for (const e of JSON.parse(body) as Array<Record<string, unknown>>) {
            await publishEvent(
              prefix,
              'sendgrid.event.v1',
              {
                webhookId: randomUUID(),
                receivedAt,
                sgEventId: String(e.sg_event_id),
                sgMessageId: String(e.sg_message_id),
                event: String(e.event),
                email: String(e.email),
                timestamp: Number(e.timestamp),
                payload: e,
              },
              { subject: String(e.sg_message_id), source: 'webhook-ingest' },
            );
          }
        }
      };
      publish().then(
        () => res.writeHead(200).end(),
        () => res.writeHead(500).end(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Creates the topics, retrying while a busy broker still answers "unknown topic" for topics it has
 * just created (kafkajs only waits out "leader not available"); creating them again is a no-op.
 */
async function setupTopicsPatiently(prefix: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await setupTopics(prefix, ['notification']);
      return;
    } catch (e) {
      if (attempt >= 5 || (e as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw e;
      await new Promise((r) => setTimeout(r, 1000 * attempt));
    }
  }
}

export interface Harness {
  iso: Isolation;
  sdb: ServiceDb;
  sandbox: Sandbox;
  service: NotificationService;
  config: Readonly<NotificationConfig>;
  stop(): Promise<void>;
}

const vapid = webpush.generateVAPIDKeys();

/**
 * The real service in-process on an isolated schema, topic prefix and Redis prefix, its providers
 * in a provider sandbox reached through the official SDKs, and webhook-ingest's part played by
 * {@link startWebhookStandIn}.
 */
export async function startHarness(
  opts: { limits?: Partial<SandboxLimits>; env?: Record<string, string>; webhooks?: boolean } = {},
): Promise<Harness> {
  const iso = isolation();
  const infra = await testInfra();
  await setupTopicsPatiently(iso.topicPrefix);
  const schema = iso.schema('notification');
  const sdb = await serviceDb('notification', schema, { migrations: migrations(schema), poolMax: 4 });
  const standIn = opts.webhooks === false ? undefined : await startWebhookStandIn(iso.topicPrefix);
  const sandbox = await startSandbox({
    limits: { twilio: { limit: 50, windowMs: 1000 }, ...opts.limits },
    timings: { twilioStatusStepMs: 20, sendgridEventDelayMs: 20, sendgridBatchMs: 30 },
    ...(standIn && { webhookTargets: { sendgrid: `${standIn.url}/webhooks/sendgrid` } }),
  });
  const s = sandbox.secrets;
  const config = loadNotificationConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: (process.env.LOG_LEVEL as string | undefined) ?? 'warn',
    DATABASE_URL: sdb.url,
    DB_SCHEMA: schema,
    DB_POOL_MAX: '4',
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    TOPIC_PREFIX: iso.topicPrefix,
    REDIS_URL: infra.redisUrl,
    REDIS_PREFIX: iso.redisPrefix,
    ...(standIn && { WEBHOOK_PUBLIC_URL: standIn.url }),
    TWILIO_ACCOUNT_SID: s.twilioAccountSid,
    TWILIO_AUTH_TOKEN: s.twilioAuthToken,
    TWILIO_API_BASE: sandbox.url,
    SENDGRID_API_KEY: s.sendgridApiKey,
    SENDGRID_API_BASE: sandbox.url,
    FCM_PROJECT_ID: s.fcmProjectId,
    FCM_API_BASE: sandbox.url,
    SMTP_URL: sandbox.smtp.url,
    VONAGE_API_KEY: s.vonageApiKey,
    VONAGE_API_SECRET: s.vonageApiSecret,
    VONAGE_API_BASE: sandbox.url,
    VAPID_PUBLIC_KEY: vapid.publicKey,
    VAPID_PRIVATE_KEY: vapid.privateKey,
    WEBPUSH_API_BASE: sandbox.url,
    RATE_LIMIT_TWILIO: '50/1s',
    PROVIDER_TIMEOUT_MS: '5000',
    CONSUMER_RETRY_DELAYS_MS: '100,200,300',
    CONSUMER_SESSION_TIMEOUT_MS: '6000',
    DISPATCH_POLL_MS: '50',
    METRICS_INTERVAL_MS: '200',
    RETRY_BASE_MS: '200',
    ...opts.env,
  });
  const logger = testLogger({ service: 'notification-test', level: config.LOG_LEVEL });
  const service = buildService(config, { db: sdb.db, logger });
  await service.start();
  return {
    iso,
    sdb,
    sandbox,
    service,
    config,
    async stop() {
      await service.stop();
      await sandbox.close();
      await standIn?.close();
      await sdb.destroy();
      await deleteTopics(iso.topicPrefix);
    },
  };
}

export const admin = { 'X-User-Id': 'ops-1', 'X-User-Roles': 'admin' };

/** Waits until `count` notifications match `where` (a SQL condition on the notifications table). */
export async function waitForNotifications(
  h: Harness,
  where: string,
  bindings: unknown[],
  count: number,
  timeoutMs = 30000,
): Promise<void> {
  await eventually(
    async () => {
      const { rows } = (await h.sdb.db.raw(
        `SELECT count(*)::int AS n FROM notifications WHERE ${where}`,
        bindings as never,
      )) as {
        rows: Array<{ n: number }>;
      };
      return rows[0]!.n >= count;
    },
    { timeoutMs, intervalMs: 100, what: `${count} notifications where ${where}` },
  );
}
