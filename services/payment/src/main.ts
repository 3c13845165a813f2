import './telemetry';
import { telemetry } from './telemetry';
import { migrate } from '@matchday/db';
import { gracefulShutdown, listen, type ShutdownHandle } from '@matchday/http';
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
  const server = await listen(service.app, config.PORT, config.HOST);
  logger.info('payment listening', { port: config.PORT, host: config.HOST, stripe: config.STRIPE_API_BASE ?? 'api.stripe.com' });
  lifecycle.shutdown = gracefulShutdown({
    server,
    logger,
    graceMs: config.SHUTDOWN_GRACE_MS,
    steps: [
      { name: 'consumers, work queue, outbox relay and pools', run: () => service.stop() },
      { name: 'telemetry', run: () => telemetry.shutdown() },
    ],
  });
}

main().catch((err: unknown) => {
  createLogger({ service: SERVICE }).error('payment failed to start', { err });
  process.exit(1);
});
