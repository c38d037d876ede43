import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { VectorcacheAuthError } from '../errors';
import { parseKeyExport } from './key-export';
import { openSqlite, type SqliteConnection, type SqliteDriverName } from './sqlite-driver';
import { KEY_COLUMNS, KEY_PLACEHOLDERS, recordValues } from './sqlite-rows';
import { migrate } from './sqlite-schema';

/** How to open the key database. */
export interface OpenOptions {
  path: string;
  driver?: SqliteDriverName;
  busyTimeoutMs: number;
  legacyJsonFile?: string;
}

const SQLITE_HEADER = 'SQLite format 3\0';

/** The first bytes of `path`, or `null` when it does not exist. */
function head(path: string): string | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const buffer = Buffer.alloc(16);
    const read = readSync(fd, buffer, 0, 16, 0);
    return buffer.subarray(0, read).toString('latin1');
  } finally {
    closeSync(fd);
  }
}

/** Creates the folder (0700) and an empty database file (0600), or refuses a file of another kind. */
function prepareFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const start = head(path);
  if (start === null) {
    // SQLite gives its -wal and -shm files the database file's mode: 0600 for all three.
    closeSync(openSync(path, 'a', 0o600));
    return;
  }
  if (start.length === 0 || start === SQLITE_HEADER) return;
  if (/^\s*[[{]/.test(start)) {
    throw new VectorcacheAuthError(
      'store_unreadable',
      `${path} is a JSON key file of an earlier version, not a key database: point VECTORCACHE_KEYS_FILE at a new file such as ${path.replace(/\.json$/, '')}.db and run \`vectorcache-keys import ${path}\` once.`,
    );
  }
  throw new VectorcacheAuthError(
    'store_unreadable',
    `${path} is not a SQLite key database; restore it from a backup or point VECTORCACHE_KEYS_FILE elsewhere.`,
  );
}

/**
 * Imports an earlier version's JSON key file once (records unchanged), then renames it
 * `<file>.imported`. A marker row makes the import happen once even when several processes open
 * the database at the same moment.
 */
function importLegacy(db: SqliteConnection, file: string): void {
  if (!existsSync(file)) return;
  if (db.prepare("SELECT 1 AS done FROM meta WHERE name = 'legacy_import'").get()) return;
  const records = parseKeyExport(readFileSync(file, 'utf8'), file);
  db.exec('BEGIN IMMEDIATE');
  try {
    if (!db.prepare("SELECT 1 AS done FROM meta WHERE name = 'legacy_import'").get()) {
      const insert = db.prepare(
        `INSERT OR IGNORE INTO keys (${KEY_COLUMNS}) VALUES (${KEY_PLACEHOLDERS})`,
      );
      for (const record of records) insert.run(...recordValues(record));
      db.prepare("INSERT INTO meta (name, value) VALUES ('legacy_import', ?)").run(file);
    }
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
  try {
    renameSync(file, `${file}.imported`);
  } catch (err) {
    // Another process opening the database at the same time renamed it first.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/**
 * Opens the key database: WAL mode, a busy timeout, synchronous commits, the schema migrated,
 * and a legacy JSON key file imported. Any failure is a `store_unreadable` error naming the file.
 */
export function openKeyDatabase(options: OpenOptions): SqliteConnection {
  const { path } = options;
  let db: SqliteConnection | undefined;
  try {
    prepareFile(path);
    db = openSqlite(path, options.driver);
    db.exec(`PRAGMA busy_timeout = ${Math.trunc(options.busyTimeoutMs)}`);
    const mode = db.prepare('PRAGMA journal_mode = WAL').get()?.journal_mode;
    if (String(mode).toLowerCase() !== 'wal') {
      throw new Error(`the database did not switch to WAL mode (journal_mode is ${String(mode)})`);
    }
    // FULL: a commit (a revocation, a created key) survives a power cut, not only a crash.
    db.exec('PRAGMA synchronous = FULL');
    migrate(db, path);
    if (options.legacyJsonFile) importLegacy(db, options.legacyJsonFile);
    return db;
  } catch (err) {
    try {
      db?.close();
    } catch {
      // already failing
    }
    if (err instanceof VectorcacheAuthError && err.code !== 'invalid_input') throw err;
    throw new VectorcacheAuthError(
      'store_unreadable',
      `Cannot open the key database ${path}: ${(err as Error).message}`,
      { cause: err },
    );
  }
}
