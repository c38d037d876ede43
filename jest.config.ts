import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', diagnostics: false }],
  },
  testMatch: [
    '<rootDir>/packages/*/test/**/*.test.ts',
    '<rootDir>/examples/*/test/**/*.test.ts',
    '<rootDir>/test/**/*.test.ts',
  ],
  moduleNameMapper: {
    '^@vectorcache/auth-(core|express|koa|fastify|hono|redis|cli)$':
      '<rootDir>/packages/$1/src/index.ts',
  },
  testTimeout: 20000,
  globalSetup: '<rootDir>/test-utils/global-setup.ts',
  reporters: ['default', '<rootDir>/test-utils/summary-reporter.cjs'],
};

export default config;
