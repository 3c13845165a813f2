import cors from 'cors';
import type { Express } from 'express';
import type { Producer } from 'kafkajs';
import { createKafka, ensureTopics, idempotentProducer, listDeadLetters, replayDeadLetters } from '@matchday/bus';
import { createHttpApp } from '@matchday/http';
import { retry } from '@matchday/resilience';
import { createLogger, type Logger } from '@matchday/observability';
import { createRedis, type Redis } from './adapters/redis';
import { redisRateLimitStore } from './adapters/redis-rate-limit-store';
import { redisSessionStore } from './adapters/redis-session-store';
import { redisWaitingRoomStore } from './adapters/redis-waiting-room-store';
import { kafkaSignalPublisher } from './adapters/signal-publisher';
import { createTokenService } from './adapters/token-service';
import { createUpstreams, type Upstreams } from './adapters/upstreams';
import { makeAdmitHold } from './app/admit-hold.use-case';
import { makeCheckLimits } from './app/check-limits.use-case';
import { makeGetLimits } from './app/get-limits.use-case';
import { makeGetWaitingRoomTicket } from './app/get-waiting-room-ticket.use-case';
import { makeGetWaitingRoom } from './app/get-waiting-room.use-case';
import { makeHandleConcurrentSessions } from './app/handle-concurrent-sessions.use-case';
import { makeHandleExceededLimit } from './app/handle-exceeded-limit.use-case';
import { makeIssueDevToken } from './app/issue-dev-token.use-case';
import { makeJoinWaitingRoom } from './app/join-waiting-room.use-case';
import { makeMarkMatchHot } from './app/mark-match-hot.use-case';
import type { SignalPublisher, TokenService } from './app/ports';
import { createRateLimiter } from './app/rate-limiter';
import { makeResetLimits } from './app/reset-limits.use-case';
import { makeTrackActiveUsers } from './app/track-active-users.use-case';
import type { GatewayConfig } from './config';
import type { LimitRules, RateLimiter } from './domain/rate-limit';
import type { UpstreamName } from './domain/route-map';
import { adminRoutes } from './http/admin.routes';
import { authRoutes } from './http/auth.routes';
import { docsRoutes } from './http/docs.routes';
import { authenticate, identifyOperation, limitByCaller, limitByIp, openSession } from './http/edge.middleware';
import { loadOpenApiDocument, operationIndex, operationsOf, type OpenApiDocument } from './http/openapi-document';
import { proxyRoutes } from './http/proxy.routes';
import { loadValidators, translateErrors, validateRequests } from './http/validation';
import { waitingRoomRoutes } from './http/waiting-room.routes';
import { createConsumerRunner, type ConsumerRunner } from './kafka/consumer-runner';
import { inventoryHandler } from './kafka/inventory.consumer';

export const CONSUMER_GROUP = 'gateway';

export interface GatewayOverrides {
  logger?: Logger;
  /** True while the process drains (main.ts): readiness turns false. */
  isDraining?: () => boolean;
}

