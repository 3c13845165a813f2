import { counter, histogram, type Logger } from '@matchday/observability';
import type { SignatureVerifiers } from '../adapters/signatures';
import type { StoreOutcome } from '../db/webhook.repository';
import {
  sendgridWebhooks,
  stripeWebhook,
  twilioWebhook,
  WebhookRejected,
  type Provider,
  type RejectionReason,
  type VerifiedWebhook,
} from '../domain/webhook';
import type { GroupCommitter } from './group-commit';

/** What the HTTP adapter hands over: the body exactly as received, and how to read headers. */
export interface IncomingWebhook {
  rawBody: Buffer;
  /** The body as the JSON parser already read it, when the content type was JSON. */
  parsedBody?: unknown;
  header(name: string): string | undefined;
  /** Path and query as requested (Twilio signs the full URL). */
  originalUrl: string;
}

export interface ReceiveResult {
  /** Events stored for the first time (and queued for publishing). */
  stored: number;
  /** Events seen before: acknowledged, not stored or published again. */
  duplicates: number;
}

export const received = counter({
  name: 'webhook_received_total',
  help: 'Provider events received, by outcome: stored (first delivery), duplicate, rejected',
  labelNames: ['provider', 'outcome'],
});
export const rejected = counter({
  name: 'webhook_rejected_total',
  help: 'Webhooks refused before anything was stored or published, by reason (signature, timestamp, malformed, not_configured)',
  labelNames: ['provider', 'reason'],
});
const ackDuration = histogram({
  name: 'webhook_ack_duration_seconds',
  help: 'From the body being read to the webhook being durable (verified, stored, outbox written)',
  labelNames: ['provider'],
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
});

/** Headers kept with the stored webhook (signatures and timestamps, for audit). */
const KEPT_HEADERS = [
  'content-type',
  'user-agent',
  'stripe-signature',
  'x-twilio-signature',
  'i-twilio-idempotency-token',
  'x-twilio-email-event-webhook-signature',
  'x-twilio-email-event-webhook-timestamp',
];

export interface ReceiveWebhookDeps {
  verifiers: SignatureVerifiers;
  committer: GroupCommitter<VerifiedWebhook, StoreOutcome>;
  /** Public origin providers post to (Twilio's signed URL is rebuilt from it). */
  publicUrl: string;
  clock: () => Date;
  logger: Logger;
}

/** Counts and logs a refusal; the caller rethrows it for the problem+json answer. */
export function recordRejection(logger: Logger, provider: Provider, reason: RejectionReason, detail: string): void {
  rejected.inc({ provider, reason });
  received.inc({ provider, outcome: 'rejected' });
  logger.warn('webhook rejected', { provider, reason, detail });
}

function jsonOf(provider: Provider, incoming: IncomingWebhook): unknown {
  const parsed = incoming.parsedBody;
  if (parsed !== undefined && !Buffer.isBuffer(parsed) && typeof parsed === 'object') return parsed;
  try {
    return JSON.parse(incoming.rawBody.toString('utf8'));
  } catch {
    throw new WebhookRejected(provider, 'malformed', 'the body is not valid JSON');
  }
}

/**
 * Receives one provider webhook: verifies its signature and timestamp on the raw body, turns it into
 * provider events, and stores them (with their outbox events) through the group commit. Resolves
 * only once they are durable; a refused webhook throws WebhookRejected and nothing is stored.
 */
export function makeReceiveWebhook(deps: ReceiveWebhookDeps) {
  const origin = deps.publicUrl.replace(/\/+$/, '');

  const verify = (provider: Provider, incoming: IncomingWebhook, now: Date): VerifiedWebhook[] => {
    const headers: Record<string, string> = {};
    for (const name of KEPT_HEADERS) {
      const value = incoming.header(name);
      if (value !== undefined) headers[name] = value;
    }
    const at = { receivedAt: now, headers };
    switch (provider) {
      case 'stripe': {
        deps.verifiers.stripe(incoming.rawBody, incoming.header('stripe-signature'), now);
        return [stripeWebhook(jsonOf(provider, incoming), incoming.rawBody.toString('utf8'), at)];
      }
      case 'twilio': {
        const params = deps.verifiers.twilio(incoming.rawBody, incoming.header('x-twilio-signature'), origin + incoming.originalUrl);
        return [twilioWebhook(params, incoming.rawBody.toString('utf8'), at)];
      }
      case 'sendgrid': {
        deps.verifiers.sendgrid(
          incoming.rawBody,
          incoming.header('x-twilio-email-event-webhook-signature'),
          incoming.header('x-twilio-email-event-webhook-timestamp'),
          now,
        );
        return sendgridWebhooks(jsonOf(provider, incoming), at);
      }
    }
  };

  return async function receiveWebhook(provider: Provider, incoming: IncomingWebhook): Promise<ReceiveResult> {
    const started = process.hrtime.bigint();
    let webhooks: VerifiedWebhook[];
    try {
      webhooks = verify(provider, incoming, deps.clock());
    } catch (err) {
      if (err instanceof WebhookRejected) recordRejection(deps.logger, provider, err.reason, err.message);
      throw err;
    }
    const outcomes = await deps.committer.submit(webhooks);
    const stored = outcomes.filter((o) => o === 'stored').length;
    const duplicates = outcomes.length - stored;
    if (stored > 0) received.inc({ provider, outcome: 'stored' }, stored);
    if (duplicates > 0) received.inc({ provider, outcome: 'duplicate' }, duplicates);
    ackDuration.observe({ provider }, Number(process.hrtime.bigint() - started) / 1e9);
    return { stored, duplicates };
  };
}

export type ReceiveWebhook = ReturnType<typeof makeReceiveWebhook>;
