import { randomBytes } from 'node:crypto';

/** True when the global setup reached a Redis server for this run. */
export const redisAvailable = process.env.VECTORCACHE_REDIS_AVAILABLE === '1';

/** URL of the shared test Redis (never flushed: tests write only under their own prefix). */
export const redisUrl = process.env.VECTORCACHE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * `describe` for suites that need Redis: skipped, with the reason in the suite name, when the
 * global setup found no Redis (CI turns that into a failure through VECTORCACHE_REQUIRE_REDIS).
 */
export const describeRedis: jest.Describe = redisAvailable
  ? describe
  : (((name: string, fn: () => void) =>
      describe.skip(
        `${name} [SKIPPED: no Redis - ${process.env.VECTORCACHE_REDIS_SKIP_REASON ?? 'unknown'}]`,
        fn,
      )) as unknown as jest.Describe);

/** A key-name prefix unique to this test run, so tests never touch data they did not write. */
export function uniquePrefix(label = 'test'): string {
  return `vctest:${label}:${process.pid}:${randomBytes(4).toString('hex')}:`;
}
