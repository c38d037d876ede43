import type { Config } from 'jest';

type Project = NonNullable<Config['projects']>[number] & object;

/** What every project shares: ts-jest, sibling packages from source, the Redis check. */
export const shared = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', diagnostics: false }],
  },
  moduleNameMapper: {
    '^@vectorcache/auth-core/adapter$': '<rootDir>/packages/core/src/adapter.ts',
    '^@vectorcache/auth-admin/adapter$': '<rootDir>/packages/admin/src/adapter.ts',
    '^@vectorcache/auth-(core|express|koa|fastify|hono|redis|postgres|cli|admin)$':
      '<rootDir>/packages/$1/src/index.ts',
  },
  // An interrupted `pnpm test:mutation` may leave its sandbox copy of the repository behind.
  modulePathIgnorePatterns: ['<rootDir>/.stryker-tmp/'],
  testTimeout: 20000,
} satisfies Partial<Project>;

// Tests that start processes or servers of their own, or need Redis or PostgreSQL: not `unit`.
const PACKAGING = '/test/packaging(\\.test\\.ts|/)';
const BINARY = '/packages/cli/test/bin\\.test\\.ts$';
// A package's own tests that start processes: `*.e2e.test.ts`.
const PROCESSES = '\\.e2e\\.test\\.ts$';
const REDIS_FAULTS = '/packages/redis/test/(cluster-)?failover\\.test\\.ts$';
const REDIS_CODEC = '/packages/redis/test/record-codec\\.test\\.ts$';
const POSTGRES_FAULTS = '/packages/postgres/test/faults\\.test\\.ts$';

/**
 * Four projects, all run by `pnpm test` (`jest`): `unit` is the fast inner loop
 * (`pnpm test:unit`, no Redis, no PostgreSQL, no child process); `integration` needs Redis,
 * PostgreSQL or the built packages, or drives every adapter over sockets; `e2e` runs real
 * processes; `chaos` kills and freezes Redis and freezes PostgreSQL's link under load.
 */
const config: Config = {
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/packages/*/test/**/*.test.ts',
        '<rootDir>/test/conformance/contract-doc.test.ts',
        // The adapter contract: every adapter over a real socket, memory and SQLite stores only.
        '<rootDir>/test/adapters/**/*.test.ts',
      ],
      testPathIgnorePatterns: [
        '/node_modules/',
        PACKAGING,
        BINARY,
        PROCESSES,
        // Every Redis suite but the codec's needs a Redis server.
        '/packages/redis/test/(?!record-codec\\.test\\.ts$)',
        // Every PostgreSQL suite needs a PostgreSQL server.
        '/packages/postgres/test/',
      ],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: [
        '<rootDir>/packages/redis/test/**/*.test.ts',
        '<rootDir>/packages/postgres/test/**/*.test.ts',
        '<rootDir>/packages/*/test/packaging.test.ts',
        '<rootDir>/test/packaging/**/*.test.ts',
        '<rootDir>/test/conformance/**/*.test.ts',
        '<rootDir>/test/admin/**/*.test.ts',
        '<rootDir>/examples/*/test/**/*.test.ts',
        // Reads the dashboard's built files.
        '<rootDir>/packages/admin/dashboard/test/build-output.test.ts',
      ],
      testPathIgnorePatterns: [
        '/node_modules/',
        REDIS_FAULTS,
        REDIS_CODEC,
        POSTGRES_FAULTS,
        '/test/conformance/contract-doc\\.test\\.ts$',
      ],
    },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: [
        '<rootDir>/test/e2e/**/*.test.ts',
        '<rootDir>/packages/cli/test/bin.test.ts',
        '<rootDir>/packages/*/test/**/*.e2e.test.ts',
        // Drives headless Chromium against a real server.
        '<rootDir>/packages/admin/dashboard/test/browser.test.ts',
      ],
    },
    {
      ...shared,
      displayName: 'chaos',
      testMatch: [
        '<rootDir>/test/security/**/*.test.ts',
        '<rootDir>/packages/redis/test/failover.test.ts',
        '<rootDir>/packages/redis/test/cluster-failover.test.ts',
        '<rootDir>/packages/postgres/test/faults.test.ts',
      ],
    },
  ],
  testTimeout: 20000,
  globalSetup: '<rootDir>/test-utils/global-setup.ts',
  reporters: ['default', '<rootDir>/test-utils/summary-reporter.cjs'],
  // `pnpm test` runs with --coverage: V8's own counters (no instrumentation, little slowdown),
  // held to a floor so coverage can only go up. The floor is the level of December 2026 (86.8 %
  // of statements and lines, 91.0 % of branches, 87.1 % of functions), rounded down: raise it
  // when coverage rises, never lower it.
  coverageProvider: 'v8',
  collectCoverageFrom: ['<rootDir>/packages/*/src/**/*.ts'],
  coverageReporters: ['text-summary', 'json-summary'],
  coverageThreshold: {
    global: { statements: 86, branches: 89, functions: 87, lines: 86 },
  },
};

export default config;
