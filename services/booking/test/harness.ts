import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { listen } from '@matchday/http';
import { createLogger } from '@matchday/observability';
import { closeTestKafka, deleteTopics, isolation, serviceDb, setupTopics, testInfra, type Isolation, type ServiceDb } from '@matchday/testkit';
import { createClient } from 'redis';
import request from 'supertest';
import { loadBookingConfig, type BookingConfig } from '../src/config';
import { bookingMigrations } from '../src/db/migrations';
import { buildService, GROUP, type BookingService, type ServiceOverrides } from '../src/service';

export interface Harness {
  iso: Isolation;
  service: BookingService;
  sdb: ServiceDb;
  config: BookingConfig;
  /** Supertest bound to the app (no port). */
  http: () => ReturnType<typeof request>;
  /** Listens on an ephemeral port (for load through real sockets). */
  listen(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * The booking service in-process against the real Postgres, Kafka and Redis, isolated per test
 * file (own schema, topic prefix, Redis prefix). Short timers and retry delays unless overridden.
 */
export async function startBooking(env: Record<string, string> = {}, overrides: ServiceOverrides = {}): Promise<Harness> {
  const iso = isolation();
  const infra = await testInfra();
  await setupTopics(iso.topicPrefix, [GROUP]);
  const schema = iso.schema('booking');
  const sdb = await serviceDb('booking', schema, { migrations: bookingMigrations(schema), poolMax: Number(env.DB_POOL_MAX ?? 4) });
  const config = loadBookingConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    DATABASE_URL: sdb.url,
    DB_SCHEMA: schema,
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    TOPIC_PREFIX: iso.topicPrefix,
    REDIS_URL: infra.redisUrl,
    REDIS_PREFIX: iso.redisPrefix,
    CONSUMER_RETRY_DELAYS_MS: '100,200,300',
    CONSUMER_SESSION_TIMEOUT_MS: '6000',
    SWEEP_INTERVAL_MS: '200',
    ...env,
  });
  const logger = createLogger({ service: 'booking-test', level: config.LOG_LEVEL });
  const service = buildService(config, { db: sdb.db, logger, ...overrides });
  await service.start();
  let server: Server | undefined;
  return {
    iso,
    service,
    sdb,
    config,
    http: () => request(service.app),
    async listen() {
      server ??= await listen(service.app, 0, '127.0.0.1');
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    async stop() {
      if (server) await new Promise<void>((r) => server!.close(() => r()));
      await service.stop();
      await sdb.destroy();
      const redis = createClient({ url: infra.redisUrl });
      await redis.connect();
      const keys = await redis.keys(`${iso.redisPrefix}*`);
      if (keys.length > 0) await redis.del(keys);
      await redis.close();
      await deleteTopics(iso.topicPrefix);
      await closeTestKafka();
    },
  };
}

export const fan = (userId: string, extra: Record<string, string> = {}) => ({ 'X-User-Id': userId, 'X-User-Roles': 'fan', ...extra });
export const admin = { 'X-User-Id': 'admin-1', 'X-User-Roles': 'admin' };
let keys = 0;
/** A fresh Idempotency-Key. */
export const key = (): string => `k-${Date.now()}-${++keys}-${Math.random().toString(36).slice(2)}`;

export function kickoffIn(days: number, hourUtc = 18, minute = 0): string {
  const d = new Date(Date.now() + days * 86_400_000);
  d.setUTCHours(hourUtc, minute, 0, 0);
  return d.toISOString();
}

/** Creates a match through the admin API and returns its id. */
export async function createMatch(
  h: Harness,
  body: Partial<{ title: string; venue: string; fixtureId: string; kickoffAt: string; capacity: number; unitPrice: number; currency: string }> = {},
): Promise<string> {
  const res = await h
    .http()
    .post('/v1/admin/matches')
    .set(admin)
    .set('Idempotency-Key', key())
    .send({ title: 'Derby', venue: 'Stadium', kickoffAt: kickoffIn(10), capacity: 100, unitPrice: 5000, currency: 'EUR', ...body });
  if (res.status !== 201) throw new Error(`create match: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { matchId: string }).matchId;
}

/** Counters of a match straight from Postgres, and what its holds and bookings say they should be. */
export async function inventory(h: Harness, matchId: string) {
  const db = h.service.db;
  const m = (await db('matches').where({ id: matchId }).first()) as {
    capacity: number;
    available_slots: number;
    held_slots: number;
    confirmed_slots: number;
  };
  const sum = async (q: Promise<Array<{ n: string | null }>>) => Number((await q)[0]?.n ?? 0);
  const activeHolds = await sum(db('holds').where({ match_id: matchId, status: 'ACTIVE' }).sum({ n: 'quantity' }));
  const pendingBookings = await sum(db('bookings').where({ match_id: matchId, status: 'PENDING_PAYMENT' }).sum({ n: 'quantity' }));
  const reserved = await sum(db('booking_modifications').where({ to_match_id: matchId, status: 'PENDING_PAYMENT' }).sum({ n: 'reserved' }));
  const confirmedBookings = await sum(db('bookings').where({ match_id: matchId }).whereIn('status', ['CONFIRMED', 'DISPUTED']).sum({ n: 'quantity' }));
  return {
    capacity: m.capacity,
    available: m.available_slots,
    held: m.held_slots,
    confirmed: m.confirmed_slots,
    expectedHeld: activeHolds + pendingBookings + reserved,
    expectedConfirmed: confirmedBookings,
  };
}

/** Slots never exceed capacity, and the counters agree with the holds and bookings behind them. */
export async function expectInventoryConsistent(h: Harness, matchId: string): Promise<void> {
  const inv = await inventory(h, matchId);
  expect(inv.available + inv.held + inv.confirmed).toBe(inv.capacity);
  expect(inv.held + inv.confirmed).toBeLessThanOrEqual(inv.capacity);
  expect(inv.held).toBe(inv.expectedHeld);
  expect(inv.confirmed).toBe(inv.expectedConfirmed);
}

/** A clock tests can move forward (timers compare with it, not with the wall clock). */
export function testClock() {
  let offsetMs = 0;
  return {
    now: () => new Date(Date.now() + offsetMs),
    advance(ms: number) {
      offsetMs += ms;
    },
  };
}
