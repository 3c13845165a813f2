import type { Knex } from '@matchday/db';
import type { Logger } from '@matchday/observability';
import type { ListEntry } from '../domain';
import type { ListsRepository, NewListEntry } from '../db/lists.repository';

/** Puts a user, email, IP or card fingerprint on the allow or block list (or updates its reason and expiry). */
export function makeAddListEntry(deps: { db: Knex; lists: ListsRepository; logger: Logger }) {
  return async function addListEntry(entry: NewListEntry): Promise<{ entry: ListEntry; created: boolean }> {
    const result = await deps.lists.upsert(deps.db, entry);
    deps.logger.info('fraud list entry saved', {
      entryId: result.entry.id,
      list: entry.list,
      kind: entry.kind,
      created: result.created,
      by: entry.createdBy,
    });
    return result;
  };
}
