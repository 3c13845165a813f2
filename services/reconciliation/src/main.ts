import './telemetry';
import { migrate } from '@matchday/db';
import { gracefulShutdown, listen } from '@matchday/http';
import { createLogger } from '@matchday/observability';
import { loadReconciliationConfig } from './config';
import { migrations } from './db/migrations';
import { buildService } from './service';
import { telemetry } from './telemetry';

async function main(): Promise<void> {
  const config = loadReconciliationConfig();
  const logger = createLogger({ service: 'reconciliation', level: config.LOG_LEVEL });
  const service = buildService(config, { logger });
  const applied = await migrate(service.db, { schema: config.DB_SCHEMA, migrations: migrations(config.DB_SCHEMA) });
  if (applied.length > 0) logger.info('migrations applied', { applied });
  await service.start();
  const server = await listen(service.app, config.PORT, config.HOST);
  logger.info('reconciliation listening', { port: config.PORT, host: config.HOST });
  gracefulShutdown({
    server,
    logger,
    graceMs: config.SHUTDOWN_GRACE_MS,
    steps: [
      // Stops the schedule and the consumer, waits for a running run, flushes the outbox relay, closes the pool.
      { name: 'reconciliation service', run: () => service.stop() },
      { name: 'telemetry', run: () => telemetry.shutdown() },
    ],
  });
}

main().catch((err: unknown) => {
  createLogger({ service: 'reconciliation' }).error('reconciliation failed to start', { err });
  process.exit(1);
});
