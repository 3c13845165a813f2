import type { ErrorRequestHandler, Express, Request, RequestHandler, Response } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import { HttpProblem, problemType } from '@matchday/http';
import { counter } from '@matchday/observability';
import { isRedisUnavailable } from '../adapters/redis';
import type { OpenApiDocument } from './openapi-document';

const refused = counter({
  name: 'gateway_request_validation_failures_total',
  help: 'Requests refused because they do not match the OpenAPI document, by status',
  labelNames: ['http_response_status_code'],
});
const unavailable = counter({
  name: 'gateway_dependency_unavailable_total',
  help: 'Requests answered 503 because Redis could not be reached',
});

type ValidatorApiSpec = Parameters<typeof OpenApiValidator.middleware>[0]['apiSpec'];

/** Checks every request against the OpenAPI document: paths, methods, parameters, headers and bodies. */
export function validateRequests(doc: OpenApiDocument): RequestHandler[] {
  return OpenApiValidator.middleware({
    // The validator resolves $refs in place: give it its own copy.
    apiSpec: structuredClone(doc) as unknown as ValidatorApiSpec,
    validateRequests: { allowUnknownQueryParameters: false },
    validateResponses: false,
    validateSecurity: false,
    validateApiSpec: true,
    fileUploader: false,
    ignoreUndocumented: false,
  }) as unknown as RequestHandler[];
}

/**
 * Makes the validator load the document now (it otherwise does on the first request), so that a
 * document it cannot use stops the start instead of failing every request with a 500.
 */
export function loadValidators(app: Express, validators: RequestHandler[]): Promise<void> {
  const first = validators[0];
  if (!first) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = { app, method: 'GET', url: '/', originalUrl: '/', path: '/', headers: {} } as unknown as Request;
    void first(probe, {} as Response, (err?: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()));
  });
}

interface ValidatorError {
  status: number;
  message: string;
  errors?: Array<{ path?: string; message?: string }>;
  headers?: Record<string, string>;
}

function isValidatorError(err: unknown): err is ValidatorError {
  return (
    err instanceof Error &&
    typeof (err as { status?: unknown }).status === 'number' &&
    Array.isArray((err as { errors?: unknown }).errors) &&
    !(err instanceof HttpProblem)
  );
}

const TITLES: Record<number, [string, string]> = {
  400: ['Invalid request', 'validation-failed'],
  404: ['Not found', 'not-found'],
  405: ['Method not allowed', 'method-not-allowed'],
  406: ['Not acceptable', 'not-acceptable'],
  413: ['Payload too large', 'payload-too-large'],
  415: ['Unsupported media type', 'unsupported-media-type'],
};

/**
 * Turns the validator's errors and an unreachable Redis into problems, before the common error
 * middleware renders them. Anything else passes on unchanged.
 */
export function translateErrors(): ErrorRequestHandler {
  return (err, req, _res, next) => {
    if (isValidatorError(err)) {
      const [title, slug] = TITLES[err.status] ?? ['Invalid request', 'validation-failed'];
      const status = TITLES[err.status] ? err.status : 400;
      refused.inc({ http_response_status_code: String(status) });
      const errors = (err.errors ?? []).map((e) => ({ path: String(e.path ?? ''), message: String(e.message ?? '') }));
      const detail = status === 404 ? `No route for ${req.method} ${req.path}.` : err.message;
      return next(
        new HttpProblem(status, title, detail, {
          type: problemType(slug),
          ...(status === 400 ? { errors } : {}),
          ...(err.headers ? { headers: err.headers } : {}),
        }),
      );
    }
    if (isRedisUnavailable(err)) {
      unavailable.inc();
      req.log.error('redis unavailable: request refused', { err, path: req.path });
      return next(
        new HttpProblem(503, 'Service unavailable', 'A gateway dependency is unavailable; retry shortly.', {
          type: problemType('dependency-unavailable'),
          headers: { 'Retry-After': '1' },
        }),
      );
    }
    next(err);
  };
}
