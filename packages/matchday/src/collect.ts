/**
 * Reads what every service says about itself (admin endpoints through the gateway, with an admin
 * token, the outbox and inbox included) and the provider sandbox's records. Only when a service's
 * events endpoint does not answer are its outbox/inbox tables read straight from Postgres,
 * read-only, and that is reported. Anything that cannot be read becomes a gap, and the invariants
 * that need it are UNKNOWN rather than passing.
 */
import pLimit from 'p-limit';
import { Client } from 'pg';
import { ApiClient, field, itemsOf, listAll } from './http';
import type {
  BookingRecord,
  DeadLetterRecord,
  ExpectedNotification,
  FindingRecord,
  InboxRecord,
  MatchRecord,
  NotificationRecord,
  OutboxRecord,
  PaymentRecord,
  Snapshot,
  StoredWebhook,
} from './invariants';
import type { SandboxControl } from './sandbox';

export interface CollectOptions {
  admin: ApiClient;
  sandbox: SandboxControl;
  /** Only these matches (and their bookings) belong to the run. */
  matchIds: string[];
  /**
   * Operator access to Postgres, the fallback for a service whose outbox/inbox endpoint does not
   * answer; without it such a service leaves the events invariant UNKNOWN.
   */
  databaseUrl?: string;
  /** Schema of a service: `<prefix>_<service>` for an isolated platform. */
  schemaOf: (service: string) => string;
  expectedNotifications?: ExpectedNotification[];
  /** Bookings the run made: read one by one when the admin list endpoint is not there. */
  knownBookingIds?: string[];
}

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
const time = (v: unknown): number | undefined => {
  if (typeof v === 'number') return v < 1e12 ? v * 1000 : v;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
};
/** A field of the object itself or of one of its nested groups (`inventory`, `money`, …). */
const deep = (obj: unknown, groups: string[], ...names: string[]): unknown => {
  const own = field(obj, ...names);
  if (own !== undefined) return own;
  for (const g of groups) {
    const v = field(field(obj, g), ...names);
    if (v !== undefined) return v;
  }
  return undefined;
};

export function toMatch(m: unknown): MatchRecord | undefined {
  const matchId = str(field(m, 'matchId', 'id'));
  const capacity = num(deep(m, ['inventory', 'availability', 'slots'], 'capacity'));
  if (!matchId || capacity === undefined) return undefined;
  const g = ['inventory', 'availability', 'slots', 'counters'];
  const available = num(deep(m, g, 'available', 'availableSlots', 'available_slots'));
  const held = num(deep(m, g, 'held', 'heldSlots', 'held_slots'));
  const confirmed = num(deep(m, g, 'confirmed', 'confirmedSlots', 'confirmed_slots'));
  return {
    matchId,
    capacity,
    ...(available !== undefined && { available }),
    ...(held !== undefined && { held }),
    ...(confirmed !== undefined && { confirmed }),
  };
}

export function toBooking(b: unknown): BookingRecord | undefined {
  const bookingId = str(field(b, 'bookingId', 'id'));
  const status = str(field(b, 'status', 'state'));
  if (!bookingId || !status) return undefined;
  const money = ['money', 'payment', 'ledger'];
  return {
    bookingId,
    matchId: str(field(b, 'matchId', 'match_id')) ?? '',
    userId: str(field(b, 'userId', 'user_id')) ?? '',
    status,
    quantity: num(field(b, 'quantity')) ?? 0,
    amount: num(deep(b, money, 'amount', 'totalAmount')) ?? 0,
    currency: str(deep(b, money, 'currency')) ?? '',
    captured: num(deep(b, money, 'captured', 'capturedAmount', 'amountCaptured')) ?? 0,
    refunded: num(deep(b, money, 'refunded', 'refundedAmount', 'amountRefunded')) ?? 0,
    reversed: num(deep(b, money, 'reversed', 'reversedAmount', 'amountReversed')) ?? 0,
  };
}

