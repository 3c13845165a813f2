import { createHash, randomUUID } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { createClient } from 'redis';
import { counter, type Logger } from '@matchday/observability';
import { HttpProblem, problemType } from './problem';

/** The node-redis client (v5 and later) as `createClient()` returns it; only GET, SET and EVAL are used. */
export type IdempotencyRedis = Pick<ReturnType<typeof createClient>, 'get' | 'set' | 'eval'>;

export interface IdempotencyOptions {
  redis: IdempotencyRedis;
  /** Key prefix (service and test isolation), e.g. `gateway:idem:`. */
  prefix: string;
  /** How long a finished response can be replayed. Default 24 h. */
  ttlSeconds?: number;
  /** How long a request can hold its key while running before another may take over. Default 60 s. */
  inFlightTtlSeconds?: number;
  /** Refuse requests without `Idempotency-Key` (400). Default true. */
  required?: boolean;
  /** Methods the middleware applies to. Default POST only. */
  methods?: string[];
  logger?: Logger;
}

interface InFlight {
  state: 'in_flight';
  fingerprint: string;
  token: string;
}

interface Done {
  state: 'done';
  fingerprint: string;
  status: number;
  contentType?: string;
  location?: string;
  /** base64 of the bytes sent. */
  body?: string;
}

const KEY_RE = /^[\x21-\x7e]{1,255}$/;

// Compare-and-set / compare-and-delete: only the request that holds the key may complete or release it,
// even if its in-flight lease expired and another request took the key meanwhile.
const COMPLETE = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) return 1 end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

const outcomes = counter({
  name: 'http_idempotency_requests_total',
  help: 'Requests seen by the idempotency-key middleware, by outcome',
  labelNames: ['outcome'],
});

function subject(req: Request): string | undefined {
  const sub = (req as { auth?: { sub?: unknown } }).auth?.sub;
  return typeof sub === 'string' ? sub : undefined;
}

function fingerprintOf(req: Request): string {
  const body = req.rawBody ?? (req.body === undefined ? '' : JSON.stringify(req.body));
  return createHash('sha256')
    .update(JSON.stringify([req.method, req.originalUrl, subject(req) ?? '']))
    .update('\n')
    .update(body)
    .digest('hex');
}

/**
 * `Idempotency-Key` handling for unsafe methods (POST by default), backed by Redis:
 *
 * - no key → 400 when `required` (else the request runs normally);
 * - first use of a key → the request runs; its response (any status below 500) is stored for
 *   `ttlSeconds` before it is sent; a 5xx releases the key so the client can retry;
 * - same key, same request (method, URL, body and the caller's `req.auth.sub`) → the stored
 *   response is replayed with `Idempotent-Replayed: true`;
 * - same key, different request → 422; same key while the first request still runs → 409.
 *
 * Keys are scoped per caller (`req.auth.sub`) when there is one. If Redis is unreachable the request
 * is refused with 503 rather than run without protection.
 */
