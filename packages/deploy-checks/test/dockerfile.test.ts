import {
  dockerfileProblems,
  dockerfileSyntaxProblems,
  dockerignoreProblems,
  loadDockerfile,
  parseDockerfile,
  readRepoFile,
} from '../src';

const dockerfile = loadDockerfile();

describe('Dockerfile', () => {
  it('when the Dockerfile is linted, then it has no unknown instruction, flag or malformed argument', () => {
    expect(dockerfileSyntaxProblems(dockerfile)).toEqual([]);
  });

  it('when a Dockerfile has an unknown instruction or flag, then the lint reports the line', () => {
    expect(
      dockerfileSyntaxProblems(parseDockerfile('FROM node:24-slim\nRUNN echo\nCOPY --frm=build a b\n')),
    ).toEqual(['line 2: Unknown instruction: RUNN', 'line 3: Unknown flag: frm']);
  });

  it('when an image is built for a service, then it builds that package on node:24-slim and runs dist/main.js as a non-root user', () => {
    expect(dockerfileProblems(dockerfile)).toEqual([]);
    expect(dockerfile.stages.map((s) => [s.name, s.from])).toEqual([
      ['base', 'node:24-slim'],
      ['build', 'base'],
      ['runtime', 'node:24-slim'],
    ]);
  });

  it('when the runtime runs as root, starts through a shell or builds no SERVICE, then each is reported', () => {
    const bad = parseDockerfile('FROM node:22\nCOPY missing.txt /app/\nUSER root\nCMD node dist/main.js\n');
    expect(dockerfileProblems(bad)).toEqual([
      'stage (unnamed) starts from node:22, not node:24-slim or an earlier stage',
      'COPY missing.txt: not in the repository',
      'no stage declares ARG SERVICE and runs pnpm --filter @matchday/${SERVICE} build',
      'the build does not check that dist/main.js was produced',
      'the runtime stage does not switch to a non-root USER',
      'the runtime stage does not CMD ["node", …, "dist/main.js"] in exec form',
    ]);
  });
});

describe('.dockerignore', () => {
  it('when the build context is sent, then host installs and VCS data stay out and the workspace sources stay in', () => {
    expect(dockerignoreProblems(readRepoFile('.dockerignore'))).toEqual([]);
  });

  it('when the lockfile or node_modules handling is wrong, then it is reported', () => {
    expect(dockerignoreProblems('.git\n.tools\n**/dist\npnpm-lock.yaml\n')).toEqual([
      '.dockerignore does not exclude **/node_modules',
      '.dockerignore excludes pnpm-lock.yaml, which the build needs',
    ]);
  });
});
