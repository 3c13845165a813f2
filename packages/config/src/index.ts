import { z } from 'zod';

export { z };

/** Raised at start-up when the environment does not satisfy a service's schema. */
export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Comma-separated list, e.g. KAFKA_BROKERS=127.0.0.1:9092,127.0.0.1:9094 */
export const csv = z
  .string()
  .transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean))
  .pipe(z.array(z.string()).min(1));

/** Boolean from the usual spellings (true/false/1/0/yes/no). */
export const flag = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no', ''])])
  .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');

/** Settings every service shares; a service extends it with its own. */
export const baseEnv = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'http', 'debug']).default('info'),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/matchday'),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(20).default(5),
  KAFKA_BROKERS: csv.default(['127.0.0.1:9092']),
  /** Prefix for every topic and consumer group: isolates test workers and environments on one cluster. */
  TOPIC_PREFIX: z.string().default(''),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  /** Prefix for every Redis key, for the same reason as TOPIC_PREFIX. */
  REDIS_PREFIX: z.string().default(''),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10000),
  /** How long a published event stays in the service's outbox (listings, audit). */
  OUTBOX_RETENTION_HOURS: z.coerce.number().positive().default(7 * 24),
  /** How long an applied event stays in the inbox: keep it longer than the topics' retention in Kafka. */
  INBOX_RETENTION_HOURS: z.coerce.number().positive().default(14 * 24),
});

export type BaseEnv = z.infer<typeof baseEnv>;

/**
 * Parses `env` against `schema`, failing fast with every problem listed, and freezes the result.
 * Call it once, from the service's config.ts.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): Readonly<z.infer<S>> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  return Object.freeze(result.data);
}