export function idempotencyKeys(options: IdempotencyOptions): RequestHandler {
  const ttlSeconds = options.ttlSeconds ?? 86400;
  const inFlightMs = (options.inFlightTtlSeconds ?? 60) * 1000;
  const required = options.required ?? true;
  const methods = new Set((options.methods ?? ['POST']).map((m) => m.toUpperCase()));
  const { redis } = options;

  const handle = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const log = req.log ?? options.logger;
    const key = req.get('idempotency-key');
    if (key === undefined) {
      if (!required) return next();
      outcomes.inc({ outcome: 'missing_key' });
      throw new HttpProblem(400, 'Idempotency-Key required', `${req.method} ${req.path} needs an Idempotency-Key header.`, {
        type: problemType('idempotency-key-missing'),
      });
    }
    if (!KEY_RE.test(key)) {
      outcomes.inc({ outcome: 'invalid_key' });
      throw new HttpProblem(400, 'Invalid Idempotency-Key', 'The key must be 1 to 255 visible ASCII characters.', {
        type: problemType('idempotency-key-invalid'),
      });
    }

    const sub = subject(req);
    const redisKey = `${options.prefix}${sub ? `${sub}:` : ''}${key}`;
    const fingerprint = fingerprintOf(req);
    const lease = JSON.stringify({ state: 'in_flight', fingerprint, token: randomUUID() } satisfies InFlight);

    let existing: string | null = null;
    try {
      // Two tries: the stored record may expire between a failed SET NX and the GET.
      for (let attempt = 0; attempt < 2; attempt++) {
        const taken = await redis.set(redisKey, lease, { condition: 'NX', expiration: { type: 'PX', value: inFlightMs } });
        if (taken !== null) break;
        existing = (await redis.get(redisKey)) as string | null;
        if (existing !== null) break;
      }
    } catch (err) {
      outcomes.inc({ outcome: 'store_error' });
      log?.error('idempotency store unavailable', { err, key: redisKey });
      throw new HttpProblem(503, 'Service unavailable', 'Idempotency keys cannot be checked right now; retry shortly.', {
        type: problemType('idempotency-store-unavailable'),
        headers: { 'Retry-After': '1' },
      });
    }

    if (existing !== null) {
      const record = JSON.parse(existing) as InFlight | Done;
      if (record.fingerprint !== fingerprint) {
        outcomes.inc({ outcome: 'mismatch' });
        throw new HttpProblem(422, 'Idempotency key reused', 'This Idempotency-Key was already used for a different request.', {
          type: problemType('idempotency-key-reused'),
        });
      }
      if (record.state === 'in_flight') {
        outcomes.inc({ outcome: 'in_flight' });
        throw new HttpProblem(409, 'Request in progress', 'A request with this Idempotency-Key is still being processed.', {
          type: problemType('idempotency-request-in-flight'),
          headers: { 'Retry-After': '1' },
        });
      }
      outcomes.inc({ outcome: 'replayed' });
      res.status(record.status).setHeader('Idempotent-Replayed', 'true');
      if (record.contentType) res.setHeader('Content-Type', record.contentType);
      if (record.location) res.setHeader('Location', record.location);
      if (record.body === undefined) res.end();
      else res.send(Buffer.from(record.body, 'base64'));
      return;
    }

    outcomes.inc({ outcome: 'first' });
    // The response is stored before it is sent: once a client has seen an answer, a retry replays it.
    const end = res.end;
    res.end = function storeThenEnd(this: Response, ...args: unknown[]) {
      res.end = end;
      const chunk = typeof args[0] === 'function' ? undefined : args[0];
      const encoding = typeof args[1] === 'string' ? (args[1] as BufferEncoding) : 'utf8';
      const persist = async () => {
        if (res.statusCode >= 500) {
          await redis.eval(RELEASE, { keys: [redisKey], arguments: [lease] });
          outcomes.inc({ outcome: 'released' });
          return;
        }
        const contentType = res.getHeader('content-type');
        const location = res.getHeader('location');
        const body =
          typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk instanceof Uint8Array ? Buffer.from(chunk) : undefined;
        const done: Done = {
          state: 'done',
          fingerprint,
          status: res.statusCode,
          ...(typeof contentType === 'string' ? { contentType } : {}),
          ...(typeof location === 'string' ? { location } : {}),
          ...(body ? { body: body.toString('base64') } : {}),
        };
        await redis.eval(COMPLETE, { keys: [redisKey], arguments: [lease, JSON.stringify(done), String(ttlSeconds)] });
      };
      persist()
        .catch((err: unknown) => {
          outcomes.inc({ outcome: 'store_error' });
          log?.error('idempotent response not stored; a retry will run the request again', { err, key: redisKey });
        })
        .finally(() => {
          (end as (...a: unknown[]) => Response).apply(this, args);
        });
      return this;
    } as Response['end'];
    // A response that never ends (client gone, handler stuck) keeps the key until the in-flight lease expires.
    next();
  };

  return (req, res, next) => {
    if (!methods.has(req.method)) return next();
    handle(req, res, next).catch(next);
  };
}
