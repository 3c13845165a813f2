import { ErrorCode, fail } from '../domain/errors';
import type { Hold } from '../domain/hold';
import { holdsRepository } from '../db/holds.repository';
import type { AppDeps } from './deps';

/** A fan reads their own hold; anybody else's is "not found". */
export function makeGetHold(deps: Pick<AppDeps, 'db'>) {
  return async (userId: string, holdId: string): Promise<Hold> => {
    const hold = await holdsRepository.get(deps.db, holdId);
    if (!hold || hold.userId !== userId) return fail(ErrorCode.HOLD_NOT_FOUND, 'no such hold', { holdId });
    return hold;
  };
}
