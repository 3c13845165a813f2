import type { MetricType } from './declared-metrics';

/** A domain metric the dashboards, rules or report need, as listed in infra/prometheus/REQUIRED_METRICS.md. */
export interface RequiredMetric {
  readonly name: string;
  readonly type: MetricType;
  readonly labels: readonly string[];
  readonly service: string;
  readonly meaning: string;
}

const TYPES: readonly string[] = ['counter', 'gauge', 'histogram', 'summary'];

const cells = (line: string): string[] =>
  line
    .trim()
    .replace(/^\||\|$/g, '')
    .split('|')
    .map((c) => c.trim());

const unticked = (cell: string): string[] =>
  [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]).filter((v): v is string => v !== undefined);

/**
 * The rows of the table `| metric | type | labels | service | meaning |`. Throws on a row it cannot
 * read, naming the line, so a typo in the list fails loudly instead of dropping a metric.
 */
export function parseRequiredMetrics(markdown: string): RequiredMetric[] {
  const lines = markdown.split('\n');
  const header = lines.findIndex((l) => /^\|\s*metric\s*\|\s*type\s*\|\s*labels\s*\|/.test(l));
  if (header < 0) throw new Error('REQUIRED_METRICS.md has no "| metric | type | labels | service | meaning |" table');
  const rows: RequiredMetric[] = [];
  for (let i = header + 2; i < lines.length && lines[i]?.trim().startsWith('|'); i++) {
    const [metric = '', type = '', labels = '', service = '', meaning = ''] = cells(lines[i] ?? '');
    const [name] = unticked(metric);
    if (!name || !/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name))
      throw new Error(`REQUIRED_METRICS.md line ${i + 1}: the metric cell must hold one \`name\``);
    if (!TYPES.includes(type))
      throw new Error(`REQUIRED_METRICS.md line ${i + 1}: type "${type}" is not one of ${TYPES.join(', ')}`);
    rows.push({ name, type: type as MetricType, labels: unticked(labels), service, meaning });
  }
  return rows;
}
