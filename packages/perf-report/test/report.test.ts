import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as cheerio from 'cheerio';
import { generatePerformanceReport } from '../src';
import { inputFromArgs } from '../src/cli';

/** tsx's command line, as `pnpm report` runs it. */
const TSX = require.resolve('tsx/cli');
const fixture = (name: string) => path.join(__dirname, 'fixtures', name);

/** Markup that would make the report depend on the network or run code. */
function externalReferences(html: string): string[] {
  const $ = cheerio.load(html);
  const found: string[] = [];
  $('script, link, iframe, img[src^="http"], object, embed').each((_, el) => {
    found.push($.html(el));
  });
  $('[src], [href]').each((_, el) => {
    const ref = $(el).attr('src') ?? $(el).attr('href') ?? '';
    if (/^(https?:)?\/\//.test(ref)) found.push(ref);
  });
  if (/@import|url\(\s*['"]?https?:/i.test($('style').text())) found.push('CSS import');
  return found;
}

describe('generatePerformanceReport from benchmark output', () => {
  it('when pnpm bench:bus output is given, then the HTML shows its ratios as figures and a chart per measured column', async () => {
    const report = await generatePerformanceReport({ kind: 'benchmarks', files: [fixture('bench-bus.txt')] });
    const $ = cheerio.load(report.html);

    const figures = $('header + main > .figures .figure')
      .map((_, el) => `${$(el).find('.label').text()}=${$(el).find('.value').text()}`)
      .get();
    expect(figures).toEqual(['ratio (ours ÷ baseline)=0.17×', 'p99_ratio=34.05×']);

    const chartTitles = $('svg.chart > title').map((_, el) => $(el).text()).get();
    expect(chartTitles).toEqual([
      'pnpm bench:bus: ratios (ours ÷ baseline)',
      'pnpm bench:bus: events/s',
      'pnpm bench:bus: p50 ms',
      'pnpm bench:bus: p99 ms',
      'pnpm bench:bus: seconds',
    ]);
    const throughput = $('svg.chart').eq(1);
    expect(throughput.find('rect').length).toBe(2);
    expect(throughput.find('text.value').map((_, el) => $(el).text()).get()).toEqual(['20.4k/s', '3464/s']);
    expect($('svg.chart').eq(0).find('line.reference').length).toBe(1);

    const table = $('table').first();
    expect(table.find('th').map((_, el) => $(el).text()).get()).toEqual(['pipeline', 'events/s', 'p50 ms', 'p99 ms', 'seconds']);
    expect(table.find('tbody tr').first().find('td').first().text()).toBe('raw kafkajs produce→consume');
    expect($('table caption').map((_, el) => $(el).text()).get()).toContain('Run parameters and checks');
    expect(report.html).toContain('applied_once');
  });

  it('when the report is opened offline, then it needs nothing from the network and runs no script', async () => {
    const report = await generatePerformanceReport({ kind: 'benchmarks', files: [fixture('bench-bus.txt')] });
    expect(report.html.startsWith('<!doctype html>')).toBe(true);
    expect(externalReferences(report.html)).toEqual([]);
  });

  it('when several runs are given, then an "All runs" chart compares every ratio and each run gets its section', async () => {
    const report = await generatePerformanceReport({
      kind: 'benchmarks',
      files: [fixture('bench-bus.txt'), fixture('console-table.txt')],
    });
    expect(report.sections.map((s) => s.title)).toEqual(['All runs', 'pnpm bench:bus', '@matchday/notification bench:fanout']);
    const $ = cheerio.load(report.html);
    const all = $('svg.chart').filter((_, el) => $(el).children('title').text() === 'Ratios by run');
    expect(all.find('text.label').map((_, el) => $(el).text()).get()).toEqual([
      'bench-bus.txt ratio',
      'bench-bus.txt p99_ratio',
      'console-table.txt ratio',
      'console-table.txt p99_ratio',
    ]);
    expect(report.headline.map((f) => f.value)).toEqual(['0.17×', '34.05×', '0.92×', '1.53×']);
  });

  it('when a file is not benchmark output, then the report says so in that section', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'perf-report-'));
    try {
      const file = path.join(dir, 'crash.txt');
      writeFileSync(file, 'Error: connect ECONNREFUSED 127.0.0.1:9092\n');
      const report = await generatePerformanceReport({ kind: 'benchmarks', files: [file] });
      expect(report.sections[0]?.problems).toEqual([
        'crash.txt: no table and no ratio= line found; is this the stdout of a pnpm bench:* run?',
      ]);
      expect(cheerio.load(report.html)('.problems li').text()).toContain('no table and no ratio= line found');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when a file does not exist, then generating fails naming it', async () => {
    await expect(generatePerformanceReport({ kind: 'benchmarks', files: ['/nonexistent/bench.txt'] })).rejects.toThrow(
      '/nonexistent/bench.txt',
    );
  });
});

describe('report command', () => {
  it('when run with --from <bench output> --out <file>, then it writes the HTML report and says what it wrote', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'perf-report-cli-'));
    try {
      const out = path.join(dir, 'report.html');
      const run = spawnSync(process.execPath, [TSX, 'src/cli.ts', '--', '--from', fixture('bench-bus.txt'), '--out', out], {
        cwd: path.join(__dirname, '..'),
        encoding: 'utf8',
        env: { ...process.env, INIT_CWD: dir },
      });
      expect(run.stderr).toBe('');
      expect(run.stdout).toMatch(/^perf-report: wrote .*report\.html \(2 key figures, 5 charts\) from bench-bus\.txt/);
      expect(readFileSync(out, 'utf8')).toContain('<svg');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when run without --from, then it exits non-zero telling what to pass', () => {
    const run = spawnSync(process.execPath, [TSX, 'src/cli.ts'], { cwd: path.join(__dirname, '..'), encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('--from <benchmark output files> or --from <Prometheus URL> --window 1h');
  });

  it('when given a Prometheus URL and a window, then it asks Prometheus for that window', () => {
    const { input } = inputFromArgs(['--from', 'http://127.0.0.1:9090', '--window', '1h30m', '--end', '2026-01-01T12:00:00Z', '--step', '30s']);
    expect(input).toEqual({
      kind: 'prometheus',
      url: 'http://127.0.0.1:9090',
      windowSeconds: 5400,
      end: new Date('2026-01-01T12:00:00Z'),
      stepSeconds: 30,
    });
    expect(() => inputFromArgs(['--from', 'http://x:9090', '--window', 'an hour'])).toThrow('"an hour" is not a duration');
    expect(() => inputFromArgs(['--from', 'http://x:9090', 'bench.txt'])).toThrow('not both');
  });

  it('when given several files after one --from, then each is a benchmark output relative to where pnpm was run', () => {
    process.env.INIT_CWD = '/work/out';
    try {
      const { input, out } = inputFromArgs(['--', '--from', 'a.txt', 'b.txt']);
      expect(input).toEqual({ kind: 'benchmarks', files: ['/work/out/a.txt', '/work/out/b.txt'] });
      expect(out).toBe('/work/out/report.html');
    } finally {
      delete process.env.INIT_CWD;
    }
  });
});