export function toPayment(p: unknown): PaymentRecord | undefined {
  const paymentId = str(field(p, 'paymentId', 'id'));
  const bookingId = str(field(p, 'bookingId', 'booking_id'));
  if (!paymentId || !bookingId) return undefined;
  const intentId = str(field(p, 'intentId', 'providerIntentId', 'paymentIntentId', 'stripePaymentIntentId', 'providerPaymentId', 'intent_id'));
  const payerId = str(field(p, 'payerId', 'payer_id'));
  const status = str(field(p, 'status', 'state'));
  const amount = num(field(p, 'amount'));
  const currency = str(field(p, 'currency'));
  return {
    paymentId,
    bookingId,
    ...(intentId && { intentId }),
    ...(payerId && { payerId }),
    ...(status && { status }),
    ...(amount !== undefined && { amount }),
    ...(currency && { currency }),
  };
}

export function toNotification(n: unknown): NotificationRecord | undefined {
  const notificationId = str(field(n, 'notificationId', 'id'));
  const userId = str(field(n, 'userId', 'user_id'));
  if (!notificationId || !userId) return undefined;
  const channel = str(field(n, 'channel')) ?? 'unknown';
  const sourceEventId = str(field(n, 'sourceEventId', 'source_event_id', 'eventId'));
  const sourceEventType = str(field(n, 'sourceEventType', 'source_event_type', 'eventType'));
  const bookingId = str(field(n, 'bookingId', 'booking_id') ?? field(field(n, 'context', 'data'), 'bookingId'));
  const status = str(field(n, 'status'));
  const createdAt = time(field(n, 'createdAt', 'created_at'));
  const sentAt = time(field(n, 'sentAt', 'sent_at', 'acceptedAt'));
  return {
    notificationId,
    userId,
    channel,
    ...(sourceEventId && { sourceEventId }),
    ...(sourceEventType && { sourceEventType }),
    ...(bookingId && { bookingId }),
    ...(status && { status }),
    ...(createdAt !== undefined && { createdAt }),
    ...(sentAt !== undefined && { sentAt }),
  };
}

export function toFinding(f: unknown): FindingRecord | undefined {
  const findingId = str(field(f, 'findingId', 'id'));
  if (!findingId) return undefined;
  const bookingId = str(field(f, 'bookingId', 'booking_id'));
  const intentId = str(field(f, 'intentId', 'intent_id'));
  const detail = str(field(f, 'detail'));
  const action = field(f, 'autoAction', 'auto_action');
  const autoAction = typeof action === 'string' ? action : action && typeof action === 'object' ? str(field(action, 'kind', 'type')) ?? JSON.stringify(action) : undefined;
  return {
    findingId,
    kind: str(field(f, 'kind')) ?? 'unknown',
    status: (str(field(f, 'status', 'state')) ?? 'open').toLowerCase(),
    ...(bookingId && { bookingId }),
    ...(intentId && { intentId }),
    ...(detail && { detail }),
    ...(autoAction && { autoAction }),
  };
}

export const CONSUMING_SERVICES = ['booking', 'payment', 'notification', 'fraud', 'reconciliation'] as const;
export const OUTBOX_SERVICES = ['booking', 'payment', 'notification', 'fraud', 'reconciliation', 'webhook-ingest'] as const;

/** Reads one item per request: each may retry only briefly, or a dead upstream would stall the whole read. */
const bulk = (staff: ApiClient) => staff.with({ retryForMs: 5000 });

export type EventTable = 'outbox' | 'inbox';

const toOutbox = (service: string, e: unknown): OutboxRecord | undefined => {
  const eventId = str(field(e, 'eventId', 'id'));
  const type = str(field(e, 'type', 'eventType'));
  const topic = str(field(e, 'topic'));
  const published = field(e, 'published');
  return eventId && type && topic && typeof published === 'boolean' ? { service, eventId, type, topic, published } : undefined;
};

const toInbox = (e: unknown): InboxRecord | undefined => {
  const group = str(field(e, 'group', 'consumerGroup'));
  const eventId = str(field(e, 'eventId'));
  const type = str(field(e, 'type', 'eventType'));
  const topic = str(field(e, 'topic'));
  return group && eventId && type && topic ? { group, eventId, type, topic } : undefined;
};

