import express from 'express';
import { metricsText } from '@matchday/observability';
import request from 'supertest';
import {
  createHttpApp,
  operationsRoutes,
  rolesOf,
  type OperationsBus,
  type OperationsRoutesOptions,
} from '../src';
import { capturingLogger } from './helpers';

/**
 * The bus as the routes see it, over arrays: keyset pages in the order the real listings use
 * (seq; group then event id), and a record of what was asked of it.
 */
function arrayBus() {
  const outbox = Array.from({ length: 5 }, (_, i) => ({
    seq: String(i + 1),
    eventId: `e${i + 1}`,
    type: i % 2 === 0 ? 'booking.confirmed.v1' : 'hold.expired.v1',
    topic: 'booking.events',
    published: i < 3,
    createdAt: new Date(Date.UTC(2026, 5, 1, 12, 0, i)),
  }));
  const inbox = [
    { group: 'booking', eventId: 'p1', type: 'payment.succeeded.v1', topic: 'payment.events' },
    { group: 'booking', eventId: 'p2', type: 'payment.failed.v1', topic: 'payment.events' },
    { group: 'booking', eventId: 'p3', type: 'payment.succeeded.v1', topic: 'payment.events' },
  ];
  const calls: Array<[string, unknown]> = [];
  const bus: OperationsBus = {
    deadLetters: async (group, opts) => {
      calls.push(['deadLetters', { group, ...opts }]);
      return [
        {
          partition: 0,
          offset: '3',
          key: 'b1',
          eventId: 'x1',
          eventType: 'payment.succeeded.v1',
          attempt: 4,
          error: 'unknown booking',
        },
      ];
    },
    replayDeadLetters: async (group, opts) => {
      calls.push(['replayDeadLetters', { group, ...opts }]);
      return 1;
    },
    listOutbox: async ({ limit, afterSeq }) => {
      calls.push(['listOutbox', { limit, afterSeq }]);
      return outbox.filter((e) => afterSeq === undefined || BigInt(e.seq) > BigInt(afterSeq)).slice(0, limit);
    },
    listInbox: async ({ limit, after }) => {
      calls.push(['listInbox', { limit, after }]);
      const key = (e: { group: string; eventId: string }) => `${e.group}\u0000${e.eventId}`;
      return inbox.filter((e) => after === undefined || key(e) > key(after)).slice(0, limit);
    },
    eventCounts: async () => ({
      outbox: [
        { type: 'booking.confirmed.v1', published: true, count: 3 },
        { type: 'hold.expired.v1', published: false, count: 2 },
      ],
      inbox: [
        { group: 'booking', type: 'payment.failed.v1', count: 1 },
        { group: 'booking', type: 'payment.succeeded.v1', count: 2 },
      ],
    }),
  };
  return { bus, calls };
}

function build(options: Partial<OperationsRoutesOptions> = {}) {
  const log = capturingLogger('debug');
  const { bus, calls } = arrayBus();
  const app = createHttpApp({
    serviceName: 'operations-test',
    logger: log.logger,
    routes: (a) => a.use(operationsRoutes({ bus, group: 'booking', ...options })),
  });
  return { app, calls, ...log };
}

const admin = { 'X-User-Id': 'ops-1', 'X-User-Roles': 'admin' };
const support = { 'X-User-Id': 'sup-1', 'X-User-Roles': 'support' };
const fan = { 'X-User-Id': 'fan-1', 'X-User-Roles': 'fan' };

