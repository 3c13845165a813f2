// Shared jest settings: TypeScript through swc (no type-checking here; `check-types` does that),
// ESM-only dependencies transformed to CommonJS, generous timeouts for tests against real Kafka.
const esmOnly = ['jose', 'uuid', 'nanoid', 'p-limit', 'yocto-queue', 'p-queue', 'eventemitter3', 'p-timeout'];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.(t|j|mj)sx?$': [
      require.resolve('@swc/jest'),
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2023' },
        module: { type: 'commonjs' },
      },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(\\.pnpm/)?(${esmOnly.join('|')})[@/])`],
  testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  testTimeout: 120000,
  maxWorkers: process.env.CI ? 2 : '50%',
  setupFiles: [require.resolve('./scripts/jest-env.js')],
  setupFilesAfterEnv: [require.resolve('./scripts/jest-after-env.js')],
};
