import type { Knex } from '@matchday/db';
import type { UsersRepository } from '../db/users.repository';
import type { Channel, Preferences } from '../domain';

/** The caller's preferences, or the defaults when they never chose. */
export function makeGetPreferences(deps: {
  db: Knex;
  users: UsersRepository;
  defaultChannels: readonly Channel[];
}) {
  return async (userId: string): Promise<Preferences> =>
    (await deps.users.preferences(deps.db, userId)) ?? {
      channels: [...deps.defaultChannels],
      optOutNonCritical: false,
    };
}
