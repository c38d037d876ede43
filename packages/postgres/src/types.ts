import type { Pool, PoolConfig } from 'pg';
import type { UsageRetention } from '@vectorcache/auth-core';

/**
 * Where a {@link PostgresKeyStore} connects: a connection string (the store builds its own `pg`
 * pool with the recommended timeouts), or a `pg` pool you built.
 */
export type PostgresConnection =
  | {
      /** `postgres://user:password@host:5432/database` or `postgresql://...`. */
      connectionString: string;
      /** Extra `pg` pool settings, applied over the recommended ones (see the README). */
      poolConfig?: PoolConfig;
    }
  | {
      /**
       * Your `pg` pool, used as it is (its own `statement_timeout` and `query_timeout` apply; the
       * store still bounds every call with its own timer). It is not ended by `close()` unless
       * `closePool` is set. The change feed opens one connection of its own with the pool's
       * settings, since `LISTEN` needs a session that stays open.
       */
      pool: Pool;
    };

/** Options of {@link PostgresKeyStore}. Every duration is in milliseconds. */
export interface PostgresKeyStoreOptions {
  /**
   * The schema that holds the store's tables (created on first open, with its migration table).
   * Give each environment its own when they share a database. Lowercase letters, digits and `_`.
   * @default process.env.VECTORCACHE_DATABASE_SCHEMA, else 'vectorcache'
   */
  schema?: string;
  /**
   * Bound on every store call: the server cancels a statement after it (`statement_timeout`)
   * and the client gives up on it (`query_timeout` and a timer of the store's own), so a hung
   * PostgreSQL cannot pile up requests. Keep it at or below the verifier's `timeoutMs`.
   * @default 500
   */
  timeoutMs?: number;
  /**
   * Where the change feed's own connection goes (`postgres://...`), when the queries go through a
   * transaction-mode pooler, which breaks `LISTEN`: PostgreSQL directly, or a session-mode port.
   * @default the connection's own settings
   */
  feedConnectionString?: string;
  /** Bound on opening a connection. @default 1000 */
  connectTimeoutMs?: number;
  /**
   * Bound on the first open, which creates or migrates the schema (waiting, if another process
   * is migrating it, for that one to finish).
   * @default 10000
   */
  migrationTimeoutMs?: number;
  /**
   * The feed's connection is asked `SELECT 1` this often. Unanswered for one interval, the
   * verifiers stop trusting their caches until it is answered; unanswered for `timeoutMs`, the
   * connection is replaced (PostgreSQL hung without closing the socket).
   * @default 250
   */
  heartbeatIntervalMs?: number;
  /** Connections of the pool the store builds (`max`). @default 10 */
  poolSize?: number;
  /** With `{ pool }`: let `close()` end your pool too. @default false */
  closePool?: boolean;
  /**
   * Receives connection errors of the store's own connections (they are otherwise swallowed, so
   * a PostgreSQL failure never crashes the process or floods the log; requests get 503).
   */
  onError?: (error: Error) => void;
  /** How long usage analytics are kept: hourly points 35 days, daily points 400 days by default. */
  retention?: UsageRetention;
  /** Entries kept in each project's audit list (the oldest are dropped). @default 10000 */
  auditLimit?: number;
}
