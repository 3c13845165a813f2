import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { asArray, asRecord, asString, filesUnder, readYamlFile } from './repo';

export interface RuleEntry {
  readonly file: string;
  readonly group: string;
  readonly kind: 'alert' | 'record';
  /** The alert name or the recorded series name. */
  readonly name: string;
  readonly expr: string;
  readonly annotations: Readonly<Record<string, string>>;
}

/** Every alerting and recording rule of the rule files (`*.yml`) in `dir`. */
export function loadRules(dir: string): RuleEntry[] {
  return filesUnder(dir, (n) => /\.ya?ml$/.test(n)).flatMap((file) =>
    asArray(asRecord(readYamlFile(file)).groups).flatMap((g) =>
      asArray(asRecord(g).rules).map((r) => {
        const rule = asRecord(r);
        const alert = asString(rule.alert);
        return {
          file,
          group: asString(asRecord(g).name) ?? '',
          kind: alert === undefined ? ('record' as const) : ('alert' as const),
          name: alert ?? asString(rule.record) ?? '',
          expr: String(rule.expr ?? ''),
          annotations: Object.fromEntries(Object.entries(asRecord(rule.annotations)).map(([k, v]) => [k, String(v)])),
        };
      }),
    ),
  );
}

/** Absolute path of `promtool` on PATH (Debian package `prometheus`), or undefined. */
export function findPromtool(searchPath: string = process.env.PATH ?? ''): string | undefined {
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

export const PROMTOOL_MISSING =
  'promtool is not installed, so the Prometheus rules cannot be checked. Install it with `apt-get install -y --no-install-recommends prometheus` (Debian) or put a Prometheus release\'s promtool on PATH.';

export interface PromtoolResult {
  readonly ok: boolean;
  readonly output: string;
}

/** Runs promtool with `args` in `cwd` (unit-test files name their rule files relative to themselves). */
export function runPromtool(promtool: string, args: readonly string[], cwd: string): PromtoolResult {
  const run = spawnSync(promtool, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  if (run.error) return { ok: false, output: `${promtool} could not run: ${run.error.message}` };
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}`.trim() };
}

/** One `alert_rule_test` entry of a promtool unit-test file. */
export interface AlertTestCase {
  readonly file: string;
  readonly test: string;
  readonly alertname: string;
  readonly evalTime: string;
  /** Whether the case expects the alert to fire (exp_alerts not empty). */
  readonly fires: boolean;
}

export function alertTestCases(files: readonly string[]): AlertTestCase[] {
  return files.flatMap((file) =>
    asArray(asRecord(readYamlFile(file)).tests).flatMap((t) =>
      asArray(asRecord(t).alert_rule_test).map((c) => {
        const entry = asRecord(c);
        return {
          file,
          test: asString(asRecord(t).name) ?? '',
          alertname: asString(entry.alertname) ?? '',
          evalTime: String(entry.eval_time ?? ''),
          fires: asArray(entry.exp_alerts).length > 0,
        };
      }),
    ),
  );
}

/** promtool's path, or an error telling how to install it: the rule checks never pass silently without it. */
export function requirePromtool(searchPath?: string): string {
  const found = findPromtool(searchPath);
  if (!found) throw new Error(PROMTOOL_MISSING);
  return found;
}
