import type { Knex } from '@matchday/db';
import type { Contacts, UsersRepository } from '../db/users.repository';

/** The caller's contacts; an unknown user has none yet (locale defaults to English). */
export function makeGetContacts(deps: { db: Knex; users: UsersRepository }) {
  return async (userId: string): Promise<Contacts> =>
    (await deps.users.contacts(deps.db, userId)) ?? { email: null, phone: null, locale: 'en' };
}
