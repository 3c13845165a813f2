import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Express } from 'express';
import { createHttpApp } from '@matchday/http';
import { createLogger, type Logger } from '@matchday/observability';
import type { WebConfig } from './config';
import { buildClient } from './adapters/client-build';
import { siteRoutes } from './http/site.routes';

export interface WebService {
  app: Express;
  /** Where the built client is served from. */
  staticDir: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface WebOverrides {
  logger?: Logger;
  /** Readiness also turns false while the process drains (main.ts passes the shutdown handle's view). */
  draining?: () => boolean;
  /** Outside production a missing client is built at start; false turns that off (tests). */
  buildClient?: boolean;
}

/**
 * The built client lives in dist/client beside the package: `join(__dirname, '..', 'dist', 'client')`
 * reaches it both from src/ (tsx) and from the dist/main.js bundle.
 */
export const defaultStaticDir = join(__dirname, '..', 'dist', 'client');

/**
 * Wires the web server: static client, `/config.json`, health and metrics. Does not listen.
 * `start()` builds the client first when it is missing outside production.
 */
export function buildService(config: WebConfig, overrides: WebOverrides = {}): WebService {
  const logger = overrides.logger ?? createLogger({ service: 'web', level: config.LOG_LEVEL });
  const staticDir = config.STATIC_DIR ?? defaultStaticDir;
  const built = () => existsSync(join(staticDir, 'index.html'));
  const app = createHttpApp({
    serviceName: 'web',
    logger,
    bodyLimit: '16kb',
    readiness: () => built() && !overrides.draining?.(),
    routes: (a) => {
      a.use(
        siteRoutes({
          staticDir,
          client: {
            gatewayUrl: config.GATEWAY_URL,
            grafanaUrl: config.GRAFANA_URL,
            jaegerUrl: config.JAEGER_URL,
          },
        }),
      );
    },
  });
  return {
    app,
    staticDir,
    start: async () => {
      if (built()) return;
      if (config.NODE_ENV === 'production' || overrides.buildClient === false) {
        logger.error('built client missing: the web server stays not ready until `vite build` ran', {
          staticDir,
        });
        return;
      }
      await buildClient(staticDir, logger);
    },
    stop: async () => undefined,
  };
}
