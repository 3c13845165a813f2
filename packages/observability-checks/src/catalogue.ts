import { TARGET_LABELS, type DeclaredMetric, type MetricType } from './declared-metrics';
import { grafanaExprToPromql, parsePromql } from './promql';
import type { RequiredMetric } from './required-metrics';

export type MetricSource = 'declared' | 'required' | 'recorded' | 'builtin';

export interface KnownMetric {
  readonly name: string;
  readonly type: MetricType;
  /** Label names; undefined when unknown (recording rules), which skips the label check. */
  readonly labels?: readonly string[];
  readonly source: MetricSource;
  readonly origin: string;
}

/** Every metric name a query may use, by name; declared source wins over the required list. */
export type MetricCatalogue = ReadonlyMap<string, KnownMetric>;

export function buildCatalogue(parts: {
  declared: readonly DeclaredMetric[];
  builtin: readonly DeclaredMetric[];
  required: readonly RequiredMetric[];
  recorded: readonly string[];
}): MetricCatalogue {
  const catalogue = new Map<string, KnownMetric>();
  const add = (m: KnownMetric) => {
    if (!catalogue.has(m.name)) catalogue.set(m.name, m);
  };
  parts.declared.forEach((m) => add({ ...m, source: 'declared' }));
  parts.builtin.forEach((m) => add({ ...m, source: 'builtin' }));
  parts.required.forEach((m) =>
    add({ name: m.name, type: m.type, labels: m.labels, source: 'required', origin: 'infra/prometheus/REQUIRED_METRICS.md' }),
  );
  parts.recorded.forEach((name) => add({ name, type: 'gauge', source: 'recorded', origin: 'recording rule' }));
  return catalogue;
}

/** The metric behind a series name, with the labels the series adds (`le` on `_bucket`, `quantile` on a summary). */
export function resolveSeries(
  catalogue: MetricCatalogue,
  series: string,
): { metric: KnownMetric; extraLabels: readonly string[] } | undefined {
  const exact = catalogue.get(series);
  if (exact) return { metric: exact, extraLabels: exact.type === 'summary' ? ['quantile'] : [] };
  const suffix = /^(.*)_(bucket|sum|count)$/.exec(series);
  if (!suffix) return undefined;
  const [, base = '', part] = suffix;
  const metric = catalogue.get(base);
  if (!metric || (metric.type !== 'histogram' && metric.type !== 'summary')) return undefined;
  if (part === 'bucket' && metric.type !== 'histogram') return undefined;
  return { metric, extraLabels: part === 'bucket' ? ['le'] : [] };
}

/**
 * What is wrong with one query: syntax errors, selectors naming no metric or a metric nobody
 * exports or requires, and label matchers on labels the metric does not have.
 */
export function queryProblems(expr: string, where: string, catalogue: MetricCatalogue): string[] {
  const parsed = parsePromql(grafanaExprToPromql(expr));
  const problems = parsed.errors.map((e) => `${where}: ${e} in ${JSON.stringify(expr)}`);
  for (const selector of parsed.selectors) {
    if (selector.name === undefined) {
      problems.push(`${where}: selector ${selector.text} names no metric`);
      continue;
    }
    const found = resolveSeries(catalogue, selector.name);
    if (!found) {
      problems.push(
        `${where}: metric ${selector.name} is not declared in packages/*/src or services/*/src, not listed in infra/prometheus/REQUIRED_METRICS.md and not recorded by a rule`,
      );
      continue;
    }
    const { metric, extraLabels } = found;
    if (metric.labels === undefined) continue;
    const allowed = new Set([...metric.labels, ...extraLabels, ...TARGET_LABELS]);
    for (const m of selector.matchers)
      if (!allowed.has(m.label))
        problems.push(
          `${where}: ${selector.name} has no label "${m.label}" (it has ${[...allowed].join(', ')}; declared in ${metric.origin})`,
        );
  }
  return problems;
}

/** Metric names a query reads. */
export function metricNamesIn(expr: string): string[] {
  return parsePromql(grafanaExprToPromql(expr))
    .selectors.map((s) => s.name)
    .filter((n): n is string => n !== undefined);
}

/**
 * Required metrics that some source declares differently: another type, or without a label the
 * list needs (extra labels are fine). The rules and dashboards would not match them.
 */
export function requiredMismatches(required: readonly RequiredMetric[], declared: readonly DeclaredMetric[]): string[] {
  const problems: string[] = [];
  for (const r of required) {
    for (const d of declared.filter((x) => x.name === r.name)) {
      if (d.type !== r.type)
        problems.push(`${r.name} is a ${d.type} in ${d.origin}, but REQUIRED_METRICS.md needs a ${r.type}`);
      const lacking = r.labels.filter((l) => !d.labels.includes(l));
      if (lacking.length > 0)
        problems.push(
          `${r.name} in ${d.origin} has labels [${d.labels.join(', ')}] but lacks [${lacking.join(', ')}], which REQUIRED_METRICS.md needs`,
        );
    }
  }
  return problems;
}

/** Required metrics no source declares yet. */
export function missingRequired(required: readonly RequiredMetric[], declared: readonly DeclaredMetric[]): RequiredMetric[] {
  const names = new Set(declared.map((d) => d.name));
  return required.filter((r) => !names.has(r.name));
}

/**
 * Metrics declared in several places with another type or other labels. One process shares a
 * metric by name, so the second declaration either throws or records series with the wrong labels.
 */
export function conflictingDeclarations(declared: readonly DeclaredMetric[]): string[] {
  const first = new Map<string, DeclaredMetric>();
  const problems: string[] = [];
  for (const d of declared) {
    const seen = first.get(d.name);
    if (!seen) {
      first.set(d.name, d);
      continue;
    }
    if (seen.type !== d.type || [...seen.labels].sort().join(',') !== [...d.labels].sort().join(','))
      problems.push(
        `${d.name} is a ${d.type} [${d.labels.join(', ')}] in ${d.origin} but a ${seen.type} [${seen.labels.join(', ')}] in ${seen.origin}`,
      );
  }
  return problems;
}
