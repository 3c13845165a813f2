import { readFileSync } from 'node:fs';
import { buildCatalogue, missingRequired, type MetricCatalogue } from './catalogue';
import { loadDashboards, prometheusDatasourceUid, type Dashboard } from './dashboards';
import {
  metricSourceFiles,
  processMetrics,
  PROMETHEUS_METRICS,
  scanDeclaredMetrics,
  type DeclaredMetric,
  type UnreadableDeclaration,
} from './declared-metrics';
import { repoPath, repoRoot, readYamlFile } from './repo';
import { parseRequiredMetrics, type RequiredMetric } from './required-metrics';
import { loadRules, type RuleEntry } from './rules';

/** Where the monitoring setup lives in the repository. */
export const PATHS = {
  rules: 'infra/prometheus/rules',
  ruleTests: 'infra/prometheus/tests',
  requiredMetrics: 'infra/prometheus/REQUIRED_METRICS.md',
  dashboards: 'infra/grafana/dashboards',
  datasources: 'infra/grafana/provisioning/datasources/datasources.yml',
} as const;

/** Everything the checks compare, read from the repository as it is on disk. */
export interface Inventory {
  readonly root: string;
  readonly declared: readonly DeclaredMetric[];
  readonly unreadable: readonly UnreadableDeclaration[];
  readonly required: readonly RequiredMetric[];
  readonly rules: readonly RuleEntry[];
  readonly dashboards: readonly Dashboard[];
  readonly datasourceUid: string | undefined;
  readonly catalogue: MetricCatalogue;
  /** Required metrics no source declares yet: the list for the service owners. */
  readonly missing: readonly RequiredMetric[];
}

export function loadInventory(root: string = repoRoot()): Inventory {
  const { metrics: declared, unreadable } = scanDeclaredMetrics(metricSourceFiles(root), root);
  const required = parseRequiredMetrics(readFileSync(repoPath(PATHS.requiredMetrics, root), 'utf8'));
  const rules = loadRules(repoPath(PATHS.rules, root));
  const catalogue = buildCatalogue({
    declared,
    builtin: [...processMetrics(), ...PROMETHEUS_METRICS],
    required,
    recorded: rules.filter((r) => r.kind === 'record').map((r) => r.name),
  });
  return {
    root,
    declared,
    unreadable,
    required,
    rules,
    dashboards: loadDashboards(repoPath(PATHS.dashboards, root)),
    datasourceUid: prometheusDatasourceUid(readYamlFile(repoPath(PATHS.datasources, root))),
    catalogue,
    missing: missingRequired(required, declared),
  };
}

/** The warning printed for required metrics no source declares yet (empty string when none). */
export function missingMetricsReport(missing: readonly RequiredMetric[]): string {
  if (missing.length === 0) return '';
  const rows = missing.map((m) => `  ${m.service.padEnd(15)} ${m.name} (${m.type}${m.labels.length ? `; ${m.labels.join(', ')}` : ''})`);
  return [
    `${missing.length} metric(s) in ${PATHS.requiredMetrics} are not declared by any source yet; dashboards and alerts on them stay empty until they are:`,
    ...rows,
  ].join('\n');
}
