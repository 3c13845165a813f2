import type { RequestHandler } from 'express';
import { HttpProblem, problemType } from '@matchday/http';

/**
 * Admin routes check the caller's roles again: the gateway verified the token and forwards them in
 * `X-User-Roles` (comma-separated), which only the gateway can reach this service to set.
 */
export function requireRole(...roles: string[]): RequestHandler {
  return (req, _res, next) => {
    const granted = (req.get('x-user-roles') ?? '').split(',').map((r) => r.trim());
    if (!req.get('x-user-id')) {
      return next(new HttpProblem(401, 'Unauthenticated', 'This route needs an authenticated caller.', { type: problemType('unauthenticated') }));
    }
    if (!roles.some((r) => granted.includes(r))) {
      return next(new HttpProblem(403, 'Forbidden', `This route needs one of the roles: ${roles.join(', ')}.`, { type: problemType('forbidden') }));
    }
    next();
  };
}
