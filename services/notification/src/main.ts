import './telemetry';
import { migrate } from '@matchday/db';
import { gracefulShutdown, listen } from '@matchday/http';
import { createLogger } from '@matchday/observability';
import { loadNotificationConfig } from './config';
import { migrations } from './db/migrations';
import { buildService } from './service';
import { telemetry } from './telemetry';

async function main(): Promise<void> {
  const config = loadNotificationConfig();
  const logger = createLogger({ service: 'notification', level: config.LOG_LEVEL });
  const service = buildService(config, { logger });
  const applied = await migrate(service.db, {
    schema: config.DB_SCHEMA,
    migrations: migrations(config.DB_SCHEMA),
  });
  if (applied.length > 0) logger.info('migrations applied', { applied });
  await service.start();
  const server = await listen(service.app, config.PORT, config.HOST);
  logger.info('notification listening', { port: config.PORT, host: config.HOST });
  gracefulShutdown({
    server,
    logger,
    graceMs: config.SHUTDOWN_GRACE_MS,
    steps: [
      // Stops the consumer and the dispatch workers, flushes the outbox relay, closes providers, Redis and the pool.
      { name: 'notification service', run: () => service.stop() },
      { name: 'telemetry', run: () => telemetry.shutdown() },
    ],
  });
}

main().catch((err: unknown) => {
  createLogger({ service: 'notification' }).error('notification failed to start', { err });
  process.exit(1);
});
