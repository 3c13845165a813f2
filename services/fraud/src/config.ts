import { baseEnv, loadConfig, z } from '@matchday/config';

const millisList = z
  .string()
  .transform((s) => s.split(',').map((p) => Number(p.trim())))
  .pipe(z.array(z.number().int().min(0)).min(1).max(3));

/** Fraud's environment: the only reader of process.env in this service. */
export const fraudEnv = baseEnv.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(8085),
  DB_SCHEMA: z.string().default('fraud'),
  /** A review nobody resolves within this time resolves to block (docs/SAGA.md). */
  REVIEW_TIMEOUT_SECONDS: z.coerce.number().int().min(1).default(600),
  /** How often overdue reviews are looked for (and signals pruned). */
  REVIEW_SWEEP_INTERVAL_MS: z.coerce.number().int().min(50).default(5000),
  /** How often an instance checks for a rule-set version saved by another instance. */
  RULES_REFRESH_MS: z.coerce.number().int().min(50).default(10000),
  /** Signals and bookings older than this are deleted (kept at least as long as the longest rule window). */
  SIGNAL_RETENTION_HOURS: z.coerce.number().int().min(1).default(24 * 8),
  CONSUMER_RETRY_DELAYS_MS: millisList.default([1000, 10000, 60000]),
  CONSUMER_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6000).default(30000),
  /** Partitions processed at once (each holds a pooled connection while its batch runs, the relay up to two: keep below DB_POOL_MAX). */
  CONSUMER_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(4),
});

export type FraudConfig = z.infer<typeof fraudEnv>;

export const loadFraudConfig = (env: NodeJS.ProcessEnv = process.env): Readonly<FraudConfig> => loadConfig(fraudEnv, env);
