import { baseEnv, loadConfig, z } from '@matchday/config';

/** webhook-ingest's environment: the only reader of process.env in this service. */
export const configSchema = baseEnv.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(8083),
  DB_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/).default('webhook_ingest'),
  /** `whsec_…`: Stripe signs every webhook with it. Without it the Stripe endpoint answers 503. */
  STRIPE_WEBHOOK_SECRET: z.string().min(1).optional(),
  /** Twilio signs status callbacks with the account's auth token. */
  TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
  /** SendGrid's Event Webhook verification key (base64 DER, as its settings page shows it). */
  SENDGRID_WEBHOOK_PUBLIC_KEY: z.string().min(1).optional(),
  /** The public origin providers post to: Twilio signs the full URL, which is rebuilt from it. */
  WEBHOOK_PUBLIC_URL: z.string().url().default('http://127.0.0.1:8083'),
  /** Largest accepted age (and clock skew into the future) of a signed timestamp. Stripe's own default. */
  WEBHOOK_TOLERANCE_SECONDS: z.coerce.number().int().min(1).default(300),
  /** Largest accepted webhook body in bytes (SendGrid posts up to a thousand events at once). */
  WEBHOOK_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(5 * 1024 * 1024),
  /** Group commit: how long the first webhook of a batch waits for others to join it. */
  GROUP_COMMIT_LINGER_MS: z.coerce.number().min(0).default(2),
  /** Group commit: most webhooks stored in one transaction. */
  GROUP_COMMIT_MAX_BATCH: z.coerce.number().int().min(1).default(500),
  /** Group commit: transactions in flight at once (keep below DB_POOL_MAX, the relay holds up to two). */
  GROUP_COMMIT_CONCURRENCY: z.coerce.number().int().min(1).default(2),
  /** Outbox relay: events per Kafka batch (smaller batches block the event loop for less time). */
  RELAY_BATCH_SIZE: z.coerce.number().int().min(1).default(250),
});

export type Config = z.infer<typeof configSchema>;

export const loadServiceConfig = (env: NodeJS.ProcessEnv = process.env): Readonly<Config> => loadConfig(configSchema, env);
