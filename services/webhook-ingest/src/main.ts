import './telemetry';
import { telemetry } from './telemetry';
import { migrate } from '@matchday/db';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { gracefulShutdown, type ShutdownHandle } from '@matchday/http';
import { createLogger } from '@matchday/observability';
import { loadServiceConfig } from './config';
import { migrations } from './db/migrations';
import { buildService, SERVICE } from './service';

async function main(): Promise<void> {
  const config = loadServiceConfig();
  const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL });
  // Readiness reads the shutdown handle, which exists only once the server listens.
  const lifecycle: { shutdown?: ShutdownHandle } = {};
  const service = buildService(config, { logger, readiness: () => !lifecycle.shutdown?.isShuttingDown() });
  await migrate(service.db, { schema: config.DB_SCHEMA, migrations: migrations(config.DB_SCHEMA) });
  await service.start();
  const server = createServer(service.handler);
  server.listen(config.PORT, config.HOST);
  await once(server, 'listening');
  logger.info('webhook-ingest listening', { port: config.PORT, host: config.HOST, publicUrl: config.WEBHOOK_PUBLIC_URL });
  lifecycle.shutdown = gracefulShutdown({
    server,
    logger,
    graceMs: config.SHUTDOWN_GRACE_MS,
    steps: [
      { name: 'group commit, outbox relay and pool', run: () => service.stop() },
      { name: 'telemetry', run: () => telemetry.shutdown() },
    ],
  });
}

main().catch((err: unknown) => {
  createLogger({ service: SERVICE }).error('webhook-ingest failed to start', { err });
  process.exit(1);
});
