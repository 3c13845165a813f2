import type { Request, RequestHandler } from 'express';
import { HttpProblem, problemType } from '@matchday/http';

/** The caller as the gateway forwards it (X-User-Id, X-User-Roles); services are not reachable otherwise. */
export interface Caller {
  userId: string;
  roles: string[];
}

export function callerOf(req: Request): Caller | undefined {
  const userId = req.get('x-user-id');
  if (!userId) return undefined;
  return { userId, roles: (req.get('x-user-roles') ?? '').split(',').map((r) => r.trim()).filter(Boolean) };
}

export const isStaff = (c: Caller): boolean => c.roles.includes('admin') || c.roles.includes('support');

export function requireCaller(req: Request): Caller {
  const caller = callerOf(req);
  if (!caller) throw new HttpProblem(401, 'Unauthenticated', 'This route needs an authenticated caller.', { type: problemType('unauthenticated') });
  return caller;
}

/** Admin routes check the roles again. */
export function requireRole(...roles: string[]): RequestHandler {
  return (req, _res, next) => {
    const caller = callerOf(req);
    if (!caller) return next(new HttpProblem(401, 'Unauthenticated', 'This route needs an authenticated caller.', { type: problemType('unauthenticated') }));
    if (!roles.some((r) => caller.roles.includes(r))) {
      return next(new HttpProblem(403, 'Forbidden', `This route needs one of the roles: ${roles.join(', ')}.`, { type: problemType('forbidden') }));
    }
    next();
  };
}
