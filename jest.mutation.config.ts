import type { Config } from 'jest';
import { shared } from './jest.config';

/**
 * The tests Stryker runs against each mutant of core (`pnpm test:mutation`, see
 * docs/mutation.md): core's unit tests and the adapters' conformance suite (every answer, over
 * real sockets), in one project, without coverage or the summary reporter, so a run is short.
 * Left out: the packaging test (it loads the built output, which Stryker does not mutate), tests
 * that start processes (`*.e2e.test.ts`), the SQLite store's own suites (no mutated code of
 * theirs), and the 10-second heap measurement of verifier.test.ts (through the global below;
 * cache-bounds.test.ts checks the same bound directly).
 */
const config: Config = {
  projects: [
    {
      ...shared,
      displayName: 'mutation',
      testMatch: [
        '<rootDir>/packages/core/test/**/*.test.ts',
        '<rootDir>/test/conformance/**/*.test.ts',
      ],
      testPathIgnorePatterns: [
        '/node_modules/',
        '/packages/core/test/packaging\\.test\\.ts$',
        '\\.e2e\\.test\\.ts$',
        '/packages/core/test/sqlite-[^/]*\\.test\\.ts$',
      ],
      globals: { VECTORCACHE_MUTATION_RUN: true },
    },
  ],
  testTimeout: 20000,
};

export default config;
