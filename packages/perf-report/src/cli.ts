/**
 * pnpm --filter @matchday/perf-report report -- --from <file>... [--out report.html] [--title T]
 * pnpm --filter @matchday/perf-report report -- --from http://127.0.0.1:9090 --window 1h [--end ISO] [--step 30s]
 *
 * Benchmark mode reads the saved stdout of `pnpm bench:*` runs; Prometheus mode queries a window
 * through the HTTP API. Either way the result is one self-contained HTML file.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseDuration } from './prometheus';
import { generatePerformanceReport, type ReportInput } from './report';

export function inputFromArgs(argv: readonly string[]): { input: ReportInput; out: string; title?: string } {
  const { values, positionals } = parseArgs({
    args: argv.filter((a) => a !== '--'),
    allowPositionals: true,
    options: {
      from: { type: 'string', multiple: true },
      out: { type: 'string', default: 'report.html' },
      window: { type: 'string', default: '1h' },
      end: { type: 'string' },
      step: { type: 'string' },
      title: { type: 'string' },
    },
  });
  const from = [...(values.from ?? []), ...positionals];
  if (from.length === 0) throw new Error('say where the figures come from: --from <benchmark output files> or --from <Prometheus URL> --window 1h');
  const urls = from.filter((f) => /^https?:\/\//.test(f));
  let input: ReportInput;
  if (urls.length > 0) {
    if (urls.length !== from.length || urls.length > 1) throw new Error('--from takes either one Prometheus URL or benchmark output files, not both');
    const end = values.end === undefined ? undefined : new Date(values.end);
    if (end && Number.isNaN(end.getTime())) throw new Error(`--end "${values.end}" is not a date`);
    input = {
      kind: 'prometheus',
      url: urls[0] ?? '',
      windowSeconds: parseDuration(values.window),
      ...(end ? { end } : {}),
      ...(values.step ? { stepSeconds: parseDuration(values.step) } : {}),
    };
  } else {
    input = { kind: 'benchmarks', files: from.map((f) => path.resolve(process.env.INIT_CWD ?? process.cwd(), f)) };
  }
  return { input, out: path.resolve(process.env.INIT_CWD ?? process.cwd(), values.out), ...(values.title ? { title: values.title } : {}) };
}

async function main(): Promise<void> {
  const { input, out, title } = inputFromArgs(process.argv.slice(2));
  const report = await generatePerformanceReport(input, title ? { title } : {});
  await writeFile(out, report.html);
  const charts = report.sections.reduce((n, s) => n + s.charts.length, 0);
  const problems = report.sections.flatMap((s) => s.problems);
  for (const p of problems) console.error(`perf-report: ${p}`);
  console.log(`perf-report: wrote ${out} (${report.headline.length} key figures, ${charts} charts) from ${report.source}`);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(`perf-report: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
