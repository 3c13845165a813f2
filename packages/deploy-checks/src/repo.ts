import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

/** The repository's root folder (this package lives in packages/deploy-checks). */
export const repoRoot = path.resolve(__dirname, '../../..');

/** Absolute path of a file given relative to the repository root. */
export function repoPath(relative: string): string {
  return path.resolve(repoRoot, relative);
}

export function repoFileExists(relative: string): boolean {
  return existsSync(repoPath(relative));
}

export function readRepoFile(relative: string): string {
  return readFileSync(repoPath(relative), 'utf8');
}

const skippedNames = new Set(['node_modules', 'dist', '.turbo', 'coverage', '.git']);
/** Generated folders of the local Kafka broker (jars and logs), not descriptors. */
const skippedPaths = new Set(['infra/kafka/lib', 'infra/kafka/data']);

/** Files under `relativeDir` (recursively) whose names end with one of `extensions`, relative to the root, sorted. */
export function listRepoFiles(relativeDir: string, extensions: readonly string[]): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    if (!existsSync(repoPath(dir))) return;
    for (const entry of readdirSync(repoPath(dir))) {
      const child = path.posix.join(dir, entry);
      if (statSync(repoPath(child)).isDirectory()) {
        if (!skippedNames.has(entry) && !skippedPaths.has(child)) walk(child);
      } else if (extensions.some((ext) => entry.endsWith(ext))) {
        found.push(child);
      }
    }
  };
  walk(relativeDir);
  return found.sort();
}

/** A YAML file that does not parse, with the parser's message (which carries line and column). */
export class YamlFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}:\n  ${problems.join('\n  ')}`);
    this.name = 'YamlFileError';
  }
}

/**
 * Parses every document of a YAML file. Merge keys (`<<: *anchor`) are resolved the way Docker
 * Compose resolves them. Throws YamlFileError listing every syntax error and warning.
 */
export function parseYamlDocuments(text: string, file = '<text>'): unknown[] {
  const docs = parseAllDocuments(text, { merge: true, prettyErrors: true, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [docs];
  const problems = list.flatMap((d) => [...d.errors, ...d.warnings].map((e) => e.message));
  if (problems.length > 0) throw new YamlFileError(file, problems);
  return list
    .map((d) => d.toJS({ maxAliasCount: 1000 }) as unknown)
    .filter((v) => v !== null && v !== undefined);
}

export function readRepoYaml(relative: string): unknown[] {
  return parseYamlDocuments(readRepoFile(relative), relative);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asRecord(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
