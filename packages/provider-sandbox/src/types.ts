/** Shared types of the provider sandbox. */

export type Provider = 'stripe' | 'twilio' | 'sendgrid' | 'fcm' | 'smtp' | 'vonage' | 'webpush';
export const PROVIDERS: readonly Provider[] = [
  'stripe',
  'twilio',
  'sendgrid',
  'fcm',
  'smtp',
  'vonage',
  'webpush',
];

/** Providers that post webhooks back to the platform. */
export type WebhookProvider = 'stripe' | 'twilio' | 'sendgrid';
export const WEBHOOK_PROVIDERS: readonly WebhookProvider[] = ['stripe', 'twilio', 'sendgrid'];

export type WebhookTargets = Partial<Record<WebhookProvider, string>>;

export interface SandboxSecrets {
  /** Secret API key the Stripe SDK sends as `Authorization: Bearer`. */
  stripeApiKey: string;
  /** `whsec_…` secret the webhook receiver verifies `Stripe-Signature` with. */
  stripeWebhookSecret: string;
  /** `AC…` account SID (Basic auth user, and part of every Twilio path). */
  twilioAccountSid: string;
  /** Auth token (Basic auth password, and the key of `X-Twilio-Signature`). */
  twilioAuthToken: string;
  /** `SG.…` API key the SendGrid client sends as `Authorization: Bearer`. */
  sendgridApiKey: string;
  /** PKCS#8 PEM private key (ECDSA P-256) the sandbox signs SendGrid event webhooks with. */
  sendgridPrivateKey: string;
  /** Base64 DER (SPKI) public key, the form SendGrid's settings page shows and `convertPublicKeyToECDSA` accepts. */
  sendgridPublicKey: string;
  /** Firebase project id in `/v1/projects/{id}/messages:send`. */
  fcmProjectId: string;
  /** SMTP AUTH user name of the mail relay. */
  smtpUser: string;
  /** SMTP AUTH password of the mail relay. */
  smtpPassword: string;
  /** Vonage API key (Basic auth user of the SMS API). */
  vonageApiKey: string;
  /** Vonage API secret (Basic auth password of the SMS API). */
  vonageApiSecret: string;
}

/** A fixed-window rate limit: at most `limit` units per `windowMs`. */
export interface RateLimit {
  limit: number;
  windowMs: number;
}

export interface SandboxLimits {
  /** All Stripe API requests of the account. Default 100/s (Stripe's documented live-mode limit). */
  stripe: RateLimit;
  /** Twilio messages per long-code sender (`From` or `MessagingServiceSid`). Default 1/s. */
  twilio: RateLimit;
  /** Twilio messages per short-code sender (a `From` of 5–6 digits). Default 100/s. */
  twilioShortCode: RateLimit;
  /** SendGrid `mail/send` requests of the API key. Default 10,000/s. */
  sendgrid: RateLimit;
  /** FCM messages per project. Default 600,000/min. */
  fcm: RateLimit;
  /** Messages per SMTP AUTH user of the mail relay. Default 100/s. */
  smtp: RateLimit;
  /** Vonage SMS API requests per API key. Default 30/s (Vonage's documented default throughput). */
  vonage: RateLimit;
  /** Web Push requests to the push service (all subscriptions). Default 10,000/s. */
  webpush: RateLimit;
}

export interface SandboxTimings {
  /** Delay before a `pm_card_disputed` payment is disputed (and a `pm_card_bankReversal` one reversed). */
  stripeDisputeAfterMs: number;
  /** Delay between two Twilio status steps (queued → sent → delivered). */
  twilioStatusStepMs: number;
  /** Delay between SendGrid's `processed` and the final event (delivered, bounce, …). */
  sendgridEventDelayMs: number;
  /** SendGrid collects events this long and posts them as one JSON array. */
  sendgridBatchMs: number;
}

export interface WebhookRetryPolicy {
  /** Delay after the first failed attempt; doubles after each further failure. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** Attempts in all (first one included) before a delivery is marked failed. */
  maxAttempts: number;
  /** A receiver that has not answered after this long counts as failed (and is retried). */
  timeoutMs: number;
}

export interface SandboxLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: SandboxLogger = { info: () => {}, warn: () => {}, error: () => {} };

/** JSON-lines logger on stdout, for the CLI. */
export const consoleLogger: SandboxLogger = {
  info: (message, fields) => console.log(JSON.stringify({ level: 'info', message, ...fields })),
  warn: (message, fields) => console.log(JSON.stringify({ level: 'warn', message, ...fields })),
  error: (message, fields) => console.log(JSON.stringify({ level: 'error', message, ...fields })),
};

/** Settings every provider module reads; `webhookTargets` may change at run time. */
export interface SandboxSettings {
  secrets: SandboxSecrets;
  limits: SandboxLimits;
  timings: SandboxTimings;
  webhookRetry: WebhookRetryPolicy;
  webhookTargets: WebhookTargets;
  logger: SandboxLogger;
}
