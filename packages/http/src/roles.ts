import type { Request, RequestHandler } from 'express';
import { HttpProblem, problemType } from './problem';

/** Roles the gateway forwards: fans book, support reads, admin changes things. */
export type Role = 'fan' | 'support' | 'admin';

const USER_ID_RE = /^[A-Za-z0-9._:@|-]{1,100}$/;

/** The caller's roles as the gateway forwards them (`X-User-Roles`, comma-separated). */
export function rolesOf(req: Request): Set<string> {
  return new Set(
    (req.get('x-user-roles') ?? '')
      .split(',')
      .map((r) => r.trim().toLowerCase())
      .filter(Boolean),
  );
}

/**
 * Admin paths check the roles again behind the gateway, from the identity it forwards: 401 problem
 * without a well-formed `X-User-Id`, 403 problem without one of `roles`; each refusal is logged.
 */
export function requireRole(...roles: Role[]): RequestHandler {
  return (req, _res, next) => {
    const userId = req.get('x-user-id');
    if (userId === undefined || !USER_ID_RE.test(userId)) {
      req.log.warn('admin request refused: no caller identity', { path: req.path, required: roles });
      next(
        new HttpProblem(
          401,
          'Unauthenticated',
          'This route needs the caller’s identity (X-User-Id from the gateway).',
          {
            type: problemType('unauthenticated'),
          },
        ),
      );
      return;
    }
    const has = rolesOf(req);
    if (roles.some((r) => has.has(r))) {
      next();
      return;
    }
    req.log.warn('admin request refused: missing role', { path: req.path, required: roles, userId });
    next(
      new HttpProblem(403, 'Forbidden', `This route needs one of the roles: ${roles.join(', ')}.`, {
        type: problemType('forbidden'),
      }),
    );
  };
}
