import type { Knex } from '@matchday/db';
import type { Logger } from '@matchday/observability';
import type { UsersRepository } from '../db/users.repository';
import { CHANNELS, type Preferences } from '../domain';

/**
 * Replaces the caller's channels and opt-out. Opting out covers non-critical messages only: money
 * and cancellations are always sent.
 */
export function makeUpdatePreferences(deps: { db: Knex; users: UsersRepository; logger: Logger }) {
  return async (userId: string, prefs: Preferences): Promise<Preferences> => {
    const normalised = {
      channels: CHANNELS.filter((c) => prefs.channels.includes(c)),
      optOutNonCritical: prefs.optOutNonCritical,
    };
    await deps.users.savePreferences(deps.db, userId, normalised);
    deps.logger.info('preferences updated', { userId, ...normalised });
    return normalised;
  };
}
