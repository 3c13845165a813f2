import { existsSync } from 'node:fs';

export interface Infra {
  databaseUrl: string;
  kafkaBrokers: string[];
  redisUrl: string;
}

const dockerAvailable = (): boolean =>
  Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');

let resolved: Promise<Infra> | undefined;

/**
 * Where the real Postgres, Kafka and Redis are. Environment variables always win
 * (DATABASE_URL, KAFKA_BROKERS, REDIS_URL); where one is missing and a Docker engine exists,
 * testcontainers starts it; otherwise the machine's own services on 127.0.0.1 are used.
 */
export function testInfra(): Promise<Infra> {
  resolved ??= resolve();
  return resolved;
}

async function resolve(): Promise<Infra> {
  const env = process.env;
  const useContainers = dockerAvailable() && process.env.TESTCONTAINERS !== 'off';
  const databaseUrl =
    env.DATABASE_URL ??
    (useContainers ? await startPostgres() : 'postgres://postgres@127.0.0.1:5432/matchday_test');
  const kafkaBrokers = (env.KAFKA_BROKERS ?? (useContainers ? await startKafka() : '127.0.0.1:9092')).split(',');
  const redisUrl = env.REDIS_URL ?? (useContainers ? await startRedis() : 'redis://127.0.0.1:6379');
  return { databaseUrl, kafkaBrokers, redisUrl };
}

async function startPostgres(): Promise<string> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const c = await new PostgreSqlContainer('postgres:17-alpine').withDatabase('matchday_test').start();
  return c.getConnectionUri();
}

async function startKafka(): Promise<string> {
  const { KafkaContainer } = await import('@testcontainers/kafka');
  const c = await new KafkaContainer('apache/kafka:4.1.1').start();
  return `${c.getHost()}:${c.getMappedPort(9093)}`;
}

async function startRedis(): Promise<string> {
  const { RedisContainer } = await import('@testcontainers/redis');
  const c = await new RedisContainer('redis:7-alpine').start();
  return c.getConnectionUrl();
}
