import { baseEnv, loadConfig, z } from '@matchday/config';

const millisList = z
  .string()
  .transform((s) => s.split(',').map((p) => Number(p.trim())))
  .pipe(z.array(z.number().int().min(0)).min(1).max(3));

/** Reconciliation's environment: the only reader of process.env in this service. */
export const reconciliationEnv = baseEnv.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(8086),
  DB_SCHEMA: z.string().default('reconciliation'),
  STRIPE_API_KEY: z.string().min(1),
  /** Set only when pointing at the provider sandbox. */
  STRIPE_API_BASE: z.string().url().optional(),
  /** Per page request to Stripe (inside the breaker). */
  STRIPE_TIMEOUT_MS: z.coerce.number().int().min(100).default(10000),
  /** Scheduled runs: every this many seconds; 0 turns the schedule off (on-demand runs only). */
  RECON_INTERVAL_SECONDS: z.coerce.number().int().min(0).default(900),
  /** How far back a run looks at provider intents and bookings. */
  RECON_LOOKBACK_HOURS: z.coerce.number().min(0.01).default(72),
  /** Bookings and intents that changed more recently are still settling and are judged by a later run. */
  RECON_GRACE_SECONDS: z.coerce.number().int().min(0).default(300),
  /** Allowed difference in minor units when a payment was made in another currency (FX rounding). */
  RECON_FX_TOLERANCE_MINOR: z.coerce.number().int().min(0).default(2),
  /** A run still "running" after this long is considered dead and marked failed. */
  RECON_RUN_TIMEOUT_SECONDS: z.coerce.number().int().min(10).default(1800),
  RECON_PAGE_SIZE: z.coerce.number().int().min(1).max(100).default(100),
  CONSUMER_RETRY_DELAYS_MS: millisList.default([1000, 10000, 60000]),
  CONSUMER_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6000).default(30000),
});

export type ReconciliationConfig = z.infer<typeof reconciliationEnv>;

export const loadReconciliationConfig = (env: NodeJS.ProcessEnv = process.env): Readonly<ReconciliationConfig> =>
  loadConfig(reconciliationEnv, env);
