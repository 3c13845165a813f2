import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { HttpProblem, problemType } from '@matchday/http';
import type { Actor } from '../app/read-bookings.use-case';
import { metrics } from '../app/metrics';

const USER_RE = /^[A-Za-z0-9._:@|-]{1,100}$/;
const ID_RE = /^[A-Za-z0-9._:-]{1,100}$/;

/** The caller as the gateway forwards it (DEVELOPING.md, "Identity inside the platform"). */
export interface Caller extends Actor {
  sessionId: string | null;
  deviceId: string | null;
}

const CALLER = 'caller';
const callerIn = (res: Response): Caller | undefined => res.locals[CALLER] as Caller | undefined;

/**
 * Reads X-User-Id, X-User-Roles, X-Session-Id and X-Device-Id. A well-formed user id becomes
 * `req.auth.sub`, which also scopes Idempotency-Keys per user.
 */
export function identity(): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const userId = req.get('x-user-id');
    if (userId !== undefined && USER_RE.test(userId)) {
      const roles = (req.get('x-user-roles') ?? '')
        .split(',')
        .map((r) => r.trim().toLowerCase())
        .filter(Boolean);
      const session = req.get('x-session-id');
      const device = req.get('x-device-id');
      res.locals[CALLER] = {
        userId,
        roles,
        sessionId: session && ID_RE.test(session) ? session : null,
        deviceId: device && ID_RE.test(device) ? device : null,
      };
      (req as Request & { auth?: { sub: string } }).auth = { sub: userId };
    }
    next();
  };
}

/** 401 without an identity. */
export const requireUser: RequestHandler = (_req, res, next) => {
  if (callerIn(res)) return next();
  metrics.authFailures.inc({ status: '401' });
  next(
    new HttpProblem(401, 'Unauthenticated', 'This endpoint needs the caller’s identity (X-User-Id from the gateway).', {
      type: problemType('unauthenticated'),
      code: 'UNAUTHENTICATED',
    }),
  );
};

/** 401 without an identity, 403 without one of `roles`. */
export function requireRole(...roles: string[]): RequestHandler {
  return (req, res, next) => {
    const caller = callerIn(res);
    if (!caller) return requireUser(req, res, next);
    if (caller.roles.some((r) => roles.includes(r))) return next();
    metrics.authFailures.inc({ status: '403' });
    next(
      new HttpProblem(403, 'Forbidden', `This endpoint needs the ${roles.join(' or ')} role.`, {
        type: problemType('forbidden'),
        code: 'FORBIDDEN',
      }),
    );
  };
}

/** The authenticated caller (after requireUser). */
export function callerOf(res: Response): Caller {
  const caller = callerIn(res);
  if (!caller) throw new Error('callerOf used on a route without requireUser');
  return caller;
}
