import { connect } from 'node:net';

/** Answers whether a Redis server answers PING at host:port within timeoutMs. */
function pingRedis(host: string, port: number, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (problem: string | null): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(problem);
    };
    const timer = setTimeout(
      () => done(`no answer from ${host}:${port} within ${timeoutMs} ms`),
      timeoutMs,
    );
    socket.once('error', (err) => done(`cannot connect to ${host}:${port} (${err.message})`));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) =>
      done(data.toString().startsWith('+PONG') ? null : `unexpected answer from ${host}:${port}`),
    );
  });
}

/**
 * Decides once per Jest run whether the Redis suites can run, and tells the workers through
 * the environment. With VECTORCACHE_REQUIRE_REDIS=1 (set by CI) a missing Redis fails the run.
 */
export default async function globalSetup(): Promise<void> {
  const url = new URL(process.env.VECTORCACHE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
  const problem = await pingRedis(url.hostname, Number(url.port || 6379), 1000);
  process.env.VECTORCACHE_TEST_REDIS_URL = url.toString();
  if (problem === null) {
    process.env.VECTORCACHE_REDIS_AVAILABLE = '1';
    return;
  }
  process.env.VECTORCACHE_REDIS_AVAILABLE = '0';
  process.env.VECTORCACHE_REDIS_SKIP_REASON = problem;
  if (process.env.VECTORCACHE_REQUIRE_REDIS === '1') {
    throw new Error(
      `VECTORCACHE_REQUIRE_REDIS=1 but Redis is not reachable: ${problem}. ` +
        'Start one with `redis-server --port 6379 --save ""` or set VECTORCACHE_TEST_REDIS_URL.',
    );
  }
  process.stderr.write(
    `\n*** Redis suites SKIPPED: ${problem}. Start redis-server (or set ` +
      'VECTORCACHE_TEST_REDIS_URL) to run them; CI sets VECTORCACHE_REQUIRE_REDIS=1 to fail instead. ***\n\n',
  );
}
