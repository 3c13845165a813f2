import { randomUUID } from 'node:crypto';
import type { Knex } from '@matchday/db';
import { normaliseListValue, type ListEntry, type ListKind, type ListName, type ListProbe } from '../domain';

type Q = Knex | Knex.Transaction;

interface ListRow {
  id: string;
  list: ListName;
  kind: ListKind;
  value: string;
  reason: string;
  created_by: string;
  created_at: Date;
  expires_at: Date | null;
}

const toEntry = (r: ListRow): ListEntry => ({
  id: r.id,
  list: r.list,
  kind: r.kind,
  value: r.value,
  reason: r.reason,
  createdBy: r.created_by,
  createdAt: r.created_at,
  ...(r.expires_at && { expiresAt: r.expires_at }),
});

export interface NewListEntry {
  list: ListName;
  kind: ListKind;
  value: string;
  reason: string;
  createdBy: string;
  expiresAt?: Date;
}

export interface ListsRepository {
  /** Adds an entry, or updates reason and expiry of the same (list, kind, value). */
  upsert(q: Q, entry: NewListEntry): Promise<{ entry: ListEntry; created: boolean }>;
  remove(q: Q, id: string): Promise<ListEntry | undefined>;
  list(q: Q, filter: { list?: ListName; kind?: ListKind; limit: number }): Promise<ListEntry[]>;
  /** Active entries (not expired at `now`) matching any of the probe's values. */
  hits(q: Q, probe: ListProbe, now: Date): Promise<ListEntry[]>;
}

export function listsRepository(): ListsRepository {
  return {
    async upsert(q, e) {
      const value = normaliseListValue(e.kind, e.value);
      const id = randomUUID();
      const [row] = await q<ListRow>('list_entries')
        .insert({
          id,
          list: e.list,
          kind: e.kind,
          value,
          reason: e.reason,
          created_by: e.createdBy,
          expires_at: e.expiresAt ?? null,
        })
        .onConflict(['list', 'kind', 'value'])
        .merge(['reason', 'expires_at'])
        .returning('*');
      return { entry: toEntry(row!), created: row!.id === id };
    },

    async remove(q, id) {
      const [row] = await q<ListRow>('list_entries').where({ id }).delete().returning('*');
      return row ? toEntry(row) : undefined;
    },

    async list(q, { list, kind, limit }) {
      const query = q<ListRow>('list_entries').orderBy('created_at', 'desc').limit(limit);
      if (list) query.where({ list });
      if (kind) query.where({ kind });
      return (await query).map(toEntry);
    },

    async hits(q, probe, now) {
      const pairs = (Object.entries(probe) as Array<[ListKind, string | undefined]>).filter(
        (p): p is [ListKind, string] => p[1] !== undefined && p[1] !== '',
      );
      if (pairs.length === 0) return [];
      const rows = await q<ListRow>('list_entries')
        .where((w) => {
          for (const [kind, value] of pairs) w.orWhere({ kind, value: normaliseListValue(kind, value) });
        })
        .andWhere((w) => w.whereNull('expires_at').orWhere('expires_at', '>', now));
      return rows.map(toEntry);
    },
  };
}
