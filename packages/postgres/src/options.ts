import { invalidOption, numberOption } from '@vectorcache/auth-core/adapter';
import type { PostgresConnection, PostgresKeyStoreOptions } from './types';

/** Options with every default filled in. */
export interface ResolvedOptions {
  schema: string;
  feedConnectionString: string | undefined;
  timeoutMs: number;
  connectTimeoutMs: number;
  migrationTimeoutMs: number;
  heartbeatIntervalMs: number;
  poolSize: number;
  closePool: boolean;
  onError: (error: Error) => void;
  hourlyDays: number;
  dailyDays: number;
  auditLimit: number;
}

/**
 * A schema name the store accepts: it is quoted as an identifier in every statement, and kept to
 * plain lowercase so that the `LISTEN` channel derived from it stays within PostgreSQL's 63 bytes.
 */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,39}$/;

function positive(value: unknown, name: string, fallback: number, unit = 'milliseconds'): number {
  return numberOption(value, fallback, `PostgresKeyStore option "${name}"`, 'positive', unit);
}

/** Checks the constructor arguments once and fills in the defaults. */
export function validateOptions(
  connection: PostgresConnection,
  options: PostgresKeyStoreOptions,
  env: Record<string, string | undefined> = process.env,
): ResolvedOptions {
  const given = typeof connection === 'object' && connection !== null ? connection : {};
  const kinds = ['connectionString', 'pool'].filter((kind) => kind in given);
  if (kinds.length !== 1) {
    throw invalidOption(
      'PostgresKeyStore needs exactly one of { connectionString: "postgres://host:5432/db" } or { pool: pgPool }.',
    );
  }
  if (
    'connectionString' in connection &&
    (typeof connection.connectionString !== 'string' ||
      !/^postgres(ql)?:\/\//.test(connection.connectionString))
  ) {
    throw invalidOption(
      'PostgresKeyStore "connectionString" must be a postgres:// or postgresql:// URL, e.g. postgres://postgres@127.0.0.1:5432/app.',
    );
  }
  if ('pool' in connection && (typeof connection.pool !== 'object' || connection.pool === null)) {
    throw invalidOption('PostgresKeyStore "pool" must be a pg Pool.');
  }
  const schema = options.schema ?? (env.VECTORCACHE_DATABASE_SCHEMA?.trim() || 'vectorcache');
  if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema)) {
    throw invalidOption(
      `PostgresKeyStore schema ${JSON.stringify(schema)} is not a plain name: use lowercase letters, digits and "_" (at most 40, not starting with a digit), e.g. "vectorcache".`,
    );
  }
  const feed = options.feedConnectionString;
  if (feed !== undefined && (typeof feed !== 'string' || !/^postgres(ql)?:\/\//.test(feed))) {
    throw invalidOption(
      'PostgresKeyStore option "feedConnectionString" must be a postgres:// or postgresql:// URL.',
    );
  }
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    throw invalidOption('PostgresKeyStore option "onError" must be a function.');
  }
  const retention = options.retention ?? {};
  if (typeof retention !== 'object' || retention === null) {
    throw invalidOption('PostgresKeyStore option "retention" must be { hourlyDays?, dailyDays? }.');
  }
  return {
    schema,
    feedConnectionString: feed,
    timeoutMs: positive(options.timeoutMs, 'timeoutMs', 500),
    connectTimeoutMs: positive(options.connectTimeoutMs, 'connectTimeoutMs', 1000),
    migrationTimeoutMs: positive(options.migrationTimeoutMs, 'migrationTimeoutMs', 10_000),
    heartbeatIntervalMs: positive(options.heartbeatIntervalMs, 'heartbeatIntervalMs', 250),
    poolSize: numberOption(
      options.poolSize,
      10,
      'PostgresKeyStore option "poolSize"',
      'integer',
      'connections',
    ),
    closePool: options.closePool === true,
    onError: options.onError ?? (() => undefined),
    hourlyDays: positive(retention.hourlyDays, 'retention.hourlyDays', 35, 'days'),
    dailyDays: positive(retention.dailyDays, 'retention.dailyDays', 400, 'days'),
    auditLimit: numberOption(
      options.auditLimit,
      10_000,
      'PostgresKeyStore option "auditLimit"',
      'integer',
      'entries',
    ),
  };
}

/** `"name"`: an identifier quoted for SQL (the name is validated before it gets here). */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Where a connection points, as `PostgreSQL host:port/database`, for messages and logs: never a
 * user name or password, whatever the URL or the pool's settings hold.
 */
export function describeConnection(connection: PostgresConnection): string {
  if ('connectionString' in connection) return describeUrl(connection.connectionString);
  const settings =
    (connection.pool as unknown as { options?: Record<string, unknown> }).options ?? {};
  if (typeof settings.connectionString === 'string') {
    return describeUrl(settings.connectionString);
  }
  const host = typeof settings.host === 'string' ? settings.host : 'localhost';
  const port = typeof settings.port === 'number' ? settings.port : 5432;
  const database = typeof settings.database === 'string' ? `/${settings.database}` : '';
  return `PostgreSQL ${host}:${port}${database}`;
}

/** `PostgreSQL host:port/database` of a `postgres://` URL (credentials left out). */
export function describeUrl(text: string): string {
  try {
    const url = new URL(text);
    const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
    return `PostgreSQL ${url.hostname || 'localhost'}:${url.port || 5432}${database ? `/${database}` : ''}`;
  } catch {
    return 'PostgreSQL (unparseable URL)';
  }
}