/**
 * Every row of a service's outbox or inbox, through the gateway
 * (`GET /v1/admin/events/{table}/{service}?limit&after`), following `nextCursor` to the last page.
 */
export async function readEventsApi(staff: ApiClient, table: 'outbox', service: string): Promise<OutboxRecord[]>;
export async function readEventsApi(staff: ApiClient, table: 'inbox', service: string): Promise<InboxRecord[]>;
export async function readEventsApi(staff: ApiClient, table: EventTable, service: string): Promise<Array<OutboxRecord | InboxRecord>> {
  const out: Array<OutboxRecord | InboxRecord> = [];
  let after: string | undefined;
  for (;;) {
    const path = `/v1/admin/events/${table}/${encodeURIComponent(service)}?limit=1000${after ? `&after=${encodeURIComponent(after)}` : ''}`;
    const body = await staff.expect<unknown>([200], 'GET', path);
    const items = itemsOf(body, 'items');
    for (const item of items) {
      const rec = table === 'outbox' ? toOutbox(service, item) : toInbox(item);
      if (!rec) throw new Error(`GET ${path}: unreadable ${table} row ${JSON.stringify(item).slice(0, 200)}`);
      out.push(rec);
    }
    const next = field<string>(body, 'nextCursor');
    if (!next || items.length === 0 || next === after) return out;
    after = next;
  }
}

/** One service's outbox or inbox table straight from Postgres, read-only: the fallback for an endpoint that does not answer. */
export async function readEventTable(databaseUrl: string, schema: string, service: string, table: EventTable): Promise<Array<OutboxRecord | InboxRecord>> {
  const client = new Client({ connectionString: databaseUrl, application_name: 'matchday-invariants' });
  await client.connect();
  try {
    await client.query('SET default_transaction_read_only = on');
    if (table === 'outbox') {
      const { rows } = await client.query<{ id: string; topic: string; type: string; published: boolean }>(
        `SELECT id::text, topic, type, published_at IS NOT NULL AS published FROM "${schema}".outbox`,
      );
      return rows.map((r) => ({ service, eventId: r.id, type: r.type, topic: r.topic, published: r.published }));
    }
    const { rows } = await client.query<{ consumer_group: string; event_id: string; event_type: string; topic: string }>(
      `SELECT consumer_group, event_id, event_type, topic FROM "${schema}".inbox`,
    );
    return rows.map((r) => ({ group: r.consumer_group, eventId: r.event_id, type: r.event_type, topic: r.topic }));
  } finally {
    await client.end();
  }
}

/**
 * The outbox of every service and the inbox of every consuming one, through their endpoints. A
 * service whose endpoint does not answer is read from Postgres instead (a gap says so); one that
 * cannot be read either way leaves outbox/inbox undefined, so the events invariant is UNKNOWN
 * rather than judged on part of the events.
 */
export async function readEvents(
  staff: ApiClient,
  opts: { databaseUrl?: string; schemaOf: (service: string) => string },
): Promise<{ outbox?: OutboxRecord[]; inbox?: InboxRecord[]; gaps: string[]; notes: string[] }> {
  const admin = bulk(staff);
  const outbox: OutboxRecord[] = [];
  const inbox: InboxRecord[] = [];
  const gaps: string[] = [];
  const direct: string[] = [];
  let complete = true;
  const read = async (service: string, table: EventTable): Promise<void> => {
    const into = (rows: Array<OutboxRecord | InboxRecord>) => {
      if (table === 'outbox') outbox.push(...(rows as OutboxRecord[]));
      else inbox.push(...(rows as InboxRecord[]));
    };
    const endpoint = `GET /v1/admin/events/${table}/${service}`;
    try {
      into(table === 'outbox' ? await readEventsApi(admin, 'outbox', service) : await readEventsApi(admin, 'inbox', service));
      return;
    } catch (e) {
      const schema = opts.schemaOf(service);
      if (!opts.databaseUrl) {
        complete = false;
        gaps.push(`${endpoint}: ${(e as Error).message}; no database URL (--database-url) to read ${schema}.${table} instead`);
        return;
      }
      try {
        into(await readEventTable(opts.databaseUrl, schema, service, table));
        direct.push(`${schema}.${table}`);
        gaps.push(`${endpoint}: ${(e as Error).message}; read ${schema}.${table} from Postgres directly instead`);
      } catch (db) {
        complete = false;
        gaps.push(`${endpoint}: ${(e as Error).message}; ${schema}.${table} from Postgres: ${(db as Error).message}`);
      }
    }
  };
  for (const service of OUTBOX_SERVICES) {
    await read(service, 'outbox');
    if (service !== 'webhook-ingest') await read(service, 'inbox');
  }
  const notes = [
    direct.length === 0
      ? 'outbox/inbox: each service\'s GET /v1/admin/events/{outbox,inbox} through the gateway'
      : `outbox/inbox: each service's events endpoints through the gateway, except ${direct.join(', ')} read from Postgres directly, read-only`,
  ];
  return { ...(complete && { outbox, inbox }), gaps, notes };
}

