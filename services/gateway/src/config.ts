import { baseEnv, csv, flag, loadConfig, z } from '@matchday/config';

const url = z.string().url();
const ms = (def: number) => z.coerce.number().int().min(1).default(def);
const count = (def: number) => z.coerce.number().int().min(1).default(def);
const delays = z
  .string()
  .transform((s) => s.split(',').map((p) => Number(p.trim())))
  .pipe(z.array(z.number().int().min(0)).min(1).max(3));

export const gatewayEnv = baseEnv
  .extend({
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),

    // ---- upstreams: every service the gateway forwards to (see domain/route-map.ts)
    BOOKING_URL: url.default('http://127.0.0.1:8081'),
    PAYMENT_URL: url.default('http://127.0.0.1:8082'),
    WEBHOOK_INGEST_URL: url.default('http://127.0.0.1:8083'),
    NOTIFICATION_URL: url.default('http://127.0.0.1:8084'),
    FRAUD_URL: url.default('http://127.0.0.1:8085'),
    RECONCILIATION_URL: url.default('http://127.0.0.1:8086'),
    /** Whole-request budget per upstream call (connect, headers and body). */
    UPSTREAM_TIMEOUT_MS: ms(5000),
    UPSTREAM_CONNECT_TIMEOUT_MS: ms(1000),
    /** Idle keep-alive connections to an upstream are closed after this. */
    UPSTREAM_KEEPALIVE_MS: ms(30000),
    /** Connections per upstream origin. */
    UPSTREAM_CONNECTIONS: count(64),
    /** Largest upstream response body the gateway relays. */
    UPSTREAM_MAX_RESPONSE_BYTES: count(5 * 1024 * 1024),
    BREAKER_ERROR_THRESHOLD_PERCENT: z.coerce.number().min(1).max(100).default(50),
    BREAKER_VOLUME_THRESHOLD: count(5),
    BREAKER_RESET_MS: ms(10000),
    BREAKER_WINDOW_MS: ms(10000),

    // ---- authentication
    /** The built-in development issuer (`POST /v1/auth/token`, JWKS). Never in production. */
    AUTH_DEV_ISSUER: flag.optional(),
    /** The development issuer's private key as a JWK (JSON); generated at start-up when absent. */
    AUTH_DEV_PRIVATE_JWK: z.string().optional(),
    AUTH_DEV_TOKEN_TTL_SECONDS: count(3600),
    /** Expected `iss`; for the development issuer, the `iss` it writes. */
    AUTH_ISSUER: z.string().min(1).default('matchday-dev-issuer'),
    AUTH_AUDIENCE: z.string().min(1).default('matchday'),
    /** The identity provider's JWKS (OIDC `jwks_uri`): tokens signed by its keys are accepted. */
    AUTH_JWKS_URL: url.optional(),
    /** Claim holding the roles; a dotted path reaches nested claims (`realm_access.roles`). */
    AUTH_ROLES_CLAIM: z.string().min(1).default('roles'),
    AUTH_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).default(5),

    // ---- rate limits: sliding windows in Redis, shared by replicas
    RATE_LIMIT_WINDOW_SECONDS: count(60),
    /** Any request, per signed-in user. */
    RATE_LIMIT_USER_REQUESTS: count(600),
    /** Any request, per client IP. */
    RATE_LIMIT_IP_REQUESTS: count(1200),
    RATE_LIMIT_HOLDS: count(10),
    RATE_LIMIT_BOOKINGS: count(10),
    RATE_LIMIT_MODIFICATIONS: count(20),
    RATE_LIMIT_PAYMENTS: count(20),
    /** Per IP: token requests to the development issuer. */
    RATE_LIMIT_AUTH: count(30),
    RATE_LIMIT_WAITING_ROOM_JOINS: count(30),
    /** A subject that exceeds a limit is blocked from that action for this long. */
    RATE_LIMIT_BLOCK_SECONDS: count(60),

    // ---- waiting room
    /** Admissions per second when match.hot does not say. */
    WAITING_ROOM_DEFAULT_RATE: z.coerce.number().positive().default(10),
    /** How long an admission stays valid for placing the hold. */
    WAITING_ROOM_ADMISSION_TTL_SECONDS: count(600),
    /** How long the queue and its tickets live without activity. */
    WAITING_ROOM_TTL_SECONDS: count(6 * 3600),

    // ---- sessions across devices
    SESSION_TTL_SECONDS: count(1800),
    /** A device counts as active this long after its last request. */
    SESSION_DEVICE_WINDOW_SECONDS: count(300),
    /** How long a change waits for the same user's change from another device to finish. */
    SESSION_LOCK_WAIT_MS: z.coerce.number().int().min(0).default(2000),
    /** A lock left by a crashed replica frees itself after this. */
    SESSION_LOCK_TTL_MS: ms(15000),

    // ---- HTTP edge
    CORS_ORIGINS: csv.default(['http://localhost:8090', 'http://127.0.0.1:8090']),
    BODY_LIMIT: z.string().default('32kb'),
    /** express `trust proxy`: which hops may set X-Forwarded-For (the ingress). */
    TRUST_PROXY: z.string().default('loopback, linklocal, uniquelocal'),

    // ---- consuming inventory.events
    CONSUMER_RETRY_DELAYS_MS: delays.default([1000, 5000, 15000]),
    KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6000).default(30000),
  })
  .transform((env, ctx) => {
    const devIssuer = env.AUTH_DEV_ISSUER ?? env.NODE_ENV !== 'production';
    if (devIssuer && env.NODE_ENV === 'production') {
      ctx.addIssue({ code: 'custom', path: ['AUTH_DEV_ISSUER'], message: 'the development issuer must stay off in production' });
    }
    if (!devIssuer && !env.AUTH_JWKS_URL) {
      ctx.addIssue({ code: 'custom', path: ['AUTH_JWKS_URL'], message: 'required when the development issuer is off' });
    }
    return { ...env, AUTH_DEV_ISSUER: devIssuer };
  });

export type GatewayConfig = Readonly<z.infer<typeof gatewayEnv>>;

/** Reads and checks the gateway's environment (fails fast, listing every problem). */
export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return loadConfig(gatewayEnv, env);
}
