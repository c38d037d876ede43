// @ts-check
// pnpm keeps each package's dependencies private: Stryker cannot find its plugins beside itself,
// so they are named by their resolved paths.
const plugin = (name) => import.meta.resolve(name);
/**
 * Mutation testing of core (`pnpm test:mutation`, see docs/mutation.md). Not part of `pnpm test`
 * or CI: run it before resolving an issue that touches packages/core/src.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  packageManager: 'pnpm',
  plugins: [plugin('@stryker-mutator/jest-runner'), plugin('@stryker-mutator/typescript-checker')],
  // The security core: every file on the path from an Authorization header to an answer (the
  // stores, the key manager, analytics and the token issuer are not in it yet; see
  // docs/mutation.md).
  mutate: [
    'packages/core/src/{scopes,timeout}.ts',
    'packages/core/src/http/{answers,parse,request-headers,web-request,client-address}.ts',
    'packages/core/src/http/{auth-handler,auth-options,hook-answer}.ts',
    'packages/core/src/keys/{key-format,records}.ts',
    'packages/core/src/verify/{verifier,verifier-settings,cache-entries,coalesce,decisions}.ts',
    'packages/core/src/verify/{api-key-cache,api-key-path,decide,principal,core-verifier}.ts',
    'packages/core/src/verify/{record-reader,attempt-limiter}.ts',
    'packages/core/src/jwt/{jwt,jwt-keys,jwt-path,key-states}.ts',
  ],
  testRunner: 'jest',
  jest: {
    projectType: 'custom',
    // Core's unit tests and the adapters' conformance suite only (jest.mutation.config.ts).
    configFile: 'jest.mutation.config.ts',
    enableFindRelatedTests: false,
  },
  // Each mutant runs only the tests that cover it.
  coverageAnalysis: 'perTest',
  // Mutants that do not compile are dropped before any test runs.
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.mutation.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  // A rerun tests only the mutants whose code or covering tests changed. The file is committed.
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  // Two cores, shared: never more than two test processes.
  concurrency: 2,
  // A mutant that loops or hangs is stopped (and counted as detected) 15 s past the expected time.
  // Less is not enough on a shared machine: after a timeout the test runner restarts, and a fresh
  // Jest process loading ts-jest under load can itself pass 5 s, so timeouts cascade and hide
  // survivors (docs/mutation.md, "Timeouts").
  timeoutMS: 15000,
  // Module-level constants (the key pattern, the answers table) run at load time, so each of
  // their mutants needs the whole suite; they are left out (docs/mutation.md says how to run them).
  ignoreStatic: true,
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  // The floor: `break` fails the run below it (see docs/mutation.md for the level reached).
  thresholds: { high: 95, low: 90, break: 94 },
  ignorePatterns: ['bench', 'examples', 'coverage', '**/dist', '.vectorcache', 'reports/mutation'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
