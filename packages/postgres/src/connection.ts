import { DatabaseError, Pool, type ClientConfig, type PoolClient } from 'pg';
import { VectorcacheAuthError } from '@vectorcache/auth-core';
import { connectionFailureReason, withTimeout } from '@vectorcache/auth-core';
import type { ResolvedOptions } from './options';
import type { PostgresConnection } from './types';

/**
 * The pool the store builds from a connection string: the server cancels a statement after
 * `timeoutMs` (`statement_timeout`), the client gives up on it then too (`query_timeout`, after
 * which `pg` discards the connection), and opening a connection is bounded.
 */
export function buildPool(
  connection: { connectionString: string; poolConfig?: object },
  options: ResolvedOptions,
): Pool {
  return new Pool({
    connectionString: connection.connectionString,
    max: options.poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs,
    statement_timeout: Math.ceil(options.timeoutMs),
    query_timeout: Math.ceil(options.timeoutMs),
    idleTimeoutMillis: 10_000,
    keepAlive: true,
    ...connection.poolConfig,
  });
}

/**
 * The settings of the feed's own connection: those of the pool, without its query bounds, and
 * `feedConnectionString` when given (a pool behind a transaction-mode pooler cannot `LISTEN`).
 */
export function feedConfig(
  connection: PostgresConnection,
  pool: Pool,
  feedConnectionString: string | undefined,
): ClientConfig {
  const options = (pool as unknown as { options?: ClientConfig }).options ?? {};
  const { statement_timeout: _statement, query_timeout: _query, ...settings } = options;
  if (feedConnectionString === undefined) {
    return 'connectionString' in connection
      ? { ...settings, connectionString: connection.connectionString }
      : settings;
  }
  // The URL alone says where: no host, user or password of the pool's may override it.
  const { host: _host, port: _port, user: _user, password: _password, ...rest } = settings;
  const { database: _database, ...kept } = rest;
  return { ...kept, connectionString: feedConnectionString };
}

/**
 * A pooled connection within `ms`; one that arrives later is given back at once, so a timed-out
 * checkout never strands a connection.
 */
export async function checkout(pool: Pool, ms: number): Promise<PoolClient> {
  let late = false;
  const connecting = pool.connect();
  connecting.then(
    (client) => {
      if (late) client.release();
    },
    () => undefined,
  );
  try {
    return await withTimeout(connecting, ms, 'a connection', 'connectTimeoutMs');
  } catch (error) {
    late = true;
    throw error;
  }
}

/**
 * The error a store call rejects with: the store's own errors as they are; a failure to reach the
 * server as `store_unavailable`, naming where (never credentials) and why in words; a statement
 * cancelled by `statement_timeout` as `store_timeout`.
 */
export function storeError(error: unknown, description: string): unknown {
  if (error instanceof VectorcacheAuthError) return error;
  if (error instanceof DatabaseError) {
    if (error.code === '57014') {
      return new VectorcacheAuthError(
        'store_timeout',
        `${description} cancelled a statement at its statement_timeout.`,
        { cause: error },
      );
    }
    if (!/^(08|53|57P)/.test(error.code ?? '')) return error;
  }
  const reason =
    connectionFailureReason(error) ??
    (/timeout/i.test((error as Error)?.message ?? '') ? 'no answer in time' : 'connection lost');
  return new VectorcacheAuthError(
    'store_unavailable',
    `Cannot connect to ${description.replace(/^PostgreSQL /, 'PostgreSQL at ')} (${reason}); check that it runs and that the address is right.`,
    { cause: error },
  );
}

/** Releases a pooled connection; one that failed other than by a statement error is discarded. */
export function release(client: PoolClient, failure: unknown): void {
  const broken =
    failure !== undefined &&
    !(failure instanceof DatabaseError) &&
    !(
      failure instanceof VectorcacheAuthError &&
      failure.code !== 'store_timeout' &&
      failure.code !== 'store_unavailable'
    );
  client.release(broken ? (failure as Error) : undefined);
}
