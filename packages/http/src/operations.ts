import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { requireRole } from './roles';
import { parsed, validate } from './validate';

/*
 * The bus as these routes use it. Declared here by shape, so this package stays independent of
 * the bus package; a service passes its QueueManager.
 */

/** An outbox row as operators see it. */
export interface OperationsOutboxEntry {
  seq: string;
  eventId: string;
  type: string;
  topic: string;
  published: boolean;
  createdAt: Date;
}

/** An inbox row: an event a consumer group applied. */
export interface OperationsInboxEntry {
  group: string;
  eventId: string;
  type: string;
  topic: string;
}

export interface OperationsBus {
  deadLetters(group: string, opts: { limit?: number }): Promise<unknown[]>;
  replayDeadLetters(group: string, opts: { limit?: number }): Promise<number>;
  listOutbox(opts: { limit: number; afterSeq?: string }): Promise<OperationsOutboxEntry[]>;
  listInbox(opts: {
    limit: number;
    after?: { group: string; eventId: string };
  }): Promise<OperationsInboxEntry[]>;
  eventCounts(): Promise<{
    outbox: Array<{ type: string; published: boolean; count: number }>;
    inbox: Array<{ group: string; type: string; count: number }>;
  }>;
}

export interface OperationsRoutesOptions {
  bus: OperationsBus;
  /** The service's consumer group. Without one (a service that only produces) the dead-letter routes are not served. */
  group?: string;
  /** Run after the role check and before a replay, e.g. the Idempotency-Key middleware. */
  beforeReplay?: RequestHandler[];
}

const PAGE = z.coerce.number().int().min(1).max(1000).default(100);

/** Inbox cursor: the last row's (group, event id), base64url-encoded JSON. */
const encodeInboxCursor = (e: { group: string; eventId: string }): string =>
  Buffer.from(JSON.stringify([e.group, e.eventId])).toString('base64url');

const inboxCursor = z
  .string()
  .max(1000)
  .transform((raw, ctx) => {
    try {
      const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
      if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string')) {
        return { group: value[0] as string, eventId: value[1] as string };
      }
    } catch {
      // Reported below like any other cursor that is not one of ours.
    }
    ctx.addIssue({ code: 'custom', message: 'unknown cursor; pass nextCursor unchanged' });
    return z.NEVER;
  });

const schemas = {
  deadLetters: { query: z.object({ limit: PAGE }) },
  replay: {
    query: z.object({ limit: z.coerce.number().int().min(1).max(10000).optional() }),
    body: z.object({ limit: z.number().int().min(1).max(10000).optional() }).default({}),
  },
  outbox: {
    query: z.object({
      limit: PAGE,
      after: z
        .string()
        .regex(/^\d{1,19}$/, 'unknown cursor; pass nextCursor unchanged')
        .optional(),
    }),
  },
  inbox: { query: z.object({ limit: PAGE, after: inboxCursor.optional() }) },
};

/**
 * The operations endpoints every service with an event bus serves, behind the gateway's
 * `/v1/admin/{dlq,events/…}/{service}`, with the roles checked again here:
 *
 * - `GET /v1/admin/dlq?limit` (support, admin): the group's dead letters, `{ group, count, deadLetters }`;
 * - `POST /v1/admin/dlq/replay` (admin), `limit` in the body or the query: `{ group, replayed }`;
 * - `GET /v1/admin/events/outbox?limit&after` (support, admin): the outbox, oldest first, `{ items, nextCursor }`;
 * - `GET /v1/admin/events/inbox?limit&after` (support, admin): the inbox by group and event id, `{ items, nextCursor }`;
 * - `GET /v1/admin/events/summary` (support, admin): outbox rows by type and published, inbox rows by group and type.
 *
 * `nextCursor` is null on the last page; pass it unchanged as `after` for the next one.
 */
export function operationsRoutes(options: OperationsRoutesOptions): Router {
  const { bus, group } = options;
  const r = Router();
  const staff = requireRole('admin', 'support');

  if (group !== undefined) {
    r.get('/v1/admin/dlq', staff, validate(schemas.deadLetters), async (_req, res) => {
      const { query } = parsed<typeof schemas.deadLetters>(res);
      const deadLetters = await bus.deadLetters(group, { limit: query.limit });
      res.json({ group, count: deadLetters.length, deadLetters });
    });

    r.post(
      '/v1/admin/dlq/replay',
      requireRole('admin'),
      ...(options.beforeReplay ?? []),
      validate(schemas.replay),
      async (req, res) => {
        const { query, body } = parsed<typeof schemas.replay>(res);
        const limit = body.limit ?? query.limit;
        const replayed = await bus.replayDeadLetters(group, limit !== undefined ? { limit } : {});
        req.log.warn('dead letters replayed', { group, replayed, userId: req.get('x-user-id') });
        res.json({ group, replayed });
      },
    );
  }

  r.get('/v1/admin/events/outbox', staff, validate(schemas.outbox), async (_req, res) => {
    const { query } = parsed<typeof schemas.outbox>(res);
    const rows = await bus.listOutbox({
      limit: query.limit + 1,
      ...(query.after !== undefined && { afterSeq: query.after }),
    });
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    res.json({
      items: page.map((e) => ({
        seq: e.seq,
        eventId: e.eventId,
        type: e.type,
        topic: e.topic,
        published: e.published,
        createdAt: e.createdAt.toISOString(),
      })),
      nextCursor: rows.length > query.limit && last ? last.seq : null,
    });
  });

  r.get('/v1/admin/events/inbox', staff, validate(schemas.inbox), async (_req, res) => {
    const { query } = parsed<typeof schemas.inbox>(res);
    const rows = await bus.listInbox({
      limit: query.limit + 1,
      ...(query.after !== undefined && { after: query.after }),
    });
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    res.json({
      items: page.map((e) => ({ group: e.group, eventId: e.eventId, type: e.type, topic: e.topic })),
      nextCursor: rows.length > query.limit && last ? encodeInboxCursor(last) : null,
    });
  });

  r.get('/v1/admin/events/summary', staff, async (_req, res) => {
    res.json(await bus.eventCounts());
  });

  return r;
}
