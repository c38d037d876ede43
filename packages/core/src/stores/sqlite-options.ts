import { VectorcacheAuthError } from '../errors';
import { resolve } from 'node:path';
import { positiveInteger } from '../config/options';
import type { UsageRetention } from '../types';
import { retentionOf, type Retention } from './sqlite-usage';
import type { SqliteDriverName } from './sqlite-driver';

/** Options of {@link SqliteKeyStore}. */
export interface SqliteKeyStoreOptions {
  /** Path of the database file; it and its folder are created (0600, 0700) on first use. */
  path: string;
  /**
   * How often a subscribed store looks for changes made by other processes (one
   * `PRAGMA data_version`, plus a read of the new change-log rows when there are any).
   * @default 100
   */
  pollIntervalMs?: number;
  /**
   * How long a store call waits in all for another connection's lock (another process's write
   * transaction, an operator's `sqlite3` holding `BEGIN IMMEDIATE`) before it fails as a store
   * fault. SQLite calls are synchronous, so the wait is made of 10 ms attempts with asynchronous
   * pauses between them: the event loop, and every other request, goes on meanwhile.
   * @default 5000
   */
  busyTimeoutMs?: number;
  /** How long usage analytics are kept. @default { hourlyDays: 35, dailyDays: 400 } */
  retention?: UsageRetention;
  /** Audit entries kept per project (the newest). @default 10000 */
  auditMax?: number;
  /** The SQLite binding. @default 'node:sqlite' where the running Node has it, else 'better-sqlite3' */
  driver?: SqliteDriverName;
  /**
   * A JSON key file of an earlier version, imported once (records unchanged) when the database
   * is first opened, then renamed `<file>.imported`.
   */
  legacyJsonFile?: string;
  /** Clock in epoch milliseconds (retention, flush ids). @default Date.now */
  now?: () => number;
}

const LOCKED = /database is locked|SQLITE_BUSY/i;
const DUPLICATE = /UNIQUE constraint failed/i;

/** A driver error as a store error: `duplicate_key`, or `store_unavailable` saying why. */
export function sqliteFailure(err: unknown, path: string, busyTimeoutMs: number): Error {
  if (err instanceof VectorcacheAuthError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (DUPLICATE.test(message)) {
    return new VectorcacheAuthError(
      'duplicate_key',
      'A key with this id or the same hash already exists; generate a new key.',
    );
  }
  const why = LOCKED.test(message)
    ? `another process held the write lock for longer than ${busyTimeoutMs} ms`
    : message;
  return new VectorcacheAuthError('store_unavailable', `The key database ${path} failed: ${why}`, {
    cause: err,
  });
}

/** The store's settings, checked, with every default filled in. */
export interface SqliteSettings {
  path: string;
  pollIntervalMs: number;
  busyTimeoutMs: number;
  auditMax: number;
  retention: Retention;
  now: () => number;
}

/** Checks the options of a `SqliteKeyStore`; a bad one throws an error saying how to fix it. */
export function checkSqliteOptions(options: SqliteKeyStoreOptions): SqliteSettings {
  if (!options || typeof options.path !== 'string' || options.path.trim().length === 0) {
    throw new VectorcacheAuthError(
      'invalid_option',
      'SqliteKeyStore needs a path, e.g. new SqliteKeyStore({ path: ".vectorcache/keys.db" }).',
    );
  }
  const path = resolve(options.path);
  const pollIntervalMs = positiveInteger(
    options.pollIntervalMs,
    100,
    'SqliteKeyStore option pollIntervalMs',
    'milliseconds',
  );
  const busyTimeoutMs = positiveInteger(
    options.busyTimeoutMs,
    5000,
    'SqliteKeyStore option busyTimeoutMs',
    'milliseconds',
  );
  const auditMax = positiveInteger(
    options.auditMax,
    10_000,
    'SqliteKeyStore option auditMax',
    'entries',
  );
  const retention = retentionOf(options.retention);
  const now = options.now ?? Date.now;
  return { path, pollIntervalMs, busyTimeoutMs, auditMax, retention, now };
}
