import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { asArray, asRecord, asString, repoPath } from './repo';

/** Absolute path of `promtool` on PATH (Debian package `prometheus`), or undefined. */
export function findPromtool(searchPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, 'promtool');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

export interface PromtoolResult {
  readonly ok: boolean;
  readonly output: string;
}

/** `promtool check config <file>`: syntax, scrape configs and every rule file the config names. */
export function promtoolCheckConfig(promtool: string, relativeFile: string): PromtoolResult {
  const run = spawnSync(promtool, ['check', 'config', repoPath(relativeFile)], { encoding: 'utf8' });
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}`.trim() };
}

export interface ScrapeTarget {
  readonly job: string;
  readonly target: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** Static scrape targets of a Prometheus configuration. */
export function scrapeTargets(config: unknown): ScrapeTarget[] {
  return asArray(asRecord(config).scrape_configs).flatMap((job) =>
    asArray(asRecord(job).static_configs).flatMap((sc) =>
      asArray(asRecord(sc).targets).map((t) => ({
        job: asString(asRecord(job).job_name) ?? '',
        target: String(t),
        labels: Object.fromEntries(
          Object.entries(asRecord(asRecord(sc).labels)).map(([k, v]) => [k, String(v)]),
        ),
      })),
    ),
  );
}
