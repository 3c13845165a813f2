import { DomainError } from '@matchday/contracts';
import { isUniqueViolation, type Knex } from '@matchday/db';
import { parseRuleSet, type RuleSet, type VersionedRuleSet } from '../domain';

type Q = Knex | Knex.Transaction;

interface RuleSetRow {
  version: number;
  definition: unknown;
  created_at: Date;
  created_by: string;
  note: string | null;
}

const toVersioned = (row: RuleSetRow): VersionedRuleSet => ({
  version: row.version,
  ruleSet: parseRuleSet(row.definition),
  createdAt: row.created_at,
  createdBy: row.created_by,
  ...(row.note !== null && { note: row.note }),
});

export interface RulesRepository {
  current(q: Q): Promise<VersionedRuleSet>;
  currentVersion(q: Q): Promise<number>;
  byVersion(q: Q, version: number): Promise<VersionedRuleSet | undefined>;
  versions(q: Q, limit: number): Promise<Array<{ version: number; createdAt: Date; createdBy: string; note?: string }>>;
  /**
   * Stores `ruleSet` as the version after `expectedVersion`. Two editors racing on the same
   * version: one wins, the other gets RULES_VERSION_CONFLICT.
   */
  save(q: Q, ruleSet: RuleSet, opts: { expectedVersion: number; createdBy: string; note?: string }): Promise<VersionedRuleSet>;
}

export function rulesRepository(): RulesRepository {
  return {
    async current(q) {
      const row = await q<RuleSetRow>('rule_sets').orderBy('version', 'desc').first();
      if (!row) throw new Error('no rule set stored: the fraud migrations have not run');
      return toVersioned(row);
    },

    async currentVersion(q) {
      const row = await q('rule_sets').max<{ max: number | null }>('version as max').first();
      return row?.max ?? 0;
    },

    async byVersion(q, version) {
      const row = await q<RuleSetRow>('rule_sets').where({ version }).first();
      return row ? toVersioned(row) : undefined;
    },

    async versions(q, limit) {
      const rows = await q<RuleSetRow>('rule_sets').orderBy('version', 'desc').limit(limit).select('version', 'created_at', 'created_by', 'note');
      return rows.map((r) => ({ version: r.version, createdAt: r.created_at, createdBy: r.created_by, ...(r.note !== null && { note: r.note }) }));
    },

    async save(q, ruleSet, { expectedVersion, createdBy, note }) {
      const current = await this.currentVersion(q);
      if (current !== expectedVersion) {
        throw new DomainError('RULES_VERSION_CONFLICT', { expectedVersion, currentVersion: current }, `the rules are at version ${current}, not ${expectedVersion}`);
      }
      try {
        const [row] = await q<RuleSetRow>('rule_sets')
          .insert({ version: current + 1, definition: JSON.stringify(ruleSet), created_by: createdBy, note: note ?? null })
          .returning('*');
        return toVersioned(row!);
      } catch (err) {
        if (isUniqueViolation(err)) {
          throw new DomainError('RULES_VERSION_CONFLICT', { expectedVersion }, 'another edit of the rules was saved first');
        }
        throw err;
      }
    },
  };
}
