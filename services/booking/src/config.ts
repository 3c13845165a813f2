import { baseEnv, flag, loadConfig, z } from '@matchday/config';

/** The booking service's environment: the only place that reads process.env. */
export const bookingEnv = baseEnv.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  DB_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/)
    .default('booking'),
  /** How long a hold keeps its slots before the sweeper returns them. */
  HOLD_TTL_SECONDS: z.coerce.number().int().min(1).default(600),
  /** Checkout → payment deadline; also the window an extra payment for a modification gets. */
  PAYMENT_WINDOW_SECONDS: z.coerce.number().int().min(1).default(900),
  /** How long a waiting-list offer (a hold) lasts before it passes to the next in line. */
  WAITLIST_OFFER_SECONDS: z.coerce.number().int().min(1).default(300),
  /** How long a transfer request waits for the recipient's acceptance. */
  TRANSFER_TTL_SECONDS: z.coerce.number().int().min(1).default(172800),
  /** Period of the sweeper: expiries, coalesced availability events, admission re-sync. */
  SWEEP_INTERVAL_MS: z.coerce.number().int().min(10).default(1000),
  /** Every this many sweeps, every upcoming match's admission counter is re-synced from Postgres. */
  RESYNC_EVERY_SWEEPS: z.coerce.number().int().min(1).default(30),
  /** Partition maintenance keeps this many future months of `bookings` partitions. */
  PARTITION_MONTHS_AHEAD: z.coerce.number().int().min(1).max(24).default(3),
  MAX_SLOTS_PER_HOLD: z.coerce.number().int().min(1).default(10),
  /** Most hold attempts on one match written by one statement (1 turns group commit off). */
  HOLD_BATCH_MAX: z.coerce.number().int().min(1).max(1000).default(100),
  AVAILABILITY_CACHE_SECONDS: z.coerce.number().int().min(1).default(5),
  BOOKING_CACHE_SECONDS: z.coerce.number().int().min(1).default(30),
  IDEMPOTENCY_TTL_SECONDS: z.coerce.number().int().min(1).default(86400),
  /**
   * Breaker timeout of one Redis call (0 = none). A hung Redis is already caught by the client's own
   * command timeout (node-redis, 5 s) and an unreachable one fails at once (no offline queue), so
   * the breaker counts failures only: under a rush the event loop itself lags, and a timer firing
   * before a reply that did arrive must not send everyone to Postgres.
   */
  REDIS_TIMEOUT_MS: z.coerce.number().int().min(0).default(0),
  /** Consumer retry delays (ms) before each retry level, comma-separated. */
  CONSUMER_RETRY_DELAYS_MS: z
    .string()
    .default('1000,10000,60000')
    .transform((s) => s.split(',').map((p) => Number(p.trim())))
    .pipe(z.array(z.number().int().min(0)).min(1).max(3)),
  CONSUMER_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6000).default(30000),
  /** Hold attempts per second on one match (per replica) that make it hot: match.hot opens the gateway's waiting room. */
  HOT_MATCH_ATTEMPTS_PER_SECOND: z.coerce.number().positive().default(200),
  /** A hot match quiet for this long cools down (match.hot false). */
  HOT_MATCH_COOLDOWN_SECONDS: z.coerce.number().int().min(1).default(120),
  /** Waiting-room admissions per second announced with match.hot (unset: the gateway's default). */
  HOT_MATCH_ADMISSION_RATE: z.coerce.number().positive().optional(),
  /** Turn the background sweeper off (a second replica in tests, one-off tools). */
  SWEEPER_ENABLED: flag.default(true),
});

export type BookingConfig = Readonly<z.infer<typeof bookingEnv>>;

export function loadBookingConfig(env: NodeJS.ProcessEnv = process.env): BookingConfig {
  return loadConfig(bookingEnv, env);
}
