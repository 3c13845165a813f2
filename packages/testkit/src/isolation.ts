import { randomBytes } from 'node:crypto';

export interface Isolation {
  /** Unique per test file and worker: `t<run>w<worker><rand>`. */
  id: string;
  /** Prefix for topic and consumer-group names: `<id>.` */
  topicPrefix: string;
  /** Prefix for Redis keys: `<id>:` */
  redisPrefix: string;
  /** The Postgres schema for a service in this isolation. */
  schema(service: string): string;
}

/**
 * Names that keep parallel jest workers (and packages run side by side) apart on one
 * Postgres, one Kafka and one Redis.
 */
export function isolation(): Isolation {
  const run = (process.env.MATCHDAY_TEST_RUN ?? '').replace(/[^a-z0-9]/gi, '').slice(-6) || 'l';
  const worker = process.env.JEST_WORKER_ID ?? '0';
  const id = `t${run}w${worker}${randomBytes(3).toString('hex')}`.toLowerCase();
  return {
    id,
    topicPrefix: `${id}.`,
    redisPrefix: `${id}:`,
    schema: (service: string) => `${id}_${service.replace(/[^a-z0-9_]/g, '_')}`,
  };
}
