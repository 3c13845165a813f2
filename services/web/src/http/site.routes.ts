import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { Router, type Request, type Response } from 'express';
import { parsed, validate } from '@matchday/http';
import { counter } from '@matchday/observability';
import { z } from '@matchday/config';

/** What the client reads at start-up (`GET /config.json`): where the APIs and dashboards are. */
export interface ClientConfig {
  gatewayUrl: string;
  grafanaUrl: string;
  jaegerUrl: string;
}

export interface SiteDeps {
  staticDir: string;
  client: ClientConfig;
}

const clientErrors = counter({
  name: 'web_client_errors_total',
  help: 'Errors reported by browsers running the client, by kind',
  labelNames: ['kind'],
});
const missingBuild = counter({
  name: 'web_client_build_missing_total',
  help: 'Page requests answered 503 because the built client (index.html) is missing',
});

const schemas = {
  clientError: {
    body: z.object({
      kind: z.enum(['error', 'unhandledrejection']),
      message: z.string().max(2000),
      route: z.string().max(500).optional(),
      stack: z.string().max(8000).optional(),
    }),
  },
};

/**
 * The page's Content-Security-Policy: scripts, styles and fonts only from this origin (the build
 * bundles everything, nothing comes from a CDN), API calls only to this origin and the gateway.
 */
export function contentSecurityPolicy(gatewayUrl: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'", // the reconciliation report's own styles, shown in a sandboxed frame
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${gatewayUrl}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * The static client and its runtime configuration: `GET /config.json`, hashed assets (cached for a
 * year), `index.html` for every other page path (the client routes by URL hash), and
 * `POST /client-errors` where the page reports its uncaught errors (logged and counted).
 */
export function siteRoutes(deps: SiteDeps): Router {
  const r = Router();
  const indexFile = join(deps.staticDir, 'index.html');
  const csp = contentSecurityPolicy(deps.client.gatewayUrl);

  r.use((_req, res, next) => {
    res.setHeader('Content-Security-Policy', csp);
    next();
  });

  r.get('/config.json', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json(deps.client);
  });

  r.post('/client-errors', validate(schemas.clientError), (req, res) => {
    const { body } = parsed<typeof schemas.clientError>(res);
    clientErrors.inc({ kind: body.kind });
    req.log.warn('client error reported by a browser', {
      kind: body.kind,
      message: body.message,
      route: body.route,
      stack: body.stack,
    });
    res.status(204).end();
  });

  r.use(
    '/assets',
    express.static(join(deps.staticDir, 'assets'), {
      index: false,
      immutable: true,
      maxAge: '365d',
      fallthrough: true,
    }),
  );
  r.use(express.static(deps.staticDir, { index: false, maxAge: 0 }));

  const page = (req: Request, res: Response) => {
    if (!existsSync(indexFile)) {
      missingBuild.inc();
      req.log.error('built client missing: run the build (vite build) before starting the web server', {
        indexFile,
      });
      res.status(503).type('text/plain').send('The web client has not been built.');
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(indexFile);
  };
  r.get('/', page);
  // Page paths only: anything that looks like a file (has an extension) and was not found stays a 404.
  r.get(/^\/(?!assets\/)[^.]*$/, page);
  return r;
}