describe('who may use the operations endpoints', () => {
  it.each([
    ['GET', '/v1/admin/dlq'],
    ['POST', '/v1/admin/dlq/replay'],
    ['GET', '/v1/admin/events/outbox'],
    ['GET', '/v1/admin/events/inbox'],
    ['GET', '/v1/admin/events/summary'],
  ])(
    'when %s %s comes without the caller’s identity, then it is refused with a 401 problem and a log line',
    async (method, path) => {
      const { app, lines, settle, calls } = build();
      const res = await request(app)[method === 'GET' ? 'get' : 'post'](path).set('X-User-Roles', 'admin');
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({
        type: 'https://matchday.dev/problems/unauthenticated',
        status: 401,
        instance: path,
      });
      expect(calls).toEqual([]);
      await settle();
      expect(lines).toContainEqual(
        expect.objectContaining({ level: 'warn', msg: 'admin request refused: no caller identity', path }),
      );
    },
  );

  it('when a fan reads them, then each is refused with a 403 problem naming the roles, and the refusal is logged and counted', async () => {
    const { app, lines, settle, calls } = build();
    for (const path of [
      '/v1/admin/dlq',
      '/v1/admin/events/outbox',
      '/v1/admin/events/inbox',
      '/v1/admin/events/summary',
    ]) {
      const res = await request(app).get(path).set(fan);
      expect(res.status).toBe(403);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({
        type: 'https://matchday.dev/problems/forbidden',
        detail: 'This route needs one of the roles: admin, support.',
      });
    }
    expect(calls).toEqual([]);
    await settle();
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        msg: 'admin request refused: missing role',
        userId: 'fan-1',
        required: ['admin', 'support'],
      }),
    );
    expect(await metricsText()).toMatch(
      /http_server_problems_total\{problem_type="forbidden",http_response_status_code="403"\} [1-9]/,
    );
  });

  it('when support asks for a replay, then only admin may: 403, and nothing is replayed', async () => {
    const { app, calls } = build();
    const res = await request(app).post('/v1/admin/dlq/replay').set(support).send({});
    expect(res.status).toBe(403);
    expect(res.body.detail).toBe('This route needs one of the roles: admin.');
    expect(calls).toEqual([]);
  });

  it('when the roles header has spaces and capitals, then the roles are still recognised', async () => {
    const app = express().get('/roles', (req, res) => {
      res.json([...rolesOf(req)]);
    });
    expect((await request(app).get('/roles').set('X-User-Roles', ' Support , admin,,')).body).toEqual([
      'support',
      'admin',
    ]);
  });
});

describe('dead letters', () => {
  it('when staff list them, then every service answers { group, count, deadLetters } with the limit passed on', async () => {
    const { app, calls } = build();
    const res = await request(app).get('/v1/admin/dlq?limit=5').set(support).expect(200);
    expect(res.body).toEqual({
      group: 'booking',
      count: 1,
      deadLetters: [expect.objectContaining({ eventId: 'x1', error: 'unknown booking' })],
    });
    expect(calls).toEqual([['deadLetters', { group: 'booking', limit: 5 }]]);
  });

  it('when an admin replays them, then { group, replayed } comes back, the limit is read from the body or else the query, and the replay is logged', async () => {
    const { app, calls, lines, settle } = build();
    expect(
      (await request(app).post('/v1/admin/dlq/replay').set(admin).send({ limit: 7 }).expect(200)).body,
    ).toEqual({ group: 'booking', replayed: 1 });
    await request(app).post('/v1/admin/dlq/replay?limit=9').set(admin).expect(200);
    await request(app).post('/v1/admin/dlq/replay').set(admin).expect(200);
    expect(calls).toEqual([
      ['replayDeadLetters', { group: 'booking', limit: 7 }],
      ['replayDeadLetters', { group: 'booking', limit: 9 }],
      ['replayDeadLetters', { group: 'booking' }],
    ]);
    await settle();
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        msg: 'dead letters replayed',
        group: 'booking',
        replayed: 1,
        userId: 'ops-1',
      }),
    );
  });

  it('when the limit is out of range, then a 400 problem names the field and nothing is read', async () => {
    const { app, calls } = build();
    const list = await request(app).get('/v1/admin/dlq?limit=0').set(admin);
    expect(list.status).toBe(400);
    expect(list.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(list.body.errors).toEqual([expect.objectContaining({ path: 'query.limit' })]);
    const replay = await request(app).post('/v1/admin/dlq/replay').set(admin).send({ limit: 'all' });
    expect(replay.status).toBe(400);
    expect(replay.body.errors).toEqual([expect.objectContaining({ path: 'body.limit' })]);
    expect(calls).toEqual([]);
  });

  it('when the service needs something more before a replay (an Idempotency-Key), then it runs after the role check', async () => {
    const seen: string[] = [];
    const { app, calls } = build({
      beforeReplay: [
        (req, _res, next) => {
          seen.push(req.get('x-user-id') ?? '');
          next();
        },
      ],
    });
    await request(app).post('/v1/admin/dlq/replay').set(fan).expect(403);
    await request(app).post('/v1/admin/dlq/replay').set(admin).expect(200);
    expect(seen).toEqual(['ops-1']);
    expect(calls).toHaveLength(1);
  });

  it('when the service has no consumer group, then there are no dead-letter routes but the event listings are served', async () => {
    const { app } = build({ group: undefined });
    expect((await request(app).get('/v1/admin/dlq').set(admin)).status).toBe(404);
    expect((await request(app).post('/v1/admin/dlq/replay').set(admin)).status).toBe(404);
    expect((await request(app).get('/v1/admin/events/outbox').set(admin)).status).toBe(200);
  });
});

