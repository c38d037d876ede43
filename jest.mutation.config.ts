import type { Config } from 'jest';
import { shared } from './jest.config';

/**
 * The tests Stryker runs against each mutant of core (`pnpm test:mutation`, see
 * docs/mutation.md): core's unit tests and the adapters' conformance suite (every answer, over
 * real sockets), in one project, without coverage or the summary reporter, so a run is short.
 * The packaging test is left out: it loads the built output, which Stryker does not mutate.
 */
const config: Config = {
  ...shared,
  rootDir: '.',
  testMatch: [
    '<rootDir>/packages/core/test/**/*.test.ts',
    '<rootDir>/test/conformance/**/*.test.ts',
  ],
  testPathIgnorePatterns: ['/node_modules/', '/packages/core/test/packaging\\.test\\.ts$'],
};

export default config;
