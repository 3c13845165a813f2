import { readFileSync } from 'node:fs';
import path from 'node:path';
import { collectDefaultMetrics, Counter, Histogram, Registry, Summary } from 'prom-client';
import ts from 'typescript';
import { filesUnder } from './repo';

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary';

/** A metric some code registers, with the label names it declares. */
export interface DeclaredMetric {
  readonly name: string;
  readonly type: MetricType;
  readonly labels: readonly string[];
  /** Where it is declared: a repository-relative file, or a description such as "prom-client default metrics". */
  readonly origin: string;
}

/** A metric declaration the scanner found but could not read (a computed name, say): reported, never guessed. */
export interface UnreadableDeclaration {
  readonly origin: string;
  readonly reason: string;
}

const FACTORY: Record<string, MetricType> = {
  counter: 'counter',
  gauge: 'gauge',
  histogram: 'histogram',
  summary: 'summary',
  Counter: 'counter',
  Gauge: 'gauge',
  Histogram: 'histogram',
  Summary: 'summary',
};

/** TypeScript sources of packages and services, tests and benchmarks left out. */
export function metricSourceFiles(root: string): string[] {
  return ['packages', 'services'].flatMap((top) =>
    filesUnder(path.join(root, top), (n) => /\.(c|m)?tsx?$/.test(n) && !/\.(test|spec)\.tsx?$/.test(n) && !n.endsWith('.d.ts')).filter(
      (f) => path.relative(path.join(root, top), f).split(path.sep)[1] === 'src',
    ),
  );
}

function calleeName(expr: ts.Expression): string | undefined {
  if (ts.isIdentifier(expr)) return expr.text;
  if (ts.isPropertyAccessExpression(expr)) return expr.name.text;
  return undefined;
}

function stringValue(expr: ts.Expression, constants: Map<string, string>): string | undefined {
  const inner = ts.isAsExpression(expr) || ts.isSatisfiesExpression(expr) ? expr.expression : expr;
  if (ts.isStringLiteral(inner) || ts.isNoSubstitutionTemplateLiteral(inner)) return inner.text;
  if (ts.isIdentifier(inner)) return constants.get(inner.text);
  return undefined;
}

function property(obj: ts.ObjectLiteralExpression, key: string): ts.Expression | undefined {
  for (const p of obj.properties) {
    if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) && p.name.text === key)
      return p.initializer;
  }
  return undefined;
}

/**
 * Metric declarations in TypeScript source: calls of `counter({ name, labelNames })`,
 * `histogram(…)`, `gauge(…)`, `summary(…)` (the `@matchday/observability` helpers) and
 * `new Counter(…)`/`Gauge`/`Histogram`/`Summary` (prom-client), read from the syntax tree.
 * A name given by a `const` of the same file is followed; anything else is reported as unreadable.
 */
export function scanDeclaredMetrics(
  files: readonly string[],
  root: string,
): { metrics: DeclaredMetric[]; unreadable: UnreadableDeclaration[] } {
  const metrics: DeclaredMetric[] = [];
  const unreadable: UnreadableDeclaration[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    if (!/\b(counter|gauge|histogram|summary|Counter|Gauge|Histogram|Summary)\b/.test(text)) continue;
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const constants = new Map<string, string>();
    const visitConstants = (node: ts.Node): void => {
      if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer) {
        const value = stringValue(node.initializer, new Map());
        if (value !== undefined) constants.set(node.name.text, value);
      }
      ts.forEachChild(node, visitConstants);
    };
    visitConstants(source);
    const relative = path.relative(root, file);
    const visit = (node: ts.Node): void => {
      if ((ts.isCallExpression(node) || ts.isNewExpression(node)) && node.arguments?.length) {
        const callee = calleeName(node.expression);
        const type = callee === undefined ? undefined : FACTORY[callee];
        const [config] = node.arguments;
        if (type && config && ts.isObjectLiteralExpression(config) && property(config, 'help') !== undefined) {
          const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
          const origin = `${relative}:${line}`;
          const nameExpr = property(config, 'name');
          const name = nameExpr && stringValue(nameExpr, constants);
          if (name === undefined) {
            unreadable.push({ origin, reason: 'the metric name is not a string literal or a const of this file' });
          } else {
            const labelExpr = property(config, 'labelNames');
            const array =
              labelExpr && (ts.isAsExpression(labelExpr) ? labelExpr.expression : labelExpr);
            const labels =
              array && ts.isArrayLiteralExpression(array)
                ? array.elements.map((e) => stringValue(e, constants))
                : [];
            if (labels.some((l) => l === undefined))
              unreadable.push({ origin, reason: `a label name of ${name} is not a string literal` });
            metrics.push({ name, type, labels: labels.filter((l): l is string => l !== undefined), origin });
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { metrics, unreadable };
}

/** What `collectDefaultMetrics` (called by `@matchday/observability`) registers in every process. */
export function processMetrics(): DeclaredMetric[] {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry.getMetricsAsArray().map((m) => ({
    name: m.name,
    type:
      m instanceof Counter ? 'counter' : m instanceof Histogram ? 'histogram' : m instanceof Summary ? 'summary' : 'gauge',
    labels: (m as unknown as { labelNames?: string[] }).labelNames ?? [],
    origin: 'prom-client default metrics',
  }));
}

/** Series Prometheus itself writes for every target, and the alert state series. */
export const PROMETHEUS_METRICS: readonly DeclaredMetric[] = [
  ...['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added'].map(
    (name): DeclaredMetric => ({ name, type: 'gauge', labels: [], origin: 'Prometheus (per scrape target)' }),
  ),
  ...['ALERTS', 'ALERTS_FOR_STATE'].map(
    (name): DeclaredMetric => ({
      name,
      type: 'gauge',
      labels: ['alertname', 'alertstate', 'severity'],
      origin: 'Prometheus (alert state)',
    }),
  ),
];

/** Labels every scraped series carries from its target (see infra/prometheus/prometheus.yml). */
export const TARGET_LABELS: readonly string[] = ['service', 'job', 'instance'];
