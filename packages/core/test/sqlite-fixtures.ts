import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite, type SqliteDriverName } from '../src/stores/sqlite-driver';
import type { SqliteConnection } from '../src/stores/sqlite-driver';
import { SqliteKeyStore, type SqliteKeyStoreOptions } from '../src/stores/sqlite-store';

/**
 * The SQLite drivers that load in this Node, found synchronously so `describe.each` can run the
 * same suite on each: `node:sqlite` on Node 22.13+, `better-sqlite3` where its native build loads.
 */
export function sqliteDriversHere(): SqliteDriverName[] {
  const names: SqliteDriverName[] = [];
  const getBuiltin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  if (getBuiltin?.call(process, 'node:sqlite')) names.push('node:sqlite');
  try {
    const Database = require('better-sqlite3') as new (path: string) => { close(): void };
    new Database(':memory:').close();
    names.push('better-sqlite3');
  } catch {
    // not built for this Node
  }
  return names;
}

/** A temporary folder per test, and stores on it that are closed afterwards. */
export function sqliteSandbox(driver: SqliteDriverName): {
  dir: () => string;
  path: () => string;
  store: (options?: Partial<SqliteKeyStoreOptions>) => SqliteKeyStore;
  raw: (path?: string) => Promise<SqliteConnection>;
} {
  let dir = '';
  const open: Array<{ close(): unknown }> = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vc-sqlite-'));
  });
  afterEach(async () => {
    for (const handle of open.splice(0)) await handle.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const path = (): string => join(dir, 'keys.db');
  return {
    dir: () => dir,
    path,
    store: (options = {}) => {
      const store = new SqliteKeyStore({ path: path(), driver, pollIntervalMs: 20, ...options });
      open.push(store);
      return store;
    },
    /** A connection of the test's own, as another program (or a person with sqlite3) would open. */
    raw: async (at = path()) => {
      const db = openSqlite(at, driver);
      db.exec('PRAGMA busy_timeout = 5000');
      open.push(db);
      return db;
    },
  };
}
