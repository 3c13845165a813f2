import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@matchday/observability';
import { Client } from 'pg';
import { OUTBOX_SERVICES, readEvents } from '../src/collect';
import { ApiClient, RequestStats } from '../src/http';

/**
 * When a service's events endpoint does not answer (here: a gateway that does not know the
 * route), the checker reads that service's outbox/inbox table from Postgres instead and says so;
 * without a database URL the events stay unread (UNKNOWN), never judged on part of them.
 */
const databaseUrl = process.env.DATABASE_URL!;
const prefix = `mdfb_${randomUUID().slice(0, 8)}`;
const schemaOf = (service: string) => `${prefix}_${service.replace(/-/g, '_')}`;
const logger = createLogger({ service: 'matchday-test', level: 'error' });
let server: Server;
let staff: ApiClient;
const requested: string[] = [];

beforeAll(async () => {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    for (const service of OUTBOX_SERVICES) {
      const schema = schemaOf(service);
      await db.query(`CREATE SCHEMA "${schema}"`);
      await db.query(
        `CREATE TABLE "${schema}".outbox (seq bigserial PRIMARY KEY, id uuid NOT NULL, topic text NOT NULL, type text NOT NULL, published_at timestamptz)`,
      );
      await db.query(
        `CREATE TABLE "${schema}".inbox (consumer_group text NOT NULL, event_id text NOT NULL, event_type text NOT NULL, topic text NOT NULL, PRIMARY KEY (consumer_group, event_id))`,
      );
    }
    await db.query(
      `INSERT INTO "${schemaOf('booking')}".outbox (id, topic, type, published_at) VALUES ($1, 'booking.events', 'booking.confirmed.v1', now()), ($2, 'booking.events', 'booking.cancelled.v1', NULL)`,
      ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002'],
    );
    await db.query(
      `INSERT INTO "${schemaOf('notification')}".inbox VALUES ('notification', '00000000-0000-4000-8000-000000000001', 'booking.confirmed.v1', 'booking.events')`,
    );
  } finally {
    await db.end();
  }
  server = createServer((req, res) => {
    requested.push(req.url ?? '');
    res.writeHead(404, { 'content-type': 'application/problem+json' });
    res.end(
      JSON.stringify({ type: 'https://matchday.dev/problems/not-found', title: 'Not found', status: 404 }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  staff = new ApiClient({
    baseUrl: `http://127.0.0.1:${port}`,
    stats: new RequestStats(),
    logger,
    token: 'admin-token',
  });
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  for (const service of OUTBOX_SERVICES)
    await db.query(`DROP SCHEMA IF EXISTS "${schemaOf(service)}" CASCADE`);
  await db.end();
});

describe('reading outboxes and inboxes when the events endpoints do not answer', () => {
  it('when a database URL is given, then each table is read from Postgres directly, read-only, and every fallback is reported', async () => {
    requested.length = 0;
    const events = await readEvents(staff, { databaseUrl, schemaOf });
    expect(requested).toContain('/v1/admin/events/outbox/booking?limit=1000');
    expect(requested).toContain('/v1/admin/events/inbox/notification?limit=1000');
    expect(events.outbox).toEqual([
      {
        service: 'booking',
        eventId: '00000000-0000-4000-8000-000000000001',
        type: 'booking.confirmed.v1',
        topic: 'booking.events',
        published: true,
      },
      {
        service: 'booking',
        eventId: '00000000-0000-4000-8000-000000000002',
        type: 'booking.cancelled.v1',
        topic: 'booking.events',
        published: false,
      },
    ]);
    expect(events.inbox).toEqual([
      {
        group: 'notification',
        eventId: '00000000-0000-4000-8000-000000000001',
        type: 'booking.confirmed.v1',
        topic: 'booking.events',
      },
    ]);
    // Six outboxes and five inboxes (webhook-ingest consumes nothing), each a gap naming its fallback.
    expect(events.gaps).toHaveLength(11);
    expect(events.gaps).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^GET /v1/admin/events/outbox/booking: .*404.*; read ${schemaOf('booking')}\\.outbox from Postgres directly instead$`,
        ),
      ),
    );
    expect(events.notes).toEqual([
      expect.stringMatching(
        new RegExp(
          `except ${schemaOf('booking')}\\.outbox, ${schemaOf('booking')}\\.inbox, .* read from Postgres directly, read-only$`,
        ),
      ),
    ]);
  });

  it('when no database URL is given, then outbox and inbox stay unread and the gaps say why', async () => {
    const events = await readEvents(staff, { schemaOf });
    expect(events.outbox).toBeUndefined();
    expect(events.inbox).toBeUndefined();
    expect(events.gaps).toContainEqual(
      expect.stringMatching(/^GET \/v1\/admin\/events\/inbox\/payment: .*404.*; no database URL/),
    );
  });

  it('when a table cannot be read from Postgres either, then outbox and inbox stay unread rather than partly read', async () => {
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    await db.query(`DROP TABLE "${schemaOf('fraud')}".inbox`);
    await db.end();
    const events = await readEvents(staff, { databaseUrl, schemaOf });
    expect(events.outbox).toBeUndefined();
    expect(events.inbox).toBeUndefined();
    expect(events.gaps).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^GET /v1/admin/events/inbox/fraud: .*; ${schemaOf('fraud')}\\.inbox from Postgres: .*does not exist`,
        ),
      ),
    );
  });
});
