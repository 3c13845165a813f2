import { randomUUID } from 'node:crypto';
import { buildEvent, DomainError, type MatchdayEvent } from '@matchday/contracts';

/** Providers that post webhooks to the platform. */
export const PROVIDERS = ['stripe', 'twilio', 'sendgrid'] as const;
export type Provider = (typeof PROVIDERS)[number];
export const isProvider = (p: string): p is Provider => (PROVIDERS as readonly string[]).includes(p);

/** Why a webhook was refused; each is a metric label and a problem type. */
export type RejectionReason = 'signature' | 'timestamp' | 'malformed' | 'not_configured';

const REJECTION_CODES: Record<RejectionReason, string> = {
  signature: 'WEBHOOK_SIGNATURE_INVALID',
  timestamp: 'WEBHOOK_TIMESTAMP_OUT_OF_TOLERANCE',
  malformed: 'WEBHOOK_MALFORMED',
  not_configured: 'WEBHOOK_PROVIDER_NOT_CONFIGURED',
};

/** HTTP status per rejection code: providers retry 5xx, never 4xx. */
export const REJECTION_STATUS: Record<string, number> = {
  WEBHOOK_SIGNATURE_INVALID: 401,
  WEBHOOK_TIMESTAMP_OUT_OF_TOLERANCE: 401,
  WEBHOOK_MALFORMED: 400,
  WEBHOOK_PROVIDER_NOT_CONFIGURED: 503,
};

/** A webhook refused before anything was stored or published. */
export class WebhookRejected extends DomainError {
  constructor(
    readonly provider: Provider,
    readonly reason: RejectionReason,
    message: string,
  ) {
    super(REJECTION_CODES[reason], { provider }, message);
  }
}

/**
 * One verified provider event, ready to be stored and published. A SendGrid post of N events becomes
 * N of these (dedupe is per event).
 */
