import { existsSync, statSync } from 'node:fs';
import { VectorcacheAuthError } from '../errors';
import type { StoreChangeListener } from '../types';
import type { SqliteConnection, SqliteDriverName } from './sqlite-driver';
import { SqliteChangeFeed, type PendingChanges } from './sqlite-feed';
import { openKeyDatabase } from './sqlite-open';
import { sqliteFailure, type SqliteKeyStoreOptions, type SqliteSettings } from './sqlite-options';
import { prune } from './sqlite-usage';

const PRUNE_EVERY_MS = 60_000;
/**
 * How long one synchronous attempt waits for another connection's lock. SQLite calls block the
 * event loop, so the store waits out a lock in such short attempts with asynchronous pauses
 * between them, until `busyTimeoutMs` in all: every other request goes on meanwhile.
 */
export const SYNC_BUSY_MS = 10;
const RETRY_PAUSES_MS = [5, 10, 20, 40, 80];
const BUSY = /database is locked|SQLITE_BUSY/i;

/** Whether `err` (or what it wraps) is SQLite saying another connection holds a lock. */
function isBusy(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (BUSY.test(e.message)) return true;
  }
  return false;
}

/**
 * The SQLite store's connection and transaction layer: opens the database on first use (and
 * migrates, and imports a legacy file), answers reads "empty" until the file exists, runs each
 * write as one `BEGIN IMMEDIATE` transaction that prunes old analytics and publishes the change-log
 * rows it (and other processes) added once it commits, and turns driver errors into store errors.
 */
export class SqliteDatabase {
  private readonly feed: SqliteChangeFeed;
  private connection: SqliteConnection | undefined;
  private closed = false;
  private lastPrune = -Infinity;
  /** A read answered "empty" because the file did not exist yet: replay its whole change log. */
  private servedAbsent = false;
  /** The open file's identity (device, inode), to notice it removed or replaced under us. */
  private identity: string | undefined;

  constructor(
    private readonly settings: SqliteSettings,
    private readonly options: Pick<SqliteKeyStoreOptions, 'driver' | 'legacyJsonFile'>,
  ) {
    this.feed = new SqliteChangeFeed(settings.pollIntervalMs, () => {
      this.noticeReplacement();
      // Until some process creates the file, there is nothing to read and nothing to create.
      return this.connection || existsSync(settings.path) ? this.database() : undefined;
    });
  }

  /** The SQLite binding in use, once the database is open. */
  get driver(): SqliteDriverName | undefined {
    return this.connection?.driver;
  }

  /** The open connection; opens it (and migrates, and imports a legacy file) on first use. */
  private database(): SqliteConnection {
    const { path, busyTimeoutMs } = this.settings;
    if (this.closed) {
      throw new VectorcacheAuthError('store_unavailable', `The key store ${path} is closed.`);
    }
    if (!this.connection) {
      // A failure is thrown to the caller; the next call tries again (a fixed file works).
      const db = openKeyDatabase({
        path,
        driver: this.options.driver,
        busyTimeoutMs: Math.min(busyTimeoutMs, SYNC_BUSY_MS),
        legacyJsonFile: this.options.legacyJsonFile,
      });
      // After answering "absent", the whole log is news: read it at the next poll.
      this.feed.start(db, this.servedAbsent);
      this.connection = db;
      this.identity = fileIdentity(path);
    }
    return this.connection;
  }

  /**
   * Runs `work` on the open database, turning driver errors into store errors. The first attempt
   * runs synchronously; while another connection holds a lock, `work` is tried again after
   * asynchronous pauses, until `busyTimeoutMs` has passed (then the lock is a store fault).
   */
  async use<T>(work: (db: SqliteConnection) => T): Promise<T> {
    this.noticeReplacement();
    const { path, busyTimeoutMs } = this.settings;
    const deadline = performance.now() + busyTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return work(this.database());
      } catch (err) {
        if (!isBusy(err) || this.closed || performance.now() >= deadline) {
          throw sqliteFailure(err, path, busyTimeoutMs);
        }
      }
      const pause = RETRY_PAUSES_MS[Math.min(attempt, RETRY_PAUSES_MS.length - 1)]!;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  /**
   * Runs a read; until the database file exists (and no legacy file waits to be imported), a read
   * answers `absent` without creating it, as an empty store would.
   */
  read<T>(absent: T, work: (db: SqliteConnection) => T): Promise<T> {
    this.noticeReplacement();
    const legacy = this.options.legacyJsonFile;
    if (
      !this.connection &&
      !this.closed &&
      !existsSync(this.settings.path) &&
      !(legacy && existsSync(legacy))
    ) {
      this.servedAbsent = true;
      return Promise.resolve(absent);
    }
    return this.use(work);
  }

  /**
   * Never serves from a file no one else can see: when the open file was removed or replaced (its
   * device and inode are no longer the path's), the connection is closed, one warning line says
   * so, every listener clears its caches (`feed_restored`), and the path is opened again on the
   * next call: the file now there, or "absent" (no keys) until a write or another process
   * creates one, as the CLI and every other process see it.
   */
  private noticeReplacement(): void {
    const db = this.connection;
    if (!db || this.closed) return;
    const now = fileIdentity(this.settings.path);
    if (now === this.identity) return;
    this.connection = undefined;
    this.identity = undefined;
    this.servedAbsent = true;
    try {
      db.close();
    } catch {
      // closing a connection to an unlinked file cannot fail in a way that matters here
    }
    if (process.env.VECTORCACHE_STORE_WARNINGS !== 'off') {
      process.stderr.write(
        `vectorcache auth: the key database ${this.settings.path} was ${now === undefined ? 'removed' : 'replaced by another file'} while open; its keys are no longer served, and the path is opened again\n`,
      );
    }
    this.feed.reset();
  }

  /** One write transaction on the open database (see {@link transaction}). */
  write<T>(work: (db: SqliteConnection) => T): Promise<T> {
    return this.use((db) => this.transaction(db, () => work(db)));
  }

  /** One write transaction; the change-log rows it and other processes added are published after it commits. */
  private transaction<T>(db: SqliteConnection, work: () => T): T {
    db.exec('BEGIN IMMEDIATE');
    let result: T;
    let changes: PendingChanges;
    try {
      result = work();
      const now = this.settings.now();
      if (now - this.lastPrune >= PRUNE_EVERY_MS) {
        prune(db, now, this.settings.retention);
        this.lastPrune = now;
      }
      changes = this.feed.pending(db);
      db.exec('COMMIT');
    } catch (err) {
      try {
        db.exec('ROLLBACK');
      } catch {
        // SQLite already rolled back
      }
      throw err;
    }
    this.feed.publish(changes);
    return result;
  }

  /** Logs a change of the key `id` (inside a write), for this process's and others' listeners. */
  logChange(db: SqliteConnection, id: string, hash: string): void {
    this.feed.record(db, id, hash, this.settings.now());
  }

  /** Subscribes to changes, this process's and other processes'; returns the unsubscribe function. */
  subscribe(listener: StoreChangeListener): () => void {
    return this.feed.subscribe(listener);
  }

  /** Stops polling, drops the listeners and closes the connection; later calls fail. */
  close(): void {
    this.closed = true;
    this.feed.close();
    const db = this.connection;
    this.connection = undefined;
    db?.close();
  }
}

/** A file's identity (device and inode), or `undefined` when nothing is at the path. */
function fileIdentity(path: string): string | undefined {
  const stat = statSync(path, { throwIfNoEntry: false });
  return stat === undefined ? undefined : `${stat.dev}:${stat.ino}`;
}
