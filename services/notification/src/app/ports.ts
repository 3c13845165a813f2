import type { Channel, ProviderName } from '../domain';

/** One email to one recipient; `id` is the delivery's id (sent along, so provider reports find it). */
export interface EmailMessage {
  id: string;
  notificationId: string;
  to: string;
  subject: string;
  html: string;
  text: string;
}

export interface SmsMessage {
  id: string;
  notificationId: string;
  /** E.164. */
  to: string;
  text: string;
}

export interface PushMessage {
  id: string;
  notificationId: string;
  deviceId: string;
  /** FCM registration token, or the Web Push endpoint. */
  token: string;
  subscription: { endpoint: string; keys: { p256dh: string; auth: string } } | null;
  title: string;
  body: string;
  data: Record<string, string>;
}

export interface MessageOf {
  email: EmailMessage;
  sms: SmsMessage;
  push: PushMessage;
}

export type SendFailureKind = 'rejected' | 'unavailable' | 'rate_limited';

/** What a provider said about one message of a call. */
export type MessageResult =
  | { id: string; ok: true; externalId: string | null }
  | {
      id: string;
      ok: false;
      failure: SendFailureKind;
      reason: string;
      retryAfterMs?: number;
      /** The device is gone for good (unregistered FCM token, expired Web Push subscription). */
      dropDevice?: boolean;
    };

/**
 * A provider of one channel, behind its official SDK. `send` resolves with one result per message
 * (a refused address is a result, not an error) and rejects only when the call as a whole failed:
 * {@link ProviderUnavailable} (the provider's health: counts for its circuit breaker),
 * {@link ProviderRateLimited} (a 429) or {@link ProviderRefused} (the request itself was refused).
 */
export interface ProviderPort<M extends { id: string }> {
  readonly name: ProviderName;
  readonly channel: Channel;
  /** Messages per API call: SendGrid 1000 personalizations, FCM 500 per sendEach, others 1. */
  readonly maxPerCall: number;
  /** The messages of one call must share their content (one SendGrid request has one body). */
  readonly sameContentPerCall: boolean;
  /** Tokens one call takes from the provider's rate-limit bucket (requests or messages, as the provider counts). */
  cost(call: M[]): number;
  send(call: M[]): Promise<MessageResult[]>;
  close?(): Promise<void>;
}

export class ProviderUnavailable extends Error {
  override readonly name = 'ProviderUnavailable';
}

export class ProviderRateLimited extends Error {
  override readonly name = 'ProviderRateLimited';
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

/** The provider refused the request as a whole (a 4xx): another provider may take the messages. */
export class ProviderRefused extends Error {
  override readonly name = 'ProviderRefused';
}

/** The shared rate limiter of one provider (all replicas). */
export interface ProviderRateLimiter {
  /** Waits until `cost` tokens are available and takes them; resolves with the time waited. */
  take(provider: ProviderName, cost: number, signal?: AbortSignal): Promise<number>;
  /** Stops everyone from taking tokens for `ms` (the provider answered 429 and said when to come back). */
  pause(provider: ProviderName, ms: number): Promise<void>;
}
