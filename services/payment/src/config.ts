import { baseEnv, csv, loadConfig, z } from '@matchday/config';

/**
 * The FX rate table: units of each currency per one unit of `base`. No live feed offline: the table
 * comes from FX_RATES (JSON) and is swapped at run time through the injectable rate source.
 */
const fxTable = z.object({
  base: z.string().regex(/^[A-Z]{3}$/),
  rates: z.record(z.string().regex(/^[A-Z]{3}$/), z.number().positive()),
});

const json = <T extends z.ZodType>(schema: T) =>
  z.string().transform((s, ctx) => {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not valid JSON' });
      return z.NEVER;
    }
  }).pipe(schema);

/** A sample table (ECB-like reference rates); production sets FX_RATES from its rate provider. */
const SAMPLE_RATES = JSON.stringify({ base: 'EUR', rates: { EUR: 1, USD: 1.08, GBP: 0.86, CHF: 0.95, JPY: 162, SEK: 11.4 } });

/** payment's environment: the only reader of process.env in this service. */
export const configSchema = baseEnv.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(8082),
  DB_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/).default('payment'),
  STRIPE_API_KEY: z.string().min(1),
  /** Set only when pointing at the provider sandbox. */
  STRIPE_API_BASE: z.string().url().optional(),
  /** Every Stripe call fails with a timeout after this long (and counts against the breaker). */
  STRIPE_TIMEOUT_MS: z.coerce.number().int().min(50).default(5000),
  /** Breaker: failure percentage that opens it, calls needed first, and how long it stays open. */
  STRIPE_BREAKER_ERROR_PERCENT: z.coerce.number().min(1).max(100).default(50),
  STRIPE_BREAKER_VOLUME: z.coerce.number().int().min(1).default(5),
  STRIPE_BREAKER_RESET_MS: z.coerce.number().int().min(100).default(10_000),
  /** Currencies payers may pay in (each must be in the FX table). */
  SUPPORTED_CURRENCIES: csv.default(['EUR', 'USD', 'GBP', 'CHF', 'JPY', 'SEK']),
  FX_RATES: json(fxTable).default(JSON.parse(SAMPLE_RATES) as z.infer<typeof fxTable>),
  /** How long a quote is honoured whatever the market does; at least the payment window (15 min). */
  FX_QUOTE_TTL_SECONDS: z.coerce.number().int().min(1).default(1800),
  /** After a quote expired, a rate within this relative distance of it is still captured at the quote. */
  FX_TOLERANCE: z.coerce.number().min(0).max(1).default(0.02),
  /** Provider work queue: poll interval, jobs run at once, first retry delay and its cap. */
  JOB_POLL_MS: z.coerce.number().int().min(10).default(250),
  JOB_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(4),
  JOB_RETRY_BASE_MS: z.coerce.number().int().min(10).default(1000),
  JOB_RETRY_MAX_MS: z.coerce.number().int().min(100).default(60_000),
  /** Kafka: partitions processed at once (the worker pool) and retry delays before the dead letters. */
  CONSUMER_CONCURRENCY: z.coerce.number().int().min(1).default(3),
  CONSUMER_RETRY_DELAYS_MS: csv.transform((xs) => xs.map(Number)).default([1000, 10_000, 60_000]),
  CONSUMER_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6000).default(30_000),
});

export type Config = z.infer<typeof configSchema>;

export const loadServiceConfig = (env: NodeJS.ProcessEnv = process.env): Readonly<Config> => loadConfig(configSchema, env);
