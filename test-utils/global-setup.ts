import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { Client } from 'pg';

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

/** Why `redis-server` and `redis-cli` cannot be run from the PATH, or `null` when they can. */
function binariesProblem(): string | null {
  for (const binary of ['redis-server', 'redis-cli']) {
    try {
      execFileSync(binary, ['--version'], { stdio: 'ignore', timeout: 5000 });
    } catch {
      return `${binary} is not on the PATH`;
    }
  }
  return null;
}

/** Why PostgreSQL at `url` cannot run the suites, or `null` when it answers a query. */
async function postgresProblem(url: string): Promise<string | null> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (err) {
    const where = new URL(url);
    return `cannot use PostgreSQL at ${where.hostname}:${where.port || 5432} (${(err as Error).message})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Decides once per Jest run whether the PostgreSQL suites can run (a server that takes the
 * test user, by default postgres@127.0.0.1:5432 with trust auth), and tells the workers through
 * the environment. With VECTORCACHE_REQUIRE_POSTGRES=1 (set by CI) a missing server fails the run.
 */
async function checkPostgres(): Promise<void> {
  const url =
    process.env.VECTORCACHE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  process.env.VECTORCACHE_TEST_POSTGRES_URL = url;
  const problem = await postgresProblem(url);
  process.env.VECTORCACHE_POSTGRES_AVAILABLE = problem === null ? '1' : '0';
  if (problem === null) return;
  process.env.VECTORCACHE_POSTGRES_SKIP_REASON = problem;
  if (process.env.VECTORCACHE_REQUIRE_POSTGRES === '1') {
    throw new Error(
      `VECTORCACHE_REQUIRE_POSTGRES=1 but ${problem}. Start it (pg_ctlcluster <version> main start) or set VECTORCACHE_TEST_POSTGRES_URL.`,
    );
  }
  process.stderr.write(
    `\n*** PostgreSQL suites SKIPPED: ${problem}. Start PostgreSQL (or set VECTORCACHE_TEST_POSTGRES_URL) to run them; CI sets VECTORCACHE_REQUIRE_POSTGRES=1 to fail instead. ***\n\n`,
  );
}

/**
 * Decides once per Jest run whether the Redis suites can run, and tells the workers through
 * the environment: the shared Redis for most suites, and the `redis-server` / `redis-cli`
 * binaries for the suites that start servers of their own (kill, freeze, a private cluster).
 * With VECTORCACHE_REQUIRE_REDIS=1 (set by CI) a missing Redis or binary fails the run.
 */
export default async function globalSetup(): Promise<void> {
  await checkPostgres();
  const binaries = binariesProblem();
  process.env.VECTORCACHE_REDIS_SERVER_AVAILABLE = binaries === null ? '1' : '0';
  if (binaries !== null) {
    process.env.VECTORCACHE_REDIS_SERVER_SKIP_REASON = binaries;
    if (process.env.VECTORCACHE_REQUIRE_REDIS === '1') {
      throw new Error(
        `VECTORCACHE_REQUIRE_REDIS=1 but ${binaries}: install Redis (e.g. apt-get install redis-server), which provides both redis-server and redis-cli.`,
      );
    }
    process.stderr.write(
      `\n*** Suites that start their own redis-server (private servers, the cluster) SKIPPED: ${binaries}. ***\n\n`,
    );
  }
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
