import { HttpProblem, problemType } from '@matchday/http';
import type { Request, RequestHandler } from 'express';

export type Role = 'fan' | 'support' | 'admin';

/** The caller's roles as the gateway forwards them (X-User-Roles, comma-separated). */
export function rolesOf(req: Request): Set<string> {
  return new Set(
    (req.get('x-user-roles') ?? '')
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean),
  );
}

/** Who did it, for audit fields: `user:<X-User-Id>`. */
export function actorOf(req: Request): string {
  const id = req.get('x-user-id');
  return id ? `user:${id}` : 'user:unknown';
}

/** Admin paths check the roles again behind the gateway: 403 problem unless the caller has one of `roles`. */
export function requireRole(...roles: Role[]): RequestHandler {
  return (req, _res, next) => {
    const has = rolesOf(req);
    if (roles.some((r) => has.has(r))) return next();
    req.log.warn('admin request refused: missing role', { path: req.path, required: roles, userId: req.get('x-user-id') });
    next(
      new HttpProblem(403, 'Forbidden', `This needs one of the roles: ${roles.join(', ')}.`, {
        type: problemType('forbidden'),
      }),
    );
  };
}
