import type { Knex } from '@matchday/db';
import type { Logger } from '@matchday/observability';
import type { VersionedRuleSet } from '../domain';
import type { RulesRepository } from '../db/rules.repository';
import { fraudMetrics } from './metrics';

/**
 * The rule set decisions use, held in memory. It reloads when this instance saves a new version
 * and, for the other instances, when a periodic check sees a newer version in the database: rules
 * change without a restart. A failed reload keeps the rules in use and is logged and counted.
 */
export interface RulesProvider {
  current(): VersionedRuleSet;
  reload(): Promise<VersionedRuleSet>;
  /** Reloads only when the stored version moved. */
  refresh(): Promise<void>;
  start(intervalMs: number): Promise<void>;
  stop(): void;
}

export function makeRulesProvider(deps: { db: Knex; rules: RulesRepository; logger: Logger }): RulesProvider {
  let loaded: VersionedRuleSet | undefined;
  let timer: NodeJS.Timeout | undefined;

  const reload = async (): Promise<VersionedRuleSet> => {
    const next = await deps.rules.current(deps.db);
    if (loaded?.version !== next.version) deps.logger.info('fraud rules loaded', { version: next.version, rules: next.ruleSet.rules.length });
    loaded = next;
    fraudMetrics.rulesVersion.set(next.version);
    return next;
  };

  const refresh = async (): Promise<void> => {
    try {
      const stored = await deps.rules.currentVersion(deps.db);
      if (stored !== loaded?.version) await reload();
    } catch (err) {
      fraudMetrics.failures.inc({ task: 'rules_reload' });
      deps.logger.error('fraud rules reload failed; deciding with the rules already loaded', { err, version: loaded?.version });
    }
  };

  return {
    current() {
      if (!loaded) throw new Error('rules not loaded: call start() first');
      return loaded;
    },
    reload,
    refresh,
    async start(intervalMs) {
      await reload();
      timer = setInterval(() => void refresh(), intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
