import { Copy, DockerfileParser, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { readRepoFile, repoFileExists } from './repo';

export interface DockerStage {
  /** Image reference with the ARG defaults declared before the first FROM substituted. */
  readonly from: string;
  readonly name?: string;
  readonly instructions: readonly Instruction[];
}

export interface ParsedDockerfile {
  readonly text: string;
  readonly stages: readonly DockerStage[];
}

export function parseDockerfile(text: string): ParsedDockerfile {
  const dockerfile = DockerfileParser.parse(text);
  const defaults = new Map(
    dockerfile
      .getInitialARGs()
      .map((a) => a.getProperty())
      .filter((p) => p !== null)
      .map((p) => [p.getName(), p.getValue() ?? ''] as const),
  );
  const substitute = (s: string): string =>
    s.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, a?: string, b?: string) => defaults.get(a ?? b ?? '') ?? whole);
  const stages: { from: string; name?: string; instructions: Instruction[] }[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const [image = '', as, name] = (instruction.getArgumentsContent() ?? '').split(/\s+/);
      stages.push({
        from: substitute(image),
        ...(as?.toUpperCase() === 'AS' && name ? { name } : {}),
        instructions: [],
      });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { text, stages };
}

export function loadDockerfile(file = 'Dockerfile'): ParsedDockerfile {
  return parseDockerfile(readRepoFile(file));
}

/** Syntax and instruction problems as the Docker language service reports them (unknown instructions, bad flags, …). */
export function dockerfileSyntaxProblems(dockerfile: ParsedDockerfile): string[] {
  return validate(dockerfile.text).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
}

const args = (i: Instruction): string => i.getArgumentsContent() ?? '';
const of = (stage: DockerStage, keyword: string): Instruction[] =>
  stage.instructions.filter((i) => i.getKeyword() === keyword);

/**
 * The one image recipe for every service: every stage starts from Node `nodeImage` (or an earlier
 * stage); the build reads SERVICE, builds that package and checks dist/main.js is there; the
 * runtime stage runs as a non-root user and starts `node … dist/main.js` in exec form (so Node
 * receives SIGTERM and shuts down gracefully); files copied from the build context exist.
 */
export function dockerfileProblems(dockerfile: ParsedDockerfile, nodeImage = 'node:24-slim'): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  for (const stage of dockerfile.stages) {
    if (stage.from !== nodeImage && !names.has(stage.from))
      problems.push(
        `stage ${stage.name ?? '(unnamed)'} starts from ${stage.from}, not ${nodeImage} or an earlier stage`,
      );
    if (stage.name) names.add(stage.name);
    for (const copy of of(stage, 'COPY').filter(
      (c) => !(c instanceof Copy && c.getFlags().some((f) => f.getName() === 'from')),
    )) {
      const sources = args(copy)
        .split(/\s+/)
        .filter((a) => !a.startsWith('--'))
        .slice(0, -1);
      for (const source of sources.filter((s) => s !== '.' && !repoFileExists(s)))
        problems.push(`COPY ${source}: not in the repository`);
    }
  }
  const building = dockerfile.stages.filter((s) => of(s, 'ARG').some((a) => /^SERVICE\b/.test(args(a))));
  if (
    !building.some((s) =>
      of(s, 'RUN').some((r) => /pnpm --filter "?@matchday\/\$\{SERVICE\}"? build/.test(args(r))),
    )
  )
    problems.push('no stage declares ARG SERVICE and runs pnpm --filter @matchday/${SERVICE} build');
  if (!/dist\/main\.js/.test(dockerfile.stages.flatMap((s) => of(s, 'RUN').map(args)).join('\n')))
    problems.push('the build does not check that dist/main.js was produced');
  const runtime = dockerfile.stages.at(-1);
  if (!runtime) return [...problems, 'no FROM instruction'];
  const user = of(runtime, 'USER').at(-1);
  if (!user || /^(root|0)(:|$)/.test(args(user)))
    problems.push('the runtime stage does not switch to a non-root USER');
  const cmd = of(runtime, 'CMD').at(-1);
  let command: unknown;
  try {
    command = cmd ? JSON.parse(args(cmd)) : undefined;
  } catch {
    command = undefined;
  }
  if (!Array.isArray(command) || command[0] !== 'node' || command.at(-1) !== 'dist/main.js')
    problems.push('the runtime stage does not CMD ["node", …, "dist/main.js"] in exec form');
  return problems;
}

/** What the build context must leave out (host installs, VCS data) and must keep (what the build copies). */
export function dockerignoreProblems(
  text: string,
  mustExclude: readonly string[] = ['**/node_modules', '.git', '.tools', '**/dist'],
  mustKeep: readonly string[] = [
    'package.json',
    'pnpm-lock.yaml',
    'pnpm-workspace.yaml',
    'packages',
    'services',
  ],
): string[] {
  const patterns = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  return [
    ...mustExclude.filter((p) => !patterns.includes(p)).map((p) => `.dockerignore does not exclude ${p}`),
    ...mustKeep
      .filter((p) => patterns.includes(p) || patterns.includes(`/${p}`) || patterns.includes(`${p}/`))
      .map((p) => `.dockerignore excludes ${p}, which the build needs`),
  ];
}
