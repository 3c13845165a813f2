import type { Knex } from '@matchday/db';
import type { Logger } from '@matchday/observability';
import { parseRuleSet, type VersionedRuleSet } from '../domain';
import type { RulesRepository } from '../db/rules.repository';
import type { RulesProvider } from './rules-provider';

export interface UpdateRulesCommand {
  /** The whole rule set (thresholds, rules, blocked card countries); validated before it is stored. */
  ruleSet: unknown;
  /** The version the editor started from; a stale one is refused (RULES_VERSION_CONFLICT). */
  expectedVersion: number;
  updatedBy: string;
  note?: string;
}

/** Stores an edited rule set as the next version and makes this instance decide with it at once. */
export function makeUpdateRules(deps: { db: Knex; rules: RulesRepository; provider: RulesProvider; logger: Logger }) {
  return async function updateRules(cmd: UpdateRulesCommand): Promise<VersionedRuleSet> {
    const ruleSet = parseRuleSet(cmd.ruleSet);
    const saved = await deps.db.transaction((trx) =>
      deps.rules.save(trx, ruleSet, {
        expectedVersion: cmd.expectedVersion,
        createdBy: cmd.updatedBy,
        ...(cmd.note !== undefined && { note: cmd.note }),
      }),
    );
    deps.logger.info('fraud rules updated', { version: saved.version, updatedBy: cmd.updatedBy, rules: saved.ruleSet.rules.length });
    await deps.provider.reload();
    return saved;
  };
}
