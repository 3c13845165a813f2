import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const PROMETHEUS_MISSING =
  'prometheus/promtool are not installed, so the report cannot be tested against a real Prometheus. Install them with `apt-get install -y --no-install-recommends prometheus`.';

/** A series to backfill: labels (with __name__) and a value per sample index. */
export interface Backfill {
  readonly family: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  /** One entry per series: its labels and the sample lines' suffix→value function. */
  readonly series: readonly { readonly labels: Record<string, string>; readonly value: (i: number) => number }[];
  /** Histogram buckets (upper bounds); the value function gives the cumulative count at each bucket. */
  readonly buckets?: readonly { readonly le: string; readonly share: number }[];
}

const labelText = (labels: Record<string, string>) =>
  `{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}}`;

/** OpenMetrics text for `promtool tsdb create-blocks-from openmetrics`, samples every `stepSeconds` from `start`. */
export function openMetrics(families: readonly Backfill[], start: number, count: number, stepSeconds: number): string {
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# TYPE ${f.family} ${f.type}`);
    for (const s of f.series)
      for (let i = 0; i < count; i++) {
        const t = start + i * stepSeconds;
        const v = s.value(i);
        if (f.type === 'counter') lines.push(`${f.family}_total${labelText(s.labels)} ${v} ${t}`);
        else if (f.type === 'gauge') lines.push(`${f.family}${labelText(s.labels)} ${v} ${t}`);
        else {
          for (const b of f.buckets ?? [])
            lines.push(`${f.family}_bucket${labelText({ ...s.labels, le: b.le })} ${Math.round(v * b.share)} ${t}`);
          lines.push(`${f.family}_count${labelText(s.labels)} ${v} ${t}`);
          lines.push(`${f.family}_sum${labelText(s.labels)} ${v * 0.2} ${t}`);
        }
      }
  }
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

/** A loopback port nothing listens on (right after this call). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface RunningPrometheus {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * A real Prometheus (Debian's binary) on a loopback port, serving a TSDB backfilled from the
 * given OpenMetrics text. It scrapes nothing; it only answers queries.
 */
export async function startPrometheus(openMetricsText: string): Promise<RunningPrometheus> {
  const dir = mkdtempSync(path.join(tmpdir(), 'perf-report-prom-'));
  const input = path.join(dir, 'input.om');
  writeFileSync(input, openMetricsText);
  writeFileSync(path.join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 15s\n');
  const backfill = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', input, path.join(dir, 'data')], {
    encoding: 'utf8',
  });
  if (backfill.error) throw new Error(PROMETHEUS_MISSING, { cause: backfill.error });
  if (backfill.status !== 0) throw new Error(`promtool backfill failed: ${backfill.stdout}${backfill.stderr}`);
  const port = await freePort();
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const spawnError = new Promise<never>((_, reject) => child.once('error', (e) => reject(new Error(PROMETHEUS_MISSING, { cause: e }))));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const ready = (async () => {
    for (let i = 0; i < 150; i++) {
      if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}: ${stderr}`);
      const ok = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`prometheus did not become ready in 30 s: ${stderr}`);
  })();
  try {
    await Promise.race([ready, spawnError]);
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, stop };
}
