export {
  buildCatalogue,
  conflictingDeclarations,
  metricNamesIn,
  missingRequired,
  queryProblems,
  requiredMismatches,
  resolveSeries,
  type KnownMetric,
  type MetricCatalogue,
  type MetricSource,
} from './catalogue';
export {
  dashboardProblems,
  dashboardQueries,
  duplicateDashboards,
  loadDashboards,
  panelsOf,
  prometheusDatasourceUid,
  type Dashboard,
  type PanelQuery,
} from './dashboards';
export {
  metricSourceFiles,
  processMetrics,
  PROMETHEUS_METRICS,
  scanDeclaredMetrics,
  TARGET_LABELS,
  type DeclaredMetric,
  type MetricType,
  type UnreadableDeclaration,
} from './declared-metrics';
export { loadInventory, missingMetricsReport, PATHS, type Inventory } from './inventory';
export { grafanaExprToPromql, parsePromql, type LabelMatcher, type MatchOp, type ParsedQuery, type Selector } from './promql';
export { parseRequiredMetrics, type RequiredMetric } from './required-metrics';
export { repoPath, repoRoot } from './repo';
export {
  alertTestCases,
  findPromtool,
  loadRules,
  PROMTOOL_MISSING,
  requirePromtool,
  runPromtool,
  type AlertTestCase,
  type PromtoolResult,
  type RuleEntry,
} from './rules';