describe('outbox and inbox', () => {
  it('when the outbox is read page by page, then each row comes once, in order, with its state, and the last page has no next cursor', async () => {
    const { app, calls } = build();
    const first = await request(app).get('/v1/admin/events/outbox?limit=2').set(support).expect(200);
    expect(first.body).toEqual({
      items: [
        {
          seq: '1',
          eventId: 'e1',
          type: 'booking.confirmed.v1',
          topic: 'booking.events',
          published: true,
          createdAt: '2026-06-01T12:00:00.000Z',
        },
        {
          seq: '2',
          eventId: 'e2',
          type: 'hold.expired.v1',
          topic: 'booking.events',
          published: true,
          createdAt: '2026-06-01T12:00:01.000Z',
        },
      ],
      nextCursor: '2',
    });
    const second = await request(app)
      .get(`/v1/admin/events/outbox?limit=2&after=${first.body.nextCursor}`)
      .set(support)
      .expect(200);
    expect(second.body.items.map((e: { eventId: string }) => e.eventId)).toEqual(['e3', 'e4']);
    const third = await request(app)
      .get(`/v1/admin/events/outbox?limit=2&after=${second.body.nextCursor}`)
      .set(support)
      .expect(200);
    expect(third.body).toEqual({
      items: [expect.objectContaining({ eventId: 'e5', published: false })],
      nextCursor: null,
    });
    // One row more than the page is asked for, to know whether another page follows.
    expect(calls[0]).toEqual(['listOutbox', { limit: 3, afterSeq: undefined }]);
  });

  it('when a page ends exactly at the last row, then its next cursor is null rather than pointing at an empty page', async () => {
    const { app } = build();
    expect(
      (await request(app).get('/v1/admin/events/outbox?limit=5').set(admin).expect(200)).body.nextCursor,
    ).toBeNull();
    expect(
      (await request(app).get('/v1/admin/events/inbox?limit=3').set(admin).expect(200)).body.nextCursor,
    ).toBeNull();
  });

  it('when the inbox is read page by page, then the opaque cursor carries on after the last (group, event id)', async () => {
    const { app, calls } = build();
    const first = await request(app).get('/v1/admin/events/inbox?limit=2').set(admin).expect(200);
    expect(first.body.items).toEqual([
      { group: 'booking', eventId: 'p1', type: 'payment.succeeded.v1', topic: 'payment.events' },
      { group: 'booking', eventId: 'p2', type: 'payment.failed.v1', topic: 'payment.events' },
    ]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await request(app)
      .get(`/v1/admin/events/inbox?limit=2&after=${encodeURIComponent(first.body.nextCursor)}`)
      .set(admin)
      .expect(200);
    expect(second.body).toEqual({ items: [expect.objectContaining({ eventId: 'p3' })], nextCursor: null });
    expect(calls[1]).toEqual(['listInbox', { limit: 3, after: { group: 'booking', eventId: 'p2' } }]);
  });

  it.each([
    ['outbox', 'after=abc'],
    ['outbox', 'after=-1'],
    ['inbox', 'after=not-a-cursor'],
    ['inbox', `after=${Buffer.from('["only-one"]').toString('base64url')}`],
    ['outbox', 'limit=1001'],
    ['inbox', 'limit=two'],
  ])(
    'when the %s is asked for with %s, then a 400 problem names the query field and nothing is read',
    async (table, query) => {
      const { app, calls } = build();
      const res = await request(app).get(`/v1/admin/events/${table}?${query}`).set(admin);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({
        type: 'https://matchday.dev/problems/validation-failed',
        errors: [{ path: `query.${query.split('=')[0]}` }],
      });
      expect(calls).toEqual([]);
    },
  );

  it('when staff ask for the summary, then outbox rows by type and published state and inbox rows by group and type come back', async () => {
    const { app } = build();
    expect((await request(app).get('/v1/admin/events/summary').set(support).expect(200)).body).toEqual({
      outbox: [
        { type: 'booking.confirmed.v1', published: true, count: 3 },
        { type: 'hold.expired.v1', published: false, count: 2 },
      ],
      inbox: [
        { group: 'booking', type: 'payment.failed.v1', count: 1 },
        { group: 'booking', type: 'payment.succeeded.v1', count: 2 },
      ],
    });
  });
});
