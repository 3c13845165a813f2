import type { Knex } from '@matchday/db';
import type { Logger } from '@matchday/observability';
import type { Contacts, UsersRepository } from '../db/users.repository';

/** Replaces the caller's email, phone and locale (null removes an address: that channel stops reaching them). */
export function makeUpdateContacts(deps: { db: Knex; users: UsersRepository; logger: Logger }) {
  return async (userId: string, contacts: Contacts): Promise<Contacts> => {
    await deps.users.saveContacts(deps.db, userId, contacts);
    deps.logger.info('contacts updated', {
      userId,
      email: contacts.email !== null,
      phone: contacts.phone !== null,
      locale: contacts.locale,
    });
    return contacts;
  };
}
