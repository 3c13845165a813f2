import './telemetry';
import { gracefulShutdown, listen, type ShutdownHandle } from '@matchday/http';
import { createLogger } from '@matchday/observability';
import { loadGatewayConfig } from './config';
import { buildService } from './service';
import { telemetry } from './telemetry';

async function main(): Promise<void> {
  const config = loadGatewayConfig();
  const logger = createLogger({ service: 'gateway', level: config.LOG_LEVEL });
  let shutdown: ShutdownHandle | undefined = undefined;
  const service = await buildService(config, { logger, isDraining: () => shutdown?.isShuttingDown() ?? false });
  await service.start();
  const server = await listen(service.app, config.PORT, config.HOST);
  // Longer than the load balancer's idle timeout, so it never reuses a connection the gateway is closing.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  shutdown = gracefulShutdown({
    server,
    logger,
    graceMs: config.SHUTDOWN_GRACE_MS,
    readinessDelayMs: 2000,
    steps: [
      { name: 'gateway (consumer, signals, upstreams, redis)', run: () => service.stop() },
      { name: 'telemetry', run: () => telemetry.shutdown() },
    ],
  });
  logger.info('gateway listening', { port: config.PORT, host: config.HOST });
}

main().catch((err: unknown) => {
  createLogger({ service: 'gateway' }).error('gateway failed to start', { err });
  process.exit(1);
});