export interface GatewayService {
  app: Express;
  redis: Redis;
  producer: Producer;
  tokens: TokenService;
  upstreams: Upstreams;
  signals: SignalPublisher;
  consumer: ConsumerRunner;
  rateLimiter: RateLimiter;
  document: OpenApiDocument;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The limits of config, per action and subject kind (domain/rate-limit.ts). */
export function limitRules(config: GatewayConfig): LimitRules {
  const rule = (limit: number) => ({ limit, windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS, blockSeconds: config.RATE_LIMIT_BLOCK_SECONDS });
  const perCaller = (limit: number) => ({ user: rule(limit), ip: rule(limit) });
  return {
    request: { user: rule(config.RATE_LIMIT_USER_REQUESTS), ip: rule(config.RATE_LIMIT_IP_REQUESTS) },
    hold: perCaller(config.RATE_LIMIT_HOLDS),
    booking: perCaller(config.RATE_LIMIT_BOOKINGS),
    modify: perCaller(config.RATE_LIMIT_MODIFICATIONS),
    payment: perCaller(config.RATE_LIMIT_PAYMENTS),
    auth: { ip: rule(config.RATE_LIMIT_AUTH) },
    join: perCaller(config.RATE_LIMIT_WAITING_ROOM_JOINS),
  };
}

/**
 * Wires the gateway: config → Redis stores, Kafka producer and consumer, upstream pools and
 * breakers, token verification → use-cases → HTTP app. Does not listen; `start()` connects.
 */
export async function buildService(config: GatewayConfig, overrides: GatewayOverrides = {}): Promise<GatewayService> {
  const logger = overrides.logger ?? createLogger({ service: 'gateway', level: config.LOG_LEVEL });
  const prefix = `${config.REDIS_PREFIX}gw:`;
  const redis = createRedis(config.REDIS_URL, logger);
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'gateway', logger });
  const producer = idempotentProducer(kafka);
  const signals = kafkaSignalPublisher(producer, { topicPrefix: config.TOPIC_PREFIX, logger });

  const tokens = await createTokenService({
    issuer: config.AUTH_ISSUER,
    audience: config.AUTH_AUDIENCE,
    rolesClaim: config.AUTH_ROLES_CLAIM,
    clockToleranceSeconds: config.AUTH_CLOCK_TOLERANCE_SECONDS,
    devIssuer: config.AUTH_DEV_ISSUER,
    devTokenTtlSeconds: config.AUTH_DEV_TOKEN_TTL_SECONDS,
    ...(config.AUTH_DEV_PRIVATE_JWK ? { devPrivateJwk: config.AUTH_DEV_PRIVATE_JWK } : {}),
    ...(config.AUTH_JWKS_URL ? { jwksUrl: config.AUTH_JWKS_URL } : {}),
  });

  const urls: Record<UpstreamName, string> = {
    booking: config.BOOKING_URL,
    payment: config.PAYMENT_URL,
    notification: config.NOTIFICATION_URL,
    fraud: config.FRAUD_URL,
    reconciliation: config.RECONCILIATION_URL,
    'webhook-ingest': config.WEBHOOK_INGEST_URL,
  };
  const upstreams = createUpstreams({
    urls,
    timeoutMs: config.UPSTREAM_TIMEOUT_MS,
    connectTimeoutMs: config.UPSTREAM_CONNECT_TIMEOUT_MS,
    keepAliveMs: config.UPSTREAM_KEEPALIVE_MS,
    connections: config.UPSTREAM_CONNECTIONS,
    maxResponseBytes: config.UPSTREAM_MAX_RESPONSE_BYTES,
    breaker: {
      errorThresholdPercentage: config.BREAKER_ERROR_THRESHOLD_PERCENT,
      volumeThreshold: config.BREAKER_VOLUME_THRESHOLD,
      resetTimeoutMs: config.BREAKER_RESET_MS,
      rollingCountTimeoutMs: config.BREAKER_WINDOW_MS,
    },
    logger,
  });

  // ---- use-cases
  const rules = limitRules(config);
  const limitStore = redisRateLimitStore(redis, prefix);
  const handleExceededLimit = makeHandleExceededLimit({ store: limitStore, signals, logger });
  const checkLimits = makeCheckLimits({ store: limitStore, handleExceededLimit, logger });
  const resetLimits = makeResetLimits({ store: limitStore, logger });
  const getLimits = makeGetLimits({ store: limitStore, rules });
  const rooms = redisWaitingRoomStore(redis, {
    prefix,
    admissionTtlSeconds: config.WAITING_ROOM_ADMISSION_TTL_SECONDS,
    roomTtlSeconds: config.WAITING_ROOM_TTL_SECONDS,
  });
  const sessionStore = redisSessionStore(redis, {
    prefix,
    sessionTtlSeconds: config.SESSION_TTL_SECONDS,
    deviceWindowSeconds: config.SESSION_DEVICE_WINDOW_SECONDS,
    lockTtlMs: config.SESSION_LOCK_TTL_MS,
  });
  const activeUsers = makeTrackActiveUsers({ sessions: sessionStore, logger });
  const sessions = makeHandleConcurrentSessions({
    sessions: sessionStore,
    signals,
    lockWaitMs: config.SESSION_LOCK_WAIT_MS,
    logger,
  });
  const markMatchHot = makeMarkMatchHot({ rooms, defaultRatePerSecond: config.WAITING_ROOM_DEFAULT_RATE, logger });

  // ---- Kafka: hot matches in, dead letters for operators
  const consumer = createConsumerRunner({
    kafka,
    producer,
    group: CONSUMER_GROUP,
    topicPrefix: config.TOPIC_PREFIX,
    topics: ['inventory.events'],
    types: ['match.hot.v1'],
    handler: inventoryHandler({ markMatchHot }),
    retryDelaysMs: config.CONSUMER_RETRY_DELAYS_MS,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    logger,
  });
  const group = config.TOPIC_PREFIX + CONSUMER_GROUP;

  // ---- HTTP
  const document = loadOpenApiDocument();
  const operations = operationIndex(operationsOf(document));
  const validators = validateRequests(document);
  let started = false;
  const app = createHttpApp({
    serviceName: 'gateway',
    logger,
    bodyLimit: config.BODY_LIMIT,
    trustProxy: config.TRUST_PROXY,
    errorStatus: { WAITING_ROOM_CLOSED: 409, TICKET_NOT_FOUND: 404, CONCURRENT_CHANGE: 409, DEV_ISSUER_DISABLED: 404 },
    readiness: () => started && redis.isReady && consumer.isRunning() && !(overrides.isDraining?.() ?? false),
    routes: (a) => {
      a.use(
        cors({
          origin: config.CORS_ORIGINS,
          allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Admission-Token', 'Device-Id', 'X-Request-Id', 'traceparent', 'If-Match', 'If-None-Match'],
          exposedHeaders: ['Retry-After', 'X-Request-Id', 'X-Session-Id', 'Location', 'Link', 'Idempotent-Replayed', 'ETag'],
          maxAge: 600,
        }),
      );
      a.use(docsRoutes(document));
      a.use(identifyOperation(operations));
      a.use(limitByIp(checkLimits, rules));
      a.use(authenticate(tokens));
      a.use(limitByCaller(checkLimits, rules));
      a.use(
        openSession(async (userId, deviceId) => {
          const [session] = await Promise.all([sessions.open(userId, deviceId), activeUsers.note(userId)]);
          return session;
        }),
      );
      a.use(validators);
      a.use(authRoutes({ issueDevToken: makeIssueDevToken({ issuer: tokens.devIssuer, logger }), devIssuer: tokens.devIssuer }));
      a.use(
        waitingRoomRoutes({
          getWaitingRoom: makeGetWaitingRoom({ rooms }),
          joinWaitingRoom: makeJoinWaitingRoom({ rooms }),
          getTicket: makeGetWaitingRoomTicket({ rooms }),
        }),
      );
      a.use(
        adminRoutes({
          upstreams,
          getLimits,
          resetLimits,
          deadLetters: (o) => listDeadLetters(kafka, group, o),
          replayDeadLetters: (o) => replayDeadLetters(kafka, producer, group, o),
        }),
      );
      a.use(proxyRoutes({ upstreams, admitHold: makeAdmitHold({ rooms, logger }), sessions }));
      a.use(translateErrors());
    },
  });

  return {
    app,
    redis,
    producer,
    tokens,
    upstreams,
    signals,
    consumer,
    rateLimiter: createRateLimiter({ rules, checkLimits, handleExceededLimit, resetLimits }),
    document,
    async start() {
      await loadValidators(app, validators);
      await redis.connect();
      // A busy broker sometimes answers a fresh topic's metadata before its leader is known: try again.
      await retry(() => ensureTopics(kafka, { prefix: config.TOPIC_PREFIX, groups: [CONSUMER_GROUP], topics: ['inventory.events', 'gateway.signals'] }), {
        retries: 4,
        baseMs: 500,
        maxMs: 4000,
        name: 'gateway.ensure-topics',
        logger,
      });
      await producer.connect();
      await consumer.start();
      started = true;
      logger.info('gateway started', { devIssuer: config.AUTH_DEV_ISSUER, jwks: config.AUTH_JWKS_URL ?? null });
    },
    async stop() {
      started = false;
      activeUsers.stop();
      await consumer.stop();
      await signals.flush();
      await producer.disconnect();
      await upstreams.close();
      if (redis.isOpen) redis.destroy();
    },
  };
}
