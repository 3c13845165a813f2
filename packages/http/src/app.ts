import { randomUUID } from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import helmet from 'helmet';
import { histogram, type Logger, metricsContentType, metricsText } from '@matchday/observability';
import './request';
import { errorHandler, HttpProblem, notFoundHandler, problemType } from './problem';

export interface HttpAppOptions {
  serviceName: string;
  logger: Logger;
  /** Mount the service's routers here; they run after the common middleware and health endpoints. */
  routes: (app: Express) => void;
  /** Is the service able to take traffic (dependencies up, not draining)? Default: always. */
  readiness?: () => boolean | Promise<boolean>;
  /** Largest accepted body, in body-parser notation. Default `100kb`. */
  bodyLimit?: string;
  /** HTTP status per domain error code; unknown codes answer 422. */
  errorStatus?: Record<string, number>;
  /**
   * Paths (and everything below them) whose body is kept verbatim in `req.rawBody` for signature
   * checks. They accept JSON, form-encoded and any other body; other paths accept only JSON (415).
   */
  rawBodyPaths?: string[];
  /**
   * Which hops may set X-Forwarded-For (express `trust proxy`), deciding `req.ip` for rate limits.
   * Default: loopback and private ranges, i.e. the ingress or sidecar in front of the pod.
   */
  trustProxy?: boolean | string | number;
}

const JSON_TYPES = ['application/json', 'application/*+json'];
const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;
const PROBE_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);

const requestDuration = histogram({
  name: 'http_server_request_duration_seconds',
  help: 'Duration of HTTP server requests (OTel http.server.request.duration)',
  labelNames: ['http_request_method', 'http_route', 'http_response_status_code'],
});

function under(paths: string[], path: string): boolean {
  return paths.some((p) => path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`));
}

/** Runs middleware in order, stopping at the first error. */
function chain(handlers: RequestHandler[]): RequestHandler {
  return (req, res, next) => {
    const run = (i: number, err?: unknown): void => {
      const handler = handlers[i];
      if (err !== undefined || !handler) return next(err);
      handler(req, res, (e?: unknown) => run(i + 1, e));
    };
    run(0);
  };
}

/** The route template that matched (`/v1/holds/:id`), read while the request is inside its router. */
function routeOf(req: Request): string | undefined {
  const path: unknown = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? `${req.baseUrl}${path}` : undefined;
}

/** Request id, per-request logger, access log line and the duration histogram. */
function instrument(logger: Logger): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    const incoming = req.get('x-request-id');
    req.id = incoming && REQUEST_ID_RE.test(incoming) ? incoming : randomUUID();
    req.log = logger.child({ requestId: req.id });
    res.setHeader('X-Request-Id', req.id);

    // The route is known only while the request is inside its router, so it is read when the
    // status line is written rather than when the response has finished.
    let route: string | undefined;
    const writeHead = res.writeHead;
    res.writeHead = function captureRoute(this: Response, ...args: Parameters<Response['writeHead']>) {
      route = routeOf(req);
      return writeHead.apply(this, args);
    } as Response['writeHead'];

    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const status = res.writableFinished ? res.statusCode : 499;
      requestDuration.observe(
        { http_request_method: req.method, http_route: route ?? 'unmatched', http_response_status_code: String(status) },
        seconds,
      );
      const line = `${req.method} ${req.path} ${status}`;
      const fields = { method: req.method, path: req.path, route, status, durationMs: Math.round(seconds * 1e4) / 10 };
      if (PROBE_PATHS.has(req.path)) req.log.debug(line, fields);
      else req.log.http(line, fields);
    });
    next();
  };
}

function bodyParsing(limit: string, rawBodyPaths: string[]): RequestHandler {
  const keepRaw = (req: Request, _res: Response, buf: Buffer) => {
    req.rawBody = Buffer.from(buf);
  };
  const raw = chain([
    express.json({ limit, type: JSON_TYPES, verify: keepRaw }),
    express.urlencoded({ limit, extended: false, verify: keepRaw }),
    express.raw({ limit, type: () => true, verify: keepRaw }),
  ]);
  const json = express.json({ limit, type: JSON_TYPES });
  return (req, res, next) => {
    if (under(rawBodyPaths, req.path)) return raw(req, res, next);
    const length = req.headers['content-length'];
    const hasContent = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
    if (hasContent && req.is(JSON_TYPES) === false) {
      return next(
        new HttpProblem(415, 'Unsupported media type', 'Send the request body as application/json.', {
          type: problemType('unsupported-media-type'),
        }),
      );
    }
    return json(req, res, next);
  };
}

/**
 * The express app every service starts from, in this order: security headers, request id and
 * access log, body parsing, `GET /health/live`, `GET /health/ready`, `GET /metrics`, the service's
 * routes, a 404 problem for anything else, and the problem+json error middleware.
 * Tests drive the returned app directly (supertest); main.ts listens with {@link listen}.
 */
export function createHttpApp(options: HttpAppOptions): Express {
  const { logger } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxy ?? 'loopback, linklocal, uniquelocal');
  app.locals.serviceName = options.serviceName;

  app.use(helmet());
  app.use(instrument(logger));
  app.use(bodyParsing(options.bodyLimit ?? '100kb', options.rawBodyPaths ?? []));

  app.get('/health/live', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/health/ready', async (req, res) => {
    let ready = false;
    try {
      ready = options.readiness ? await options.readiness() : true;
    } catch (err) {
      req.log.warn('readiness check failed', { err });
    }
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready' });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metricsContentType).send(await metricsText());
  });

  options.routes(app);

  app.use(notFoundHandler());
  app.use(errorHandler({ logger, ...(options.errorStatus ? { errorStatus: options.errorStatus } : {}) }));
  return app;
}
