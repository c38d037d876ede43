import { createRequire } from 'node:module';
import { VectorcacheAuthError } from '../errors';

/**
 * The one small interface the SQLite store needs from a driver. Node's built-in `node:sqlite`
 * (Node 22.13 and later) and `better-sqlite3` (Node 20) both fit it as they are.
 */

/** Which SQLite binding a connection uses. */
export type SqliteDriverName = 'node:sqlite' | 'better-sqlite3';

/** A value bound to a statement parameter. */
export type SqliteValue = string | number | bigint | null;

/** One row of a result, by column name. */
export type SqliteRow = Record<string, unknown>;

/** A prepared statement with positional `?` parameters. */
export interface SqliteStatement {
  run(...params: SqliteValue[]): { changes: number | bigint };
  get(...params: SqliteValue[]): SqliteRow | undefined;
  all(...params: SqliteValue[]): SqliteRow[];
}

/** An open database connection; every call is synchronous. */
export interface SqliteConnection {
  readonly driver: SqliteDriverName;
  exec(sql: string): void;
  prepare(sql: string): SqliteStatement;
  close(): void;
}

type Constructor = new (path: string) => Omit<SqliteConnection, 'driver'>;

const BETTER_SQLITE3 = 'better-sqlite3';
const loaded = new Map<SqliteDriverName, Constructor | Error>();

function nodeSqlite(): Constructor | Error {
  const getBuiltin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  try {
    const mod = getBuiltin?.call(process, 'node:sqlite') as
      { DatabaseSync?: Constructor } | undefined;
    if (typeof mod?.DatabaseSync === 'function') return mod.DatabaseSync;
  } catch {
    // fall through: not available in this Node
  }
  return new Error(`node:sqlite is not available in Node ${process.version} (it is from 22.13)`);
}

function betterSqlite3(): Constructor | Error {
  try {
    // Resolved from core's own file, where the optional dependency is installed, wherever the
    // process started. `__filename` is shimmed from import.meta.url in the ESM build.
    const ctor = createRequire(__filename)(BETTER_SQLITE3) as Constructor;
    // Loading the module does not load the native binding; opening a database does.
    new ctor(':memory:').close();
    return ctor;
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

function load(name: SqliteDriverName): Constructor | Error {
  let found = loaded.get(name);
  if (!found) {
    found = name === 'node:sqlite' ? nodeSqlite() : betterSqlite3();
    loaded.set(name, found);
  }
  return found;
}

/** The drivers that load in this process, preferred first. */
export function availableSqliteDrivers(): SqliteDriverName[] {
  const names: SqliteDriverName[] = ['node:sqlite', 'better-sqlite3'];
  return names.filter((name) => !(load(name) instanceof Error));
}

/**
 * Opens (creating if needed) the SQLite database at `path` with `driver`, or with the first that
 * loads: `node:sqlite` where the running Node has it, else `better-sqlite3`.
 */
export function openSqlite(path: string, driver?: SqliteDriverName): SqliteConnection {
  const names: SqliteDriverName[] = driver ? [driver] : ['node:sqlite', 'better-sqlite3'];
  const problems: string[] = [];
  for (const name of names) {
    const ctor = load(name);
    if (ctor instanceof Error) {
      problems.push(`${name}: ${ctor.message.split('\n')[0]}`);
      continue;
    }
    const db = new ctor(path);
    // Statements are prepared once per connection; the store's SQL is a fixed, small set.
    const prepared = new Map<string, SqliteStatement>();
    return {
      driver: name,
      exec: (sql) => db.exec(sql),
      prepare: (sql) => {
        let statement = prepared.get(sql);
        if (!statement) {
          statement = db.prepare(sql);
          prepared.set(sql, statement);
        }
        return statement;
      },
      close: () => {
        prepared.clear();
        db.close();
      },
    };
  }
  throw new VectorcacheAuthError(
    'store_unavailable',
    `The embedded key store needs SQLite: run Node 22.13 or later (built-in node:sqlite), or ` +
      `install better-sqlite3 12 on Node 20 (npm install better-sqlite3@12), or use Redis ` +
      `(VECTORCACHE_REDIS_URL). Tried ${problems.join('; ')}.`,
  );
}
