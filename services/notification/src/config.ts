import { baseEnv, loadConfig, z } from '@matchday/config';
import { parseRateLimit } from './domain/rate-limit';

const millisList = z
  .string()
  .transform((s) => s.split(',').map((p) => Number(p.trim())))
  .pipe(z.array(z.number().int().min(0)).min(1).max(3));

const optional = z
  .string()
  .optional()
  .transform((s) => (s && s.trim() !== '' ? s.trim() : undefined));

/** `<units>/<window>`: `600000/60s`, `10000/1s`, `1/1s`, `500/250ms`, `100/1m`. */
const rateLimit = z.string().transform((s, ctx) => {
  const parsed = parseRateLimit(s);
  if (!parsed) {
    ctx.addIssue({ code: 'custom', message: `expected <units>/<window> such as 10000/1s, got ${s}` });
    return z.NEVER;
  }
  return parsed;
});

const channelList = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.enum(['email', 'sms', 'push'])).min(1));

const count = (min: number, fallback: number) => z.coerce.number().int().min(min).default(fallback);

/** Notification's environment: the only reader of process.env in this service. */
export const notificationEnv = baseEnv.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(8084),
  DB_SCHEMA: z.string().default('notification'),

  // ---- providers (a provider whose credentials are missing is left out of its channel's chain) ----
  /** webhook-ingest's public origin: Twilio posts status callbacks to <origin>/webhooks/twilio. */
  WEBHOOK_PUBLIC_URL: optional,
  TWILIO_ACCOUNT_SID: optional,
  TWILIO_AUTH_TOKEN: optional,
  /** Set only when pointing the SDK at the provider sandbox. */
  TWILIO_API_BASE: optional,
  TWILIO_FROM: z.string().default('+15005550006'),
  SENDGRID_API_KEY: optional,
  SENDGRID_API_BASE: optional,
  SENDGRID_FROM: z.email().default('tickets@matchday.example.com'),
  FCM_PROJECT_ID: optional,
  FCM_API_BASE: optional,
  /** Second email provider: an SMTP relay, `smtp://user:password@host:port` (nodemailer). */
  SMTP_URL: optional,
  SMTP_FROM: z.email().optional(),
  /** Second SMS provider: Vonage's SMS API. */
  VONAGE_API_KEY: optional,
  VONAGE_API_SECRET: optional,
  VONAGE_API_BASE: optional,
  VONAGE_FROM: z.string().default('Matchday'),
  /** Second push provider: Web Push (browsers) with VAPID keys (`web-push generate-vapid-keys`). */
  VAPID_PUBLIC_KEY: optional,
  VAPID_PRIVATE_KEY: optional,
  VAPID_SUBJECT: z.string().default('mailto:ops@matchday.example.com'),
  /** Set only when pointing Web Push at the provider sandbox: every push endpoint is dialled there. */
  WEBPUSH_API_BASE: optional,
  /** Connections to the provider sandbox's FCM endpoint (offline only: production FCM uses HTTP/2). */
  FCM_SANDBOX_CONNECTIONS: count(1, 64),
  /** Per provider request; a `sendEach` of up to 500 FCM messages gets four times as long. */
  PROVIDER_TIMEOUT_MS: count(100, 15000),

  // ---- provider rate limits: the providers' documented ones, enforced for all replicas in Redis ----
  RATE_LIMIT_SENDGRID: rateLimit.default(parseRateLimit('10000/1s')!),
  RATE_LIMIT_SMTP: rateLimit.default(parseRateLimit('100/1s')!),
  /** Per sender: a long code sends about 1 message/s; a short code or messaging service much more. */
  RATE_LIMIT_TWILIO: rateLimit.default(parseRateLimit('1/1s')!),
  RATE_LIMIT_VONAGE: rateLimit.default(parseRateLimit('30/1s')!),
  RATE_LIMIT_FCM: rateLimit.default(parseRateLimit('600000/60s')!),
  RATE_LIMIT_WEBPUSH: rateLimit.default(parseRateLimit('10000/1s')!),
  /**
   * Longest time between taking tokens and the provider counting the request. The bucket refills
   * slowly enough that even requests delayed this long never put more than the limit in one window.
   */
  RATE_LIMIT_SAFETY_MS: count(0, 250),

  // ---- dispatch ----
  EMAIL_WORKERS: count(0, 2),
  SMS_WORKERS: count(0, 2),
  PUSH_WORKERS: count(0, 4),
  /** Notifications claimed per batch: SendGrid takes 1000 personalizations per request, FCM 500 messages per sendEach. */
  EMAIL_BATCH: z.coerce.number().int().min(1).max(1000).default(1000),
  PUSH_BATCH: z.coerce.number().int().min(1).max(500).default(500),
  SMS_BATCH: z.coerce.number().int().min(1).max(500).default(20),
  /** Requests in flight per batch for providers that take one message per request (Twilio, Vonage, SMTP, Web Push). */
  SEND_CONCURRENCY: count(1, 10),
  DISPATCH_POLL_MS: count(10, 250),
  /** A claimed notification not finished within this time is handed to another worker (its worker died). */
  CLAIM_LEASE_MS: count(1000, 120000),
  /** Attempts before a notification that keeps failing without a fallback is given up. */
  MAX_ATTEMPTS: count(1, 5),
  RETRY_BASE_MS: count(10, 5000),
  /** Channels of users who never chose any. */
  DEFAULT_CHANNELS: channelList.default(['email', 'push']),

  // ---- circuit breakers (one per provider) ----
  BREAKER_VOLUME_THRESHOLD: count(1, 5),
  BREAKER_ERROR_PERCENT: z.coerce.number().min(1).max(100).default(50),
  BREAKER_RESET_MS: count(100, 30000),

  // ---- consumer ----
  CONSUMER_RETRY_DELAYS_MS: millisList.default([1000, 10000, 60000]),
  /** Long enough for one event's fan-out to be written (its notifications commit with its inbox row). */
  CONSUMER_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6000).default(60000),
  CONSUMER_CONCURRENCY: count(1, 3),
  /** How often the queue-lag gauges are refreshed. */
  METRICS_INTERVAL_MS: count(100, 5000),
});

export type NotificationConfig = z.infer<typeof notificationEnv>;

export const loadNotificationConfig = (env: NodeJS.ProcessEnv = process.env): Readonly<NotificationConfig> =>
  loadConfig(notificationEnv, env);
