import { HttpProblem, problemType } from '@matchday/http';
import type { Request } from 'express';

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
