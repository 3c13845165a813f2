import './telemetry';
import { gracefulShutdown, listen, type ShutdownHandle } from '@matchday/http';
import { createLogger } from '@matchday/observability';
import { loadWebConfig } from './config';
import { buildService } from './service';
import { telemetry } from './telemetry';

async function main(): Promise<void> {
  const config = loadWebConfig();
  const logger = createLogger({ service: 'web', level: config.LOG_LEVEL });
  // Readiness reads the shutdown handle, which exists only once the server listens.
  const handle: { shutdown?: ShutdownHandle } = {};
  const service = buildService(config, {
    logger,
    draining: () => handle.shutdown?.isShuttingDown() ?? false,
  });
  await service.start();
  const server = await listen(service.app, config.PORT, config.HOST);
  logger.info('web listening', {
    port: config.PORT,
    host: config.HOST,
    gatewayUrl: config.GATEWAY_URL,
    staticDir: service.staticDir,
  });
  handle.shutdown = gracefulShutdown({
    server,
    logger,
    graceMs: config.SHUTDOWN_GRACE_MS,
    steps: [
      { name: 'web service', run: () => service.stop() },
      { name: 'telemetry', run: () => telemetry.shutdown() },
    ],
  });
}

main().catch((err: unknown) => {
  createLogger({ service: 'web' }).error('web failed to start', { err });
  process.exit(1);
});
