import { DomainError } from '@matchday/contracts';
import type { Knex } from '@matchday/db';
import type { Logger } from '@matchday/observability';
import type { ListEntry } from '../domain';
import type { ListsRepository } from '../db/lists.repository';

export function makeRemoveListEntry(deps: { db: Knex; lists: ListsRepository; logger: Logger }) {
  return async function removeListEntry(id: string, removedBy: string): Promise<ListEntry> {
    const removed = await deps.lists.remove(deps.db, id);
    if (!removed) throw new DomainError('LIST_ENTRY_NOT_FOUND', { id }, 'no list entry with this id');
    deps.logger.info('fraud list entry removed', { entryId: id, list: removed.list, kind: removed.kind, by: removedBy });
    return removed;
  };
}
