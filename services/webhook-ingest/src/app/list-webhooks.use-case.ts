import type { StoredWebhook, WebhookRepository } from '../db/webhook.repository';
import type { Provider } from '../domain/webhook';

export interface ListWebhooksQuery {
  provider?: Provider;
  since?: Date;
  /** Opaque cursor from the previous page. */
  cursor?: string;
  limit: number;
}

export interface WebhookPage {
  items: StoredWebhook[];
  nextCursor: string | null;
}

const encode = (w: StoredWebhook) => Buffer.from(JSON.stringify([w.receivedAt.toISOString(), w.id])).toString('base64url');

function decode(cursor: string): { receivedAt: Date; id: string } | undefined {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const receivedAt = new Date(at);
    return Number.isNaN(receivedAt.getTime()) || typeof id !== 'string' ? undefined : { receivedAt, id };
  } catch {
    return undefined;
  }
}

/** Stored webhooks in the order received, page by page (support and audit). */
export function makeListWebhooks(deps: { webhooks: WebhookRepository }) {
  return async function listWebhooks(query: ListWebhooksQuery): Promise<WebhookPage> {
    const after = query.cursor ? decode(query.cursor) : undefined;
    const items = await deps.webhooks.list({
      ...(query.provider ? { provider: query.provider } : {}),
      ...(query.since ? { since: query.since } : {}),
      ...(after ? { after } : {}),
      limit: query.limit + 1,
    });
    const page = items.slice(0, query.limit);
    const last = page[page.length - 1];
    return { items: page, nextCursor: items.length > query.limit && last ? encode(last) : null };
  };
}
