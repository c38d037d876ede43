import { VectorcacheAuthError } from '../errors';
import type { SqliteConnection } from './sqlite-driver';

/**
 * The schema, as numbered migrations. `PRAGMA user_version` holds the number applied; opening a
 * database applies the missing ones in one transaction. Append a migration, never edit one.
 */
const MIGRATIONS: readonly string[] = [
  // 1: key records, the change log behind the feed, usage analytics, flush ids and the audit list.
  // Analytics rows are keyed by period first: a flush updates the rows of the current hour, which
  // sit together, and the key and project indexes change only when a row is new.
  `
  CREATE TABLE keys (
    id TEXT PRIMARY KEY NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    project_id TEXT NOT NULL,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    request_count INTEGER NOT NULL DEFAULT 0,
    revoked_at TEXT,
    expires_at TEXT,
    rotated_from TEXT,
    rotated_to TEXT
  ) WITHOUT ROWID;
  CREATE INDEX keys_by_project ON keys (project_id, created_at);
  CREATE TABLE changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key_id TEXT NOT NULL,
    hash TEXT NOT NULL,
    at INTEGER NOT NULL
  );
  CREATE INDEX changes_by_time ON changes (at);
  CREATE TABLE usage_hourly (
    start TEXT NOT NULL,
    key_id TEXT NOT NULL,
    outcome TEXT NOT NULL,
    project_id TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (start, key_id, outcome)
  ) WITHOUT ROWID;
  CREATE INDEX usage_hourly_by_key ON usage_hourly (key_id, start);
  CREATE INDEX usage_hourly_by_project ON usage_hourly (project_id, start);
  CREATE TABLE usage_daily (
    start TEXT NOT NULL,
    key_id TEXT NOT NULL,
    outcome TEXT NOT NULL,
    project_id TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (start, key_id, outcome)
  ) WITHOUT ROWID;
  CREATE INDEX usage_daily_by_key ON usage_daily (key_id, start);
  CREATE INDEX usage_daily_by_project ON usage_daily (project_id, start);
  CREATE TABLE flushes (
    id TEXT PRIMARY KEY NOT NULL,
    at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX flushes_by_time ON flushes (at);
  CREATE TABLE audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id TEXT NOT NULL,
    entry TEXT NOT NULL
  );
  CREATE INDEX audit_by_project ON audit (project_id, seq);
  CREATE TABLE meta (
    name TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
  ) WITHOUT ROWID;
  `,
  // 2: what a key is for: its environment, its owner and its metadata (compact JSON), all nullable.
  `
  ALTER TABLE keys ADD COLUMN environment TEXT;
  ALTER TABLE keys ADD COLUMN owner_id TEXT;
  ALTER TABLE keys ADD COLUMN meta TEXT;
  `,
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the database at `path` to {@link SCHEMA_VERSION}; refuses a newer one. */
export function migrate(db: SqliteConnection, path: string): void {
  const versionOf = (): number => Number(db.prepare('PRAGMA user_version').get()?.user_version);
  // Read without a write lock first: an up-to-date database (the usual case) costs no lock.
  if (versionOf() === SCHEMA_VERSION) return;
  db.exec('BEGIN IMMEDIATE');
  try {
    const current = versionOf();
    if (current > SCHEMA_VERSION) {
      throw new VectorcacheAuthError(
        'store_unreadable',
        `The key database ${path} has schema version ${current}, newer than this version of @vectorcache/auth-core understands (${SCHEMA_VERSION}); upgrade the package.`,
      );
    }
    for (let version = current; version < SCHEMA_VERSION; version++) {
      db.exec(MIGRATIONS[version] as string);
    }
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}
