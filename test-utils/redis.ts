import { randomBytes } from 'node:crypto';

/** True when the global setup reached a Redis server for this run. */
export const redisAvailable = process.env.VECTORCACHE_REDIS_AVAILABLE === '1';

/** URL of the shared test Redis (never flushed: tests write only under their own prefix). */
export const redisUrl = process.env.VECTORCACHE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * `describe` for suites that need Redis: skipped, with the reason in the suite name, when the
 * global setup found no Redis (CI turns that into a failure through VECTORCACHE_REQUIRE_REDIS).
 */
export const describeRedis = describeIf(
  redisAvailable,
  `no Redis - ${process.env.VECTORCACHE_REDIS_SKIP_REASON ?? 'unknown'}`,
);

/** True when the global setup found the `redis-server` and `redis-cli` binaries. */
export const redisServerAvailable = process.env.VECTORCACHE_REDIS_SERVER_AVAILABLE === '1';

/**
 * `describe` for suites that start their own `redis-server` processes (a server to kill or
 * freeze, a private cluster): skipped, with the reason in the suite name, without the binaries.
 */
export const describeRedisServer = describeIf(
  redisServerAvailable,
  process.env.VECTORCACHE_REDIS_SERVER_SKIP_REASON ?? 'no redis-server',
);

/** `describe` when `available`, else `describe.skip` with `[SKIPPED: reason]` in the name. */
export function describeIf(available: boolean, reason: string): jest.Describe {
  if (available) return describe;
  return ((name: string, fn: () => void) =>
    describe.skip(`${name} [SKIPPED: ${reason}]`, fn)) as unknown as jest.Describe;
}

/** A key-name prefix unique to this test run, so tests never touch data they did not write. */
export function uniquePrefix(label = 'test'): string {
  return `vctest:${label}:${process.pid}:${randomBytes(4).toString('hex')}:`;
}