/**
 * The run's bookings: `GET /v1/admin/bookings?matchId=` per match; where that list endpoint does
 * not answer, each booking the run knows is read with `GET /v1/admin/bookings/{id}` (the gap is
 * reported, since bookings the runner never saw then go unchecked).
 */
export async function readBookings(staff: ApiClient, matchIds: string[], knownIds: string[]): Promise<{ bookings: BookingRecord[]; gap?: string }> {
  const admin = bulk(staff);
  const byId = new Map<string, BookingRecord>();
  let gap: string | undefined;
  for (const id of matchIds) {
    try {
      for (const b of await listAll(admin, `/v1/admin/bookings?matchId=${encodeURIComponent(id)}`, ['bookings'])) {
        const rec = toBooking(b);
        if (rec) byId.set(rec.bookingId, rec);
      }
    } catch (e) {
      gap = `GET /v1/admin/bookings?matchId= (list of a match's bookings with money fields): ${(e as Error).message}; read the run's ${knownIds.length} bookings one by one instead`;
      break;
    }
  }
  if (gap) {
    const limit = pLimit(8);
    await Promise.all(
      knownIds.map((id) =>
        limit(async () => {
          const res = await admin.get<unknown>(`/v1/admin/bookings/${encodeURIComponent(id)}`);
          const rec = res.status === 200 ? toBooking(field(res.body, 'booking') ?? res.body) : undefined;
          if (rec) byId.set(rec.bookingId, rec);
        }),
      ),
    );
  }
  return { bookings: [...byId.values()], ...(gap && { gap }) };
}

/** The payment service's records of each booking: `GET /v1/admin/payments?bookingId=` (the list has no cursor). */
export async function readPayments(staff: ApiClient, bookingIds: string[]): Promise<PaymentRecord[]> {
  const admin = bulk(staff);
  const limit = pLimit(8);
  const out: PaymentRecord[] = [];
  await Promise.all(
    bookingIds.map((bookingId) =>
      limit(async () => {
        const body = await admin.expect<unknown>([200], 'GET', `/v1/admin/payments?bookingId=${encodeURIComponent(bookingId)}&limit=200`);
        for (const p of itemsOf(body, 'payments')) {
          const rec = toPayment({ bookingId, ...(p as object) });
          if (rec) out.push(rec);
        }
      }),
    ),
  );
  return out;
}

/** Every notification of the run's users: `GET /v1/admin/notifications?userId=` per user (the endpoint lists one user's). */
export async function readNotifications(staff: ApiClient, userIds: string[]): Promise<NotificationRecord[]> {
  const admin = bulk(staff);
  const limit = pLimit(8);
  const out: NotificationRecord[] = [];
  await Promise.all(
    userIds.map((userId) =>
      limit(async () => {
        const body = await admin.expect<unknown>([200], 'GET', `/v1/admin/notifications?userId=${encodeURIComponent(userId)}&limit=200`);
        for (const n of itemsOf(body, 'notifications')) {
          const rec = toNotification({ userId, ...(n as object) });
          if (rec) out.push(rec);
        }
      }),
    ),
  );
  return out;
}

async function attempt<T>(what: string, gaps: string[], fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    gaps.push(`${what}: ${(e as Error).message}`);
    return undefined;
  }
}

