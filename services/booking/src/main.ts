import './telemetry';
import { migrate } from '@matchday/db';
import { gracefulShutdown, listen, type ShutdownHandle } from '@matchday/http';
import { createLogger } from '@matchday/observability';
import type { AddressInfo } from 'node:net';
import { loadBookingConfig } from './config';
import { bookingMigrations } from './db/migrations';
import { buildService, SERVICE } from './service';
import { telemetry } from './telemetry';

async function main(): Promise<void> {
  const config = loadBookingConfig();
  const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL });
  // The app exists before the shutdown handle; readiness reads the handle once it is there.
  const shutdown: { handle?: ShutdownHandle } = {};
  const service = buildService(config, { logger, isDraining: () => shutdown.handle?.isShuttingDown() ?? false });
  const applied = await migrate(service.db, { schema: config.DB_SCHEMA, migrations: bookingMigrations(config.DB_SCHEMA, config.PARTITION_MONTHS_AHEAD) });
  if (applied.length > 0) logger.info('migrations applied', { migrations: applied });
  await service.start();
  const server = await listen(service.app, config.PORT, config.HOST);
  const { port } = server.address() as AddressInfo;
  logger.info('listening', { host: config.HOST, port });
  shutdown.handle = gracefulShutdown({
    server,
    logger,
    graceMs: config.SHUTDOWN_GRACE_MS,
    steps: [
      { name: 'consumers, relay flush, redis, database', run: () => service.stop() },
      { name: 'telemetry', run: () => telemetry.shutdown() },
    ],
  });
}

main().catch((err: unknown) => {
  createLogger({ service: SERVICE }).error('booking service failed to start', { err });
  process.exit(1);
});
