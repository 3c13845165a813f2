/**
 * Provider sandbox: a local stand-in for Stripe, Twilio, SendGrid, Firebase Cloud Messaging, an SMTP
 * relay, Vonage SMS and a Web Push service that the official SDKs talk to, plus the client factories that point those SDKs at it (or at the real
 * providers) and the webhook signing helpers.
 */
export {
  startSandbox,
  DEFAULT_LIMITS,
  DEFAULT_TIMINGS,
  DEFAULT_WEBHOOK_RETRY,
  type Sandbox,
  type SandboxOptions,
  type SandboxState,
} from './sandbox';
export {
  stripeClient,
  twilioClient,
  sendgridMail,
  fcmMessaging,
  vonageSms,
  webPushAgent,
  type StripeClientOptions,
  type TwilioClientOptions,
  type SendgridMailOptions,
  type FcmMessagingOptions,
  type VonageSmsOptions,
  type WebPushAgentOptions,
} from './clients';
export {
  signStripe,
  signTwilio,
  signSendgrid,
  generateSendgridKeyPair,
  type SendgridKeyPair,
} from './signing';
export type { ApiFaultInput, ApiFaultRule, WebhookFaults } from './faults';
export type { ProviderStats, SandboxStats, WindowCount } from './stats';
export type { DeliveryAttempt, DeliveryRecord, FlushSummary } from './webhooks';
export type {
  BalanceTransaction,
  Charge,
  Dispute,
  PaymentIntent,
  Refund,
  StripeEvent,
  StripeState,
} from './stripe';
export type { TwilioMessageRecord, TwilioMessageResource, TwilioState } from './twilio';
export type { SendgridEvent, SendgridMessage, SendgridState } from './sendgrid';
export type { FcmMessageRecord, FcmState } from './fcm';
export type { SmtpMessage, SmtpState } from './smtp';
export type { VonageMessageRecord, VonageState } from './vonage';
export type { PushSubscriptionJson, WebPushMessageRecord, WebPushState } from './webpush';
export {
  consoleLogger,
  silentLogger,
  type Provider,
  type RateLimit,
  type SandboxLimits,
  type SandboxLogger,
  type SandboxSecrets,
  type SandboxTimings,
  type WebhookProvider,
  type WebhookRetryPolicy,
  type WebhookTargets,
} from './types';
