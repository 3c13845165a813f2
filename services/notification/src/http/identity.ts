import { HttpProblem, problemType } from '@matchday/http';
import type { Request, RequestHandler } from 'express';

export type Role = 'fan' | 'support' | 'admin';

const USER_ID = /^[A-Za-z0-9._:@-]{1,100}$/;

/** The caller, as the gateway forwards them (X-User-Id); 401 problem when missing. */
export function userIdOf(req: Request): string {
  const id = req.get('x-user-id');
  if (!id || !USER_ID.test(id)) {
    throw new HttpProblem(
      401,
      'Unauthenticated',
      'X-User-Id is missing or malformed; call through the gateway.',
      {
        type: problemType('unauthenticated'),
      },
    );
  }
  return id;
}

/** The caller's roles as the gateway forwards them (X-User-Roles, comma-separated). */
export function rolesOf(req: Request): Set<string> {
  return new Set(
    (req.get('x-user-roles') ?? '')
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean),
  );
}

/** Admin paths check the roles again behind the gateway: 403 problem unless the caller has one of `roles`. */
export function requireRole(...roles: Role[]): RequestHandler {
  return (req, _res, next) => {
    const has = rolesOf(req);
    if (roles.some((r) => has.has(r))) return next();
    req.log.warn('admin request refused: missing role', {
      path: req.path,
      required: roles,
      userId: req.get('x-user-id'),
    });
    next(
      new HttpProblem(403, 'Forbidden', `This needs one of the roles: ${roles.join(', ')}.`, {
        type: problemType('forbidden'),
      }),
    );
  };
}
