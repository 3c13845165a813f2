import { DomainError } from '@matchday/contracts';
import type { Knex } from '@matchday/db';
import type { Logger } from '@matchday/observability';
import type { UsersRepository } from '../db/users.repository';

/** Removes one of the caller's devices; someone else's device is as unknown as a missing one. */
export function makeRemoveDevice(deps: { db: Knex; users: UsersRepository; logger: Logger }) {
  return async (userId: string, deviceId: string): Promise<void> => {
    if (!(await deps.users.removeDevice(deps.db, userId, deviceId)))
      throw new DomainError('DEVICE_NOT_FOUND', { deviceId });
    deps.logger.info('device removed', { userId, deviceId });
  };
}