export interface VerifiedWebhook {
  webhookId: string;
  provider: Provider;
  /** The provider's own identity of the event: Stripe event id, Twilio MessageSid:MessageStatus, SendGrid sg_event_id. */
  dedupeKey: string;
  /** The provider's root object (Kafka key): Stripe payment intent, Twilio MessageSid, SendGrid sg_message_id. */
  rootId: string;
  eventType: string;
  /** The body as received (for SendGrid, the single event as JSON). */
  body: string;
  /** Headers worth keeping with the raw webhook (signature, timestamp, content type, user agent). */
  headers: Record<string, string>;
  receivedAt: string;
  /** The provider.webhooks event published when the webhook is stored for the first time. */
  event: MatchdayEvent;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 100;

/**
 * The payment intent a Stripe object belongs to: the intent itself, or the `payment_intent` that
 * charges, refunds and disputes carry (an id, or an expanded object).
 */
export function paymentIntentOf(object: Json): string | null {
  if (object.object === 'payment_intent' && nonEmpty(object.id)) return object.id;
  const pi = object.payment_intent;
  if (nonEmpty(pi)) return pi;
  if (isObject(pi) && nonEmpty(pi.id)) return pi.id;
  return null;
}

/** When and how a webhook arrived. */
export interface Received {
  receivedAt: Date;
  headers: Record<string, string>;
  /**
   * Set when a stored webhook is published again (admin replay): it keeps its webhook id and gets a
   * fresh event id, so consumers process it again (their effects are idempotent by provider state).
   */
  replay?: { webhookId: string; eventId: string };
}

const idsFor = (at: Received) => {
  const webhookId = at.replay?.webhookId ?? randomUUID();
  return { webhookId, eventId: at.replay?.eventId ?? webhookId };
};

const malformed = (provider: Provider, why: string) => new WebhookRejected(provider, 'malformed', why);

/** A Stripe event (already signature-checked and parsed) as a webhook to store and publish. */
export function stripeWebhook(parsed: unknown, rawBody: string, at: Received): VerifiedWebhook {
  if (!isObject(parsed)) throw malformed('stripe', 'the body is not a Stripe event object');
  const { id, type, created, data } = parsed;
  if (!nonEmpty(id) || !nonEmpty(type) || typeof created !== 'number' || !Number.isInteger(created)) {
    throw malformed('stripe', 'a Stripe event needs id, type and created');
  }
  if (!isObject(data) || !isObject(data.object)) throw malformed('stripe', 'a Stripe event needs data.object');
  const object = data.object;
  const paymentIntentId = paymentIntentOf(object);
  const rootId = paymentIntentId ?? (nonEmpty(object.id) ? object.id : id);
  const { webhookId, eventId } = idsFor(at);
  const receivedAt = at.receivedAt.toISOString();
  const event = buildEvent(
    'stripe.event.v1',
    { webhookId, receivedAt, eventId: id, eventType: type, paymentIntentId, created, object },
    { source: 'webhook-ingest', subject: rootId, id: eventId },
  );
  return { webhookId, provider: 'stripe', dedupeKey: id, rootId, eventType: type, body: rawBody, headers: at.headers, receivedAt, event };
}

/** A Twilio status callback (form fields, signature-checked) as a webhook to store and publish. */
export function twilioWebhook(params: Record<string, string>, rawBody: string, at: Received): VerifiedWebhook {
  const sid = params.MessageSid;
  const status = params.MessageStatus;
  if (!nonEmpty(sid) || !nonEmpty(status)) throw malformed('twilio', 'a status callback needs MessageSid and MessageStatus');
  const { webhookId, eventId } = idsFor(at);
  const receivedAt = at.receivedAt.toISOString();
  const errorCode = params.ErrorCode;
  const event = buildEvent(
    'twilio.message.status.v1',
    { webhookId, receivedAt, messageSid: sid, status, ...(errorCode ? { errorCode } : {}), payload: params },
    { source: 'webhook-ingest', subject: sid, id: eventId },
  );
  return {
    webhookId,
    provider: 'twilio',
    dedupeKey: `${sid}:${status}`,
    rootId: sid,
    eventType: `message.${status}`,
    body: rawBody,
    headers: at.headers,
    receivedAt,
    event,
  };
}

/** A SendGrid Event Webhook post (a JSON array, signature-checked) split into one webhook per event. */
export function sendgridWebhooks(parsed: unknown, at: Received): VerifiedWebhook[] {
  if (!Array.isArray(parsed) || parsed.length === 0) throw malformed('sendgrid', 'the body is not a non-empty array of events');
  if (at.replay && parsed.length !== 1) throw malformed('sendgrid', 'a replay holds exactly one event');
  const receivedAt = at.receivedAt.toISOString();
  return parsed.map((item, i) => {
    if (!isObject(item)) throw malformed('sendgrid', `event ${i} is not an object`);
    const { sg_event_id: sgEventId, sg_message_id: messageId, event: kind, email, timestamp } = item;
    if (!nonEmpty(sgEventId) || !nonEmpty(kind) || typeof email !== 'string' || typeof timestamp !== 'number' || !Number.isInteger(timestamp)) {
      throw malformed('sendgrid', `event ${i} needs sg_event_id, event, email and timestamp`);
    }
    // Some events (e.g. a drop before processing) may lack a message id: key them by their own id.
    const sgMessageId = nonEmpty(messageId) ? messageId : sgEventId;
    const { webhookId, eventId } = idsFor(at);
    const event = buildEvent(
      'sendgrid.event.v1',
      { webhookId, receivedAt, sgEventId, sgMessageId, event: kind, email, timestamp, payload: item },
      { source: 'webhook-ingest', subject: sgMessageId, id: eventId },
    );
    return {
      webhookId,
      provider: 'sendgrid' as const,
      dedupeKey: sgEventId,
      rootId: sgMessageId,
      eventType: kind,
      body: JSON.stringify(item),
      headers: at.headers,
      receivedAt,
      event,
    };
  });
}

/** True when a signed unix timestamp is within `toleranceSec` of `now` (either direction). */
export function withinTolerance(timestampSec: number, now: Date, toleranceSec: number): boolean {
  return Number.isFinite(timestampSec) && Math.abs(now.getTime() / 1000 - timestampSec) <= toleranceSec;
}
