import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';

/** zod schemas for the parts of a request a route checks. */
export interface RequestSchemas {
  body?: z.ZodType;
  query?: z.ZodType;
  params?: z.ZodType;
  headers?: z.ZodType;
}

/** What `validate(schemas)` parsed, part by part. */
export type Parsed<S extends RequestSchemas> = {
  [K in keyof S]: S[K] extends z.ZodType ? z.output<S[K]> : never;
};

const PARSED = 'parsed';

/**
 * Checks the request against zod schemas; on failure passes one ZodError whose paths start with the
 * part (`body.quantity`, `query.limit`), which the error middleware renders as a 400 problem.
 *
 * Parsed values (with zod's defaults and coercions applied) are stored on `res.locals.parsed`, read
 * them with {@link parsed}. `req.body` and `req.params` are also replaced by their parsed values.
 * `req.query` cannot be: in express 5 it is a getter that re-parses the URL on every read, so the
 * parsed query lives only in `parsed(res).query`. Headers are checked but not replaced.
 *
 * ```ts
 * const placeHold = { body: z.object({ matchId: z.uuid(), quantity: z.number().int().min(1) }) };
 * router.post('/holds', validate(placeHold), async (req, res) => {
 *   const { body } = parsed<typeof placeHold>(res);
 * });
 * ```
 */
export function validate<S extends RequestSchemas>(schemas: S): RequestHandler {
  const parts = (['params', 'query', 'headers', 'body'] as const).filter((part) => schemas[part] !== undefined);
  return (req: Request, res: Response, next: NextFunction) => {
    const issues: z.core.$ZodIssue[] = [];
    const out: Record<string, unknown> = {};
    for (const part of parts) {
      const result = schemas[part]!.safeParse(req[part]);
      if (result.success) out[part] = result.data;
      else for (const issue of result.error.issues) issues.push({ ...issue, path: [part, ...issue.path] });
    }
    if (issues.length > 0) {
      next(new z.ZodError(issues));
      return;
    }
    if ('body' in out) req.body = out.body;
    if ('params' in out) req.params = out.params as Request['params'];
    res.locals[PARSED] = { ...(res.locals[PARSED] as object | undefined), ...out };
    next();
  };
}

/** The values `validate` parsed for this request. Throws when the route has no `validate` (a wiring bug). */
export function parsed<S extends RequestSchemas>(res: Response): Parsed<S> {
  const value = res.locals[PARSED] as Parsed<S> | undefined;
  if (!value) throw new Error('parsed(res) called on a route without validate(...)');
  return value;
}
