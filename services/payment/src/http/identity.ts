import type { Request } from 'express';
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
