import type { NextFunction, Request, Response } from 'express';
import { counter, currentTraceIds, type Logger } from '@matchday/observability';
import { z } from 'zod';

/** Problem types are URIs under this base, one per error code: `https://matchday.dev/problems/sold-out`. */
export const PROBLEM_BASE = 'https://matchday.dev/problems/';
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface FieldError {
  path: string;
  message: string;
}

/** RFC 9457 problem details as every service renders them. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance: string;
  traceId?: string;
  code?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

/** Optional parts of a problem: `type` (default from `code`, else about:blank), `headers` (sent, not rendered). */
export type ProblemExtra = {
  type?: string;
  code?: string;
  errors?: FieldError[];
  headers?: Record<string, string>;
} & Record<string, unknown>;

/** `SOLD_OUT` → `sold-out`, `holdExpired` → `hold-expired`. */
export function kebab(code: string): string {
  return code
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase();
}

/** The problem type URI for an error code or slug. */
export function problemType(codeOrSlug: string): string {
  return `${PROBLEM_BASE}${kebab(codeOrSlug)}`;
}

/**
 * An HTTP failure an adapter decides on directly (a missing header, a rate limit, an upstream outage).
 * Thrown or passed to `next`, the error middleware renders it as problem+json.
 */
export class HttpProblem extends Error {
  override readonly name = 'HttpProblem';
  readonly type: string;
  readonly headers: Record<string, string>;
  /** Extension members rendered into the body (`code`, `errors`, …). */
  readonly extensions: Record<string, unknown>;

  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    extra: ProblemExtra = {},
  ) {
    super(detail ?? title);
    const { type, headers, ...extensions } = extra;
    this.type = type ?? (typeof extra.code === 'string' ? problemType(extra.code) : 'about:blank');
    this.headers = headers ?? {};
    this.extensions = extensions;
  }
}

function render(res: Response, p: HttpProblem): Response {
  const req = res.req as Request | undefined;
  const { traceId } = currentTraceIds();
  const body: ProblemBody = {
    ...p.extensions,
    type: p.type,
    title: p.title,
    status: p.status,
    ...(p.detail !== undefined ? { detail: p.detail } : {}),
    instance: req?.originalUrl.split('?')[0] ?? '',
    ...(traceId ? { traceId } : {}),
  };
  for (const [name, value] of Object.entries(p.headers)) res.setHeader(name, value);
  return res.status(p.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}

/** Sends a problem+json response from a handler: `return problem(res, 404, 'Hold not found')`. */
export function problem(res: Response, status: number, title: string, detail?: string, extra?: ProblemExtra): Response {
  return render(res, new HttpProblem(status, title, detail, extra));
}

// ---- mapping errors to problems -------------------------------------------------------------

interface DomainErrorLike extends Error {
  code: string;
  details?: unknown;
}

/** Duck-typed: the DomainError class lives in the contracts package, which this one does not import. */
function isDomainError(err: unknown): err is DomainErrorLike {
  return err instanceof Error && err.name === 'DomainError' && typeof (err as { code?: unknown }).code === 'string';
}

function isZodError(err: unknown): err is z.ZodError {
  return (
    err instanceof z.ZodError ||
    (err instanceof Error && err.name === 'ZodError' && Array.isArray((err as { issues?: unknown }).issues))
  );
}

interface BodyParserError extends Error {
  type: string;
  status: number;
  expose?: boolean;
}

function isBodyParserError(err: unknown): err is BodyParserError {
  return (
    err instanceof Error &&
    typeof (err as { type?: unknown }).type === 'string' &&
    typeof (err as { status?: unknown }).status === 'number'
  );
}

function humanise(code: string): string {
  const words = kebab(code).replace(/-/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Zod issue paths rendered as dotted paths (`body.items.0.quantity`). */
export function fieldErrors(err: z.ZodError): FieldError[] {
  return err.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}

/**
 * Turns any thrown value into the problem the client sees. `unexpected` marks the ones that are our
 * fault (500): those are logged as errors and rendered without any internal detail.
 */
export function toHttpProblem(err: unknown, errorStatus: Record<string, number> = {}): { problem: HttpProblem; unexpected: boolean } {
  if (err instanceof HttpProblem) return { problem: err, unexpected: false };

  if (isDomainError(err)) {
    const details = err.details && typeof err.details === 'object' && Object.keys(err.details).length > 0 ? err.details : undefined;
    return {
      problem: new HttpProblem(errorStatus[err.code] ?? 422, humanise(err.code), err.message, {
        code: err.code,
        ...(details ? { details } : {}),
      }),
      unexpected: false,
    };
  }

  if (isZodError(err)) {
    return {
      problem: new HttpProblem(400, 'Invalid request', 'The request does not match the expected shape.', {
        type: problemType('validation-failed'),
        errors: fieldErrors(err),
      }),
      unexpected: false,
    };
  }

  if (isBodyParserError(err)) {
    switch (err.type) {
      case 'entity.parse.failed':
        return {
          problem: new HttpProblem(400, 'Malformed JSON', 'The request body is not valid JSON.', { type: problemType('malformed-json') }),
          unexpected: false,
        };
      case 'entity.too.large':
      case 'parameters.too.many':
        return {
          problem: new HttpProblem(413, 'Payload too large', 'The request body exceeds the size this endpoint accepts.', {
            type: problemType('payload-too-large'),
          }),
          unexpected: false,
        };
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return {
          problem: new HttpProblem(415, 'Unsupported media type', err.message, { type: problemType('unsupported-media-type') }),
          unexpected: false,
        };
      default:
        if (err.status >= 400 && err.status < 500) {
          return { problem: new HttpProblem(err.status, 'Bad request', err.message, { type: problemType('bad-request') }), unexpected: false };
        }
    }
  }

  return {
    problem: new HttpProblem(500, 'Internal error', 'An unexpected error occurred. Quote the traceId when reporting it.', {
      type: problemType('internal-error'),
    }),
    unexpected: true,
  };
}

const problemsTotal = counter({
  name: 'http_server_problems_total',
  help: 'Problem responses rendered by the error middleware, by problem type and status',
  labelNames: ['problem_type', 'http_response_status_code'],
});

/** The last middleware of every app: renders problem+json and logs what went wrong. */
export function errorHandler(options: { logger: Logger; errorStatus?: Record<string, number> }) {
  return (err: unknown, req: Request, res: Response, next: NextFunction): void => {
    const log = req.log ?? options.logger;
    if (res.headersSent) {
      // Too late for a problem document: let express close the connection.
      log.error('error after the response started', { err, requestId: req.id });
      next(err);
      return;
    }
    const { problem: p, unexpected } = toHttpProblem(err, options.errorStatus);
    problemsTotal.inc({ problem_type: p.type.replace(PROBLEM_BASE, ''), http_response_status_code: String(p.status) });
    if (unexpected) log.error('unhandled error', { err, method: req.method, path: req.path });
    else log.debug('request refused', { status: p.status, type: p.type, detail: p.detail });
    render(res, p);
  };
}

/** Answers 404 problem+json for every request no route matched. */
export function notFoundHandler() {
  return (req: Request, _res: Response, next: NextFunction): void => {
    next(new HttpProblem(404, 'Not found', `No route for ${req.method} ${req.path}.`, { type: problemType('not-found') }));
  };
}
