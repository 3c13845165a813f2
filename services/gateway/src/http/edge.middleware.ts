import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { HttpProblem, problemType } from '@matchday/http';
import { counter } from '@matchday/observability';
import { TokenError, type TokenService } from '../app/ports';
import { deviceIdOrUndefined, mayCall } from '../domain/identity';
import { callerLimits, ipLimits, type LimitCheck, type LimitDecision, type LimitRules } from '../domain/rate-limit';
import { UNKNOWN_DEVICE, type UserSession } from '../domain/sessions';
import { gatewayContext } from './context';
import type { OperationIndex } from './openapi-document';

const authFailures = counter({
  name: 'gateway_auth_failures_total',
  help: 'Requests refused by authentication or authorisation, by reason',
  labelNames: ['reason'],
});

/** Identity headers only the gateway may set: whatever a client sends under these names is dropped. */
export const IDENTITY_HEADERS = ['x-user-id', 'x-user-roles', 'x-session-id', 'x-device-id'];

const BEARER_RE = /^Bearer ([A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_.+/=]*)$/i;

function unauthorized(reason: string, detail: string, error: 'invalid_request' | 'invalid_token'): HttpProblem {
  authFailures.inc({ reason });
  // A header value: printable ASCII only, no quotes inside the quoted string.
  const description = detail.replace(/[^\x20-\x7e]|"/g, "'");
  const challenge = error === 'invalid_request' ? 'Bearer realm="matchday"' : `Bearer realm="matchday", error="${error}", error_description="${description}"`;
  return new HttpProblem(401, 'Unauthorized', detail, { type: problemType(reason), headers: { 'WWW-Authenticate': challenge } });
}

/**
 * Finds the documented operation a request addresses and strips identity headers a client sent.
 * Deny by default: a request that is not exactly a documented operation (paths compare
 * case-sensitively) is answered 404/405 here, so nothing behind — routes, forwarding — can be
 * reached without the operation's authentication and roles.
 */
export function identifyOperation(index: OperationIndex): RequestHandler {
  return (req, res, next) => {
    for (const name of IDENTITY_HEADERS) delete req.headers[name];
    const operation = index.find(req.method, req.path);
    if (operation) {
      gatewayContext(res).operation = operation;
      return next();
    }
    const allowed = index.methodsAt(req.path);
    if (allowed.length > 0) {
      throw new HttpProblem(405, 'Method not allowed', `${req.method} is not allowed on ${req.path}.`, {
        type: problemType('method-not-allowed'),
        headers: { Allow: allowed.join(', ') },
      });
    }
    throw new HttpProblem(404, 'Not found', `No route for ${req.method} ${req.path}.`, { type: problemType('not-found') });
  };
}

/**
 * Verifies the bearer token (a missing one is fine only on anonymous operations; one that is sent
 * must always be valid) and checks the operation's roles: 401 for no/expired/invalid token, 403 for
 * a caller whose roles the operation does not accept. Undocumented paths pass on to the 404.
 */
export function authenticate(tokens: TokenService): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const ctx = gatewayContext(res);
    const op = ctx.operation;
    if (!op) throw new Error('authenticate runs after identifyOperation');
    const header = req.get('authorization');
    if (header === undefined) {
      if (op.anonymous) return next();
      throw unauthorized('token-missing', 'This operation needs a bearer token.', 'invalid_request');
    }
    const match = BEARER_RE.exec(header);
    if (!match) throw unauthorized('token-invalid', 'The Authorization header must be "Bearer <JWT>".', 'invalid_token');
    try {
      ctx.identity = await tokens.verify(match[1]!);
    } catch (err) {
      if (err instanceof TokenError && err.code === 'TOKEN_EXPIRED') throw unauthorized('token-expired', err.message, 'invalid_token');
      if (err instanceof TokenError && err.code === 'IDENTITY_PROVIDER_UNAVAILABLE') {
        authFailures.inc({ reason: 'identity-provider-unavailable' });
        req.log.error('identity provider keys unavailable', { err });
        throw new HttpProblem(503, 'Service unavailable', err.message, { type: problemType('identity-provider-unavailable'), headers: { 'Retry-After': '5' } });
      }
      throw unauthorized('token-invalid', err instanceof Error ? err.message : 'The token is not valid.', 'invalid_token');
    }
    ctx.deviceId = ctx.identity.deviceId ?? deviceIdOrUndefined(req.get('device-id')) ?? UNKNOWN_DEVICE;
    if (!mayCall(ctx.identity, op.roles)) {
      authFailures.inc({ reason: 'forbidden' });
      req.log.info('caller lacks the role for an operation', { operationId: op.operationId, roles: ctx.identity.roles });
      throw new HttpProblem(403, 'Forbidden', `${op.operationId} needs one of the roles: ${op.roles.join(', ') || 'fan, support, admin'}.`, {
        type: problemType('forbidden'),
      });
    }
    next();
  };
}

function tooManyRequests(decision: LimitDecision): HttpProblem {
  return new HttpProblem(
    429,
    'Too many requests',
    `The ${decision.action} limit (${decision.limit} per ${decision.windowSeconds} s per ${decision.subject.kind}) was exceeded; retry after ${decision.retryAfterSeconds} s.`,
    {
      type: problemType('rate-limited'),
      action: decision.action,
      retryAfterSeconds: decision.retryAfterSeconds,
      headers: { 'Retry-After': String(decision.retryAfterSeconds) },
    },
  );
}

type CheckLimits = (checks: LimitCheck[], caller: { ip: string; userId?: string }) => Promise<LimitDecision | undefined>;

function limiter(checkLimits: CheckLimits, which: (req: Request, res: Response) => LimitCheck[]): RequestHandler {
  return async (req, res, next) => {
    const identity = gatewayContext(res).identity;
    let refused: LimitDecision | undefined;
    try {
      refused = await checkLimits(which(req, res), { ip: req.ip ?? 'unknown', ...(identity ? { userId: identity.userId } : {}) });
    } catch (err) {
      // Without Redis there is no shared limit; refusing everyone would turn a cache outage into an
      // API outage, so requests pass unlimited while it lasts (counted and logged).
      authFailures.inc({ reason: 'rate-limit-store-unavailable' });
      req.log.error('rate-limit store unavailable: request let through unlimited', { err });
      return next();
    }
    if (refused) throw tooManyRequests(refused);
    next();
  };
}

/** Any request per client IP (before authentication). */
export const limitByIp = (checkLimits: CheckLimits, rules: LimitRules) =>
  limiter(checkLimits, (req) => ipLimits(rules, req.ip ?? 'unknown'));

/** Per user (or per IP when anonymous): any request, and the operation's action. */
export const limitByCaller = (checkLimits: CheckLimits, rules: LimitRules) =>
  limiter(checkLimits, (req, res) => {
    const ctx = gatewayContext(res);
    if (!ctx.operation) return [];
    return callerLimits(rules, { ip: req.ip ?? 'unknown', ...(ctx.identity ? { userId: ctx.identity.userId } : {}) }, ctx.operation.rateLimit);
  });

/** Opens the user's shared booking session and tells the client its id (`X-Session-Id`). */
export function openSession(open: (userId: string, deviceId: string) => Promise<UserSession>): RequestHandler {
  return async (_req, res, next) => {
    const ctx = gatewayContext(res);
    if (!ctx.identity) return next();
    ctx.session = await open(ctx.identity.userId, ctx.deviceId ?? UNKNOWN_DEVICE);
    res.setHeader('X-Session-Id', ctx.session.sessionId);
    next();
  };
}
