import type { Request } from 'express';

/** Who did it, for audit fields: `user:<X-User-Id>`. */
export function actorOf(req: Request): string {
  const id = req.get('x-user-id');
  return id ? `user:${id}` : 'user:unknown';
}
