import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response } from 'express';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { closeTestKafka, deleteTopics, isolation, setupTopics, testInfra, type Isolation } from '@matchday/testkit';
import { retry } from '@matchday/resilience';
import { loadGatewayConfig, type GatewayConfig } from '../src/config';
import { buildService, type GatewayService } from '../src/service';
import type { UpstreamName } from '../src/domain/route-map';
import { UPSTREAMS } from '../src/domain/route-map';

/** One request as a stub service received it. */
export interface Received {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  /** The client port of the connection: the same port twice means a reused keep-alive connection. */
  remotePort: number | undefined;
}

/**
 * A stand-in for another service: a plain express app on a free port that records what it
 * receives and answers with `respond` (default: 200 with an echo of the request).
 */
export interface StubService {
  name: string;
  url: string;
  received: Received[];
  respond: (req: Request, res: Response) => void | Promise<void>;
  close(): Promise<void>;
}

export const echo = (name: string) => (req: Request, res: Response) => {
  res.status(req.method === 'POST' ? 201 : 200).json({ service: name, method: req.method, url: req.originalUrl });
};

export async function startStub(name: string): Promise<StubService> {
  const app = express();
  app.use(express.json());
  const stub: StubService = {
    name,
    url: '',
    received: [],
    respond: echo(name),
    close: async () => undefined,
  };
  app.use(async (req, res) => {
    stub.received.push({ method: req.method, url: req.originalUrl, headers: { ...req.headers }, body: req.body, remotePort: req.socket.remotePort });
    await stub.respond(req, res);
  });
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  stub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  stub.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return stub;
}

/** A key pair the tests sign tokens with: the gateway's development issuer is configured with it. */
export interface TestKeys {
  privateJwk: JWK;
  sign(claims: Record<string, unknown>, opts?: { expiresIn?: string | number; issuer?: string; audience?: string; subject?: string; alg?: string }): Promise<string>;
}

export async function testKeys(kid = 'test-key'): Promise<TestKeys> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'ES256' };
  return {
    privateJwk,
    sign: async (claims, opts = {}) => {
      const jwt = new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
        .setIssuedAt()
        .setIssuer(opts.issuer ?? 'matchday-dev-issuer')
        .setAudience(opts.audience ?? 'matchday')
        .setExpirationTime(opts.expiresIn ?? '10m');
      if (opts.subject !== undefined) jwt.setSubject(opts.subject);
      return jwt.sign(privateKey);
    },
  };
}

export interface Harness {
  iso: Isolation;
  config: GatewayConfig;
  /** The environment the config was read from (to build a second gateway alike). */
  configEnv: Record<string, string>;
  service: GatewayService;
  stubs: Record<UpstreamName, StubService>;
  keys: TestKeys;
  /** A token signed by the development issuer's key. */
  token(userId: string, roles?: string[], extra?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

/**
 * The gateway in-process against the real Redis and Kafka (isolated by prefix), with a stub for
 * every service it forwards to. `env` overrides settings (limits, timeouts).
 */
export async function startGateway(env: Record<string, string> = {}): Promise<Harness> {
  const iso = isolation();
  const infra = await testInfra();
  // The shared broker is busy with everyone's tests: creating topics can fail transiently.
  await retry(() => setupTopics(iso.topicPrefix, ['gateway']), { retries: 4, baseMs: 500, maxMs: 4000, name: 'test.setup-topics' });
  const stubs = Object.fromEntries(await Promise.all(UPSTREAMS.map(async (n) => [n, await startStub(n)] as const))) as Record<UpstreamName, StubService>;
  const keys = await testKeys();
  const configEnv: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    REDIS_URL: infra.redisUrl,
    TOPIC_PREFIX: iso.topicPrefix,
    REDIS_PREFIX: iso.redisPrefix,
    BOOKING_URL: stubs.booking.url,
    PAYMENT_URL: stubs.payment.url,
    NOTIFICATION_URL: stubs.notification.url,
    FRAUD_URL: stubs.fraud.url,
    RECONCILIATION_URL: stubs.reconciliation.url,
    WEBHOOK_INGEST_URL: stubs['webhook-ingest'].url,
    AUTH_DEV_PRIVATE_JWK: JSON.stringify(keys.privateJwk),
    CONSUMER_RETRY_DELAYS_MS: '100,200,300',
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    ...env,
  };
  const config = loadGatewayConfig(configEnv);
  const service = await buildService(config);
  await service.start();
  return {
    iso,
    config,
    configEnv,
    service,
    stubs,
    keys,
    token: (userId, roles = ['fan'], extra = {}) => keys.sign({ roles, ...extra }, { subject: userId }),
    async close() {
      for await (const keys of service.redis.scanIterator({ MATCH: `${iso.redisPrefix}*`, COUNT: 500 })) {
        if (keys.length > 0) await service.redis.del(keys);
      }
      await service.stop();
      await Promise.all(Object.values(stubs).map((s) => s.close()));
      await deleteTopics(iso.topicPrefix);
      await closeTestKafka();
    },
  };
}

export const PROBLEM = /^application\/problem\+json/;