/** Everything the invariants look at, read now. */
export async function collectSnapshot(opts: CollectOptions): Promise<Snapshot> {
  const { admin } = opts;
  const started = Date.now();
  const gaps: string[] = [];
  const notes: string[] = ['services: their admin endpoints through the gateway (admin token)', 'provider: the sandbox control API (/__sandbox/state)'];
  const wanted = new Set(opts.matchIds);

  const matches: MatchRecord[] = [];
  for (const id of opts.matchIds) {
    const m = await attempt(`GET /v1/admin/matches/${id}`, gaps, () => admin.expect<unknown>([200], 'GET', `/v1/admin/matches/${encodeURIComponent(id)}`));
    const rec = m === undefined ? undefined : toMatch(field(m, 'match') ?? m);
    if (m !== undefined && !rec) gaps.push(`GET /v1/admin/matches/${id}: no matchId/capacity in ${JSON.stringify(m).slice(0, 200)}`);
    if (rec) matches.push(rec);
  }

  const { bookings, gap } = await readBookings(admin, opts.matchIds, opts.knownBookingIds ?? []);
  if (gap) gaps.push(gap);
  const bookingIds = new Set(bookings.map((b) => b.bookingId));

  const payments = await attempt('GET /v1/admin/payments?bookingId=', gaps, () => readPayments(admin, [...bookingIds]));

  const users = new Set(bookings.map((b) => b.userId));
  for (const e of opts.expectedNotifications ?? []) users.add(e.userId);
  const notifications = (await attempt('GET /v1/admin/notifications?userId=', gaps, () => readNotifications(admin, [...users])))?.filter((n) => users.has(n.userId));

  const findings = (await attempt('GET /v1/admin/reconciliation/findings', gaps, () => listAll(admin, '/v1/admin/reconciliation/findings?status=all', ['findings'])))
    ?.map(toFinding)
    .filter((f): f is FindingRecord => f !== undefined && (!f.bookingId || bookingIds.has(f.bookingId)));

  let deadLetters: DeadLetterRecord[] | undefined = [];
  for (const service of CONSUMING_SERVICES) {
    const body = await attempt(`GET /v1/admin/dlq/${service}`, gaps, () => admin.expect<unknown>([200], 'GET', `/v1/admin/dlq/${service}?limit=1000`));
    if (body === undefined) {
      deadLetters = undefined;
      continue;
    }
    for (const d of itemsOf(body, 'deadLetters', 'messages')) {
      const eventId = str(field(d, 'eventId'));
      const eventType = str(field(d, 'eventType'));
      const error = str(field(d, 'error'));
      deadLetters?.push({ group: service, ...(eventId && { eventId }), ...(eventType && { eventType }), ...(error && { error }) });
    }
  }

  const webhooks = (await attempt('GET /v1/admin/webhooks', gaps, () => listAll(admin, '/v1/admin/webhooks', ['webhooks'], 1_000_000)))?.flatMap((w): StoredWebhook[] => {
    const provider = str(field(w, 'provider'));
    const dedupeKey = str(field(w, 'dedupeKey', 'dedupe_key'));
    return provider && dedupeKey ? [{ provider, dedupeKey }] : [];
  });

  const sandbox = await attempt('sandbox state', gaps, () => opts.sandbox.state());

  const events = await readEvents(admin, { ...(opts.databaseUrl && { databaseUrl: opts.databaseUrl }), schemaOf: opts.schemaOf });
  const { outbox, inbox } = events;
  gaps.push(...events.gaps);
  notes.push(...events.notes);

  notes.push(`snapshot read in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return {
    matches: matches.filter((m) => wanted.has(m.matchId)),
    bookings,
    ...(payments && { payments }),
    ...(notifications && { notifications }),
    ...(findings && { findings }),
    ...(outbox && { outbox }),
    ...(inbox && { inbox }),
    ...(deadLetters && { deadLetters }),
    ...(webhooks && { webhooks }),
    ...(sandbox && { sandbox }),
    ...(opts.expectedNotifications && { expectedNotifications: opts.expectedNotifications }),
    notes,
    gaps,
  };
}
