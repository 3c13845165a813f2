import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseBenchmarkOutput, type BenchmarkRun } from './benchmark';
import { renderReportHtml } from './html';
import {
  defaultStep,
  fetchPrometheusWindow,
  REPORT_QUERIES,
  type PrometheusWindow,
  type QueryResult,
  type ReportQuery,
} from './prometheus';
import { barChart, lineChart, type LineSeries } from './svg';
import { formatRatio, formatValue, unitOfColumn } from './units';

export interface KeyFigure {
  readonly label: string;
  readonly value: string;
  readonly detail?: string;
}

export interface ReportTable {
  readonly caption: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

export interface ReportSection {
  readonly title: string;
  readonly description?: string;
  readonly figures: readonly KeyFigure[];
  /** Inline `<svg>` documents. */
  readonly charts: readonly string[];
  readonly tables: readonly ReportTable[];
  readonly notes: readonly string[];
  /** What could not be read or queried; shown in the report, never dropped. */
  readonly problems: readonly string[];
}

/** The seed's `MonitoringSystem.generatePerformanceReport()` result: the report's content and its HTML. */
export interface PerformanceReport {
  readonly title: string;
  readonly generatedAt: Date;
  /** Where the figures came from (files, or Prometheus URL and window). */
  readonly source: string;
  readonly headline: readonly KeyFigure[];
  readonly sections: readonly ReportSection[];
  /** One self-contained HTML document: inline CSS and SVG, no script, nothing fetched. */
  readonly html: string;
}

export type ReportInput =
  | { readonly kind: 'benchmarks'; readonly files: readonly string[] }
  | {
      readonly kind: 'prometheus';
      readonly url: string;
      readonly windowSeconds: number;
      /** End of the window; now by default. */
      readonly end?: Date;
      readonly stepSeconds?: number;
      readonly queries?: readonly ReportQuery[];
    };

export interface ReportOptions {
  readonly title?: string;
  readonly now?: () => Date;
}

/**
 * The seed's `generatePerformanceReport`: reads benchmark outputs (`pnpm bench:*` stdout saved to
 * files) or a window of Prometheus metrics, and returns the report with its HTML.
 */
export async function generatePerformanceReport(input: ReportInput, options: ReportOptions = {}): Promise<PerformanceReport> {
  const now = options.now?.() ?? new Date();
  if (input.kind === 'benchmarks') {
    if (input.files.length === 0) throw new Error('no benchmark output files given');
    const runs = await Promise.all(
      input.files.map(async (f) => parseBenchmarkOutput(await readFile(f, 'utf8'), path.basename(f))),
    );
    return withHtml(benchmarkReport(runs, { title: options.title ?? 'Matchday benchmark report', generatedAt: now }));
  }
  const end = input.end ?? now;
  const start = new Date(end.getTime() - input.windowSeconds * 1000);
  const window: PrometheusWindow = { url: input.url, start, end, stepSeconds: input.stepSeconds ?? defaultStep(start, end) };
  const results = await fetchPrometheusWindow(window, input.queries ?? REPORT_QUERIES);
  return withHtml(prometheusReport(results, window, { title: options.title ?? 'Matchday performance report', generatedAt: now }));
}

type Draft = Omit<PerformanceReport, 'html'>;

function withHtml(draft: Draft): PerformanceReport {
  return { ...draft, html: renderReportHtml(draft) };
}

/** One section per benchmark run (ratios, a bar chart per measured column, its table), plus a comparison when there are several. */
export function benchmarkReport(runs: readonly BenchmarkRun[], meta: { title: string; generatedAt: Date }): Draft {
  const sections = runs.map(runSection);
  const headline = runs.flatMap((r) =>
    r.ratios.map((x) => ({
      label: `${runs.length > 1 ? `${r.title}: ` : ''}${x.name === 'ratio' ? 'ratio (ours ÷ baseline)' : x.name}`,
      value: formatRatio(x.value),
      detail: r.source,
    })),
  );
  if (runs.length > 1) {
    const bars = runs.flatMap((r) => r.ratios.map((x) => ({ label: `${r.source} ${x.name}`, value: x.value })));
    if (bars.length > 0)
      sections.unshift({
        title: 'All runs',
        description: 'Every ratio line of every file; 1× means ours performs like the baseline measured in the same run.',
        figures: [],
        charts: [barChart({ title: 'Ratios by run', unit: 'multiple', bars, reference: { value: 1, label: '1× baseline' } })],
        tables: [],
        notes: [],
        problems: [],
      });
  }
  return { title: meta.title, generatedAt: meta.generatedAt, source: runs.map((r) => r.source).join(', '), headline, sections };
}

function runSection(run: BenchmarkRun): ReportSection {
  const charts: string[] = [];
  if (run.ratios.length > 0)
    charts.push(
      barChart({
        title: `${run.title}: ratios (ours ÷ baseline)`,
        unit: 'multiple',
        bars: run.ratios.map((r) => ({ label: r.name, value: r.value })),
        reference: { value: 1, label: '1× baseline' },
      }),
    );
  for (const table of run.tables)
    table.columns.slice(1).forEach((column, c) => {
      const bars = table.rows
        .map((row) => ({ label: row.name, value: row.values[c] ?? null }))
        .filter((b): b is { label: string; value: number } => b.value !== null);
      if (bars.length > 0) charts.push(barChart({ title: `${run.title}: ${column}`, unit: unitOfColumn(column), bars }));
    });
  const problems =
    run.tables.length === 0 && run.ratios.length === 0
      ? [`${run.source}: no table and no ratio= line found; is this the stdout of a pnpm bench:* run?`]
      : [];
  return {
    title: run.title,
    description: `From ${run.source}.`,
    figures: run.ratios.map((r) => ({ label: r.name, value: formatRatio(r.value) })),
    charts,
    tables: [
      ...run.tables.map((t) => ({ caption: 'Measured', columns: t.columns, rows: t.rows.map((r) => r.cells) })),
      ...(run.parameters.length > 0
        ? [{ caption: 'Run parameters and checks', columns: ['name', 'value'], rows: run.parameters.map((p) => [p.key, p.value]) }]
        : []),
    ],
    notes: run.notes,
    problems,
  };
}

export interface SeriesStats {
  readonly mean: number;
  readonly max: number;
  readonly last: number;
}

export function seriesStats(series: LineSeries): SeriesStats {
  const values = series.points.map(([, v]) => v).filter(Number.isFinite);
  if (values.length === 0) return { mean: NaN, max: NaN, last: NaN };
  return {
    mean: values.reduce((a, b) => a + b, 0) / values.length,
    max: Math.max(...values),
    last: values[values.length - 1] ?? NaN,
  };
}

/** Headline figures for the seed's real-time metrics, a chart and a table per query. */
export function prometheusReport(results: readonly QueryResult[], window: PrometheusWindow, meta: { title: string; generatedAt: Date }): Draft {
  const headline: KeyFigure[] = results
    .filter((r) => r.query.headline)
    .map((r) => {
      const stats = r.series.map((s) => ({ s, st: seriesStats(s) })).filter((x) => Number.isFinite(x.st.mean));
      // With several series (one per service), the headline shows the worst one for latencies, else the first.
      const pick = r.query.unit === 'seconds' ? stats.sort((a, b) => b.st.mean - a.st.mean)[0] : stats[0];
      if (!pick) return { label: r.query.title, value: 'n/a', detail: r.error ?? 'no data in this window' };
      const who = r.series.length > 1 ? `${pick.s.name}; ` : '';
      return {
        label: r.query.title,
        value: formatValue(pick.st.mean, r.query.unit),
        detail: `${who}mean over the window; max ${formatValue(pick.st.max, r.query.unit)}, last ${formatValue(pick.st.last, r.query.unit)}`,
      };
    });
  const section = (title: string, description: string, part: readonly QueryResult[]): ReportSection => ({
    title,
    description,
    figures: [],
    charts: part.map((r) => lineChart({ title: r.query.title, unit: r.query.unit, series: r.series })),
    tables: [
      {
        caption: 'Key figures over the window',
        columns: ['metric', 'series', 'mean', 'max', 'last'],
        rows: part.flatMap((r) =>
          r.series.map((s) => {
            const st = seriesStats(s);
            return [r.query.title, s.name, formatValue(st.mean, r.query.unit), formatValue(st.max, r.query.unit), formatValue(st.last, r.query.unit)];
          }),
        ),
      },
    ],
    notes: part.filter((r) => !r.error && r.series.length === 0).map((r) => `${r.query.title}: no data in this window.`),
    problems: part.filter((r) => r.error).map((r) => `${r.query.title}: Prometheus refused the query: ${r.error}`),
  });
  return {
    title: meta.title,
    generatedAt: meta.generatedAt,
    source: `${window.url}, ${window.start.toISOString()} – ${window.end.toISOString()} (step ${window.stepSeconds}s)`,
    headline,
    sections: [
      section('Real-time metrics', 'The seed\'s real-time metrics: booking and payment success, booking time, concurrent users, response time.', results.filter((r) => r.query.headline)),
      section('Performance tracking', 'Requests, errors, database, payments, notifications, cache, Kafka, outbox and breakers.', results.filter((r) => !r.query.headline)),
    ],
  };
}
