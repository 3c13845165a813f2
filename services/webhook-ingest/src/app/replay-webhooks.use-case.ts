import { randomUUID } from 'node:crypto';
import { DomainError } from '@matchday/contracts';
import { counter, type Logger } from '@matchday/observability';
import type { StoredWebhook, WebhookRepository } from '../db/webhook.repository';
import { sendgridWebhooks, stripeWebhook, twilioWebhook, type Provider, type VerifiedWebhook } from '../domain/webhook';

export interface ReplayRequest {
  ids?: string[];
  since?: Date;
  provider?: Provider;
  /** Most webhooks replayed by one request. */
  limit: number;
}

const replayed = counter({
  name: 'webhook_replayed_total',
  help: 'Stored webhooks published again by an admin replay',
  labelNames: ['provider'],
});
const replayFailures = counter({
  name: 'webhook_replay_failures_total',
  help: 'Stored webhooks an admin replay could not rebuild (logged with their id)',
  labelNames: ['provider'],
});

const PAGE = 500;

/** Rebuilds the provider.webhooks event of a stored webhook: same webhook id, fresh event id. */
function rebuild(w: StoredWebhook): VerifiedWebhook {
  const at = { receivedAt: w.receivedAt, headers: w.headers, replay: { webhookId: w.id, eventId: randomUUID() } };
  switch (w.provider) {
    case 'stripe':
      return stripeWebhook(JSON.parse(w.body), w.body, at);
    case 'twilio':
      return twilioWebhook(Object.fromEntries(new URLSearchParams(w.body)), w.body, at);
    case 'sendgrid':
      return sendgridWebhooks([JSON.parse(w.body)], at)[0]!;
  }
}

/**
 * Publishes stored webhooks again (by id, or everything received since a time), in the order they
 * were received. Each replay carries a new event id, so consumers apply it again; they are
 * idempotent on the provider's state (payment re-reads the intent), so a replay heals, never doubles.
 */
export function makeReplayWebhooks(deps: { webhooks: WebhookRepository; logger: Logger }) {
  return async function replayWebhooks(request: ReplayRequest): Promise<{ replayed: number; ids: string[] }> {
    if (!request.ids?.length && !request.since) {
      throw new DomainError('REPLAY_SELECTION_REQUIRED', {}, 'give ids or since to choose what to replay');
    }
    const ids: string[] = [];
    let after: { receivedAt: Date; id: string } | undefined;
    while (ids.length < request.limit) {
      const page = await deps.webhooks.list({
        ...(request.ids ? { ids: request.ids } : {}),
        ...(request.since ? { since: request.since } : {}),
        ...(request.provider ? { provider: request.provider } : {}),
        ...(after ? { after } : {}),
        limit: Math.min(PAGE, request.limit - ids.length),
      });
      if (page.length === 0) break;
      const events: VerifiedWebhook['event'][] = [];
      const pageIds: string[] = [];
      for (const w of page) {
        try {
          events.push(rebuild(w).event);
          pageIds.push(w.id);
          replayed.inc({ provider: w.provider });
        } catch (err) {
          replayFailures.inc({ provider: w.provider });
          deps.logger.error('stored webhook could not be replayed', { webhookId: w.id, provider: w.provider, err });
        }
      }
      await deps.webhooks.replay(pageIds, events);
      ids.push(...pageIds);
      const last = page[page.length - 1]!;
      after = { receivedAt: last.receivedAt, id: last.id };
      if (page.length < PAGE) break;
    }
    deps.logger.info('webhooks replayed', { count: ids.length });
    return { replayed: ids.length, ids };
  };
}
