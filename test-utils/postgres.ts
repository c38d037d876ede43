import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { describeIf } from './redis';

/** True when the global setup reached a PostgreSQL server for this run. */
export const postgresAvailable = process.env.VECTORCACHE_POSTGRES_AVAILABLE === '1';

/**
 * URL of the test PostgreSQL's maintenance database: tests create databases of their own there
 * and drop them, never touching another.
 */
export const postgresAdminUrl =
  process.env.VECTORCACHE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * `describe` for suites that need PostgreSQL: skipped, with the reason in the suite name, when the
 * global setup found none (CI turns that into a failure through VECTORCACHE_REQUIRE_POSTGRES).
 */
export const describePostgres = describeIf(
  postgresAvailable,
  `no PostgreSQL - ${process.env.VECTORCACHE_POSTGRES_SKIP_REASON ?? 'unknown'}`,
);

/** A database of one test file's own, and its URL. */
export interface TestDatabase {
  name: string;
  /** `postgres://postgres@127.0.0.1:5432/<name>` */
  url: string;
  /** The URL through another host and port (a proxy in front of the server). */
  urlVia(host: string, port: number): string;
  /** Runs one statement in the database (for the test's own checks). */
  query<T = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>;
  /** Drops the database (ending every connection still in it). */
  drop(): Promise<void>;
}

async function onAdmin<T>(
  work: (client: Client) => Promise<T>,
  url = postgresAdminUrl,
): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Creates a database with a random name (`vctest_<label>_<random>`) for one test file.
 * @example const db = await createTestDatabase('store'); ... await db.drop();
 */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const name = `vctest_${label.replace(/[^a-z0-9]/g, '_')}_${randomBytes(5).toString('hex')}`;
  await onAdmin((client) => client.query(`CREATE DATABASE "${name}"`));
  const base = new URL(postgresAdminUrl);
  const urlVia = (host: string, port: number): string => {
    const url = new URL(base);
    url.hostname = host;
    url.port = String(port);
    url.pathname = `/${name}`;
    return url.toString();
  };
  const url = urlVia(base.hostname, Number(base.port || 5432));
  return {
    name,
    url,
    urlVia,
    query: (text, values) =>
      onAdmin(async (client) => (await client.query(text, values)).rows, url) as never,
    drop: async () => {
      await onAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}
