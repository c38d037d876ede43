import type { StoreChange, StoreChangeListener } from '../types';
import type { SqliteConnection, SqliteRow } from './sqlite-driver';
import { ChangeListeners } from './record-table';

/** The SQL the feed runs on every poll: cheap, indexed, never a read of the key table. */
export const CHANGE_LOG_SQL = {
  dataVersion: 'PRAGMA data_version',
  end: "SELECT seq FROM sqlite_sequence WHERE name = 'changes'",
  since: 'SELECT seq, key_id, hash FROM changes WHERE seq > ? ORDER BY seq LIMIT ?',
} as const;

const BATCH = 10_000;

/** Rows read from the change log, to publish once the transaction that read them has committed. */
export interface PendingChanges {
  changes: StoreChange[];
  position: number;
}

/**
 * The cross-process change feed of the SQLite store. Every write that changes a record appends a
 * row (id, hash) to the `changes` table in its own transaction. Each store polls
 * `PRAGMA data_version`, which moves only when another connection committed, and then reads the
 * log from the last position it read. Rows older than the log keeps (ten minutes) may be pruned:
 * a reader that finds a gap publishes `feed_restored`, so every cache is cleared rather than a
 * change missed. Each store has its own connection, timer and position, so closing one store
 * (or verifier) never stops another's feed.
 */
export class SqliteChangeFeed {
  private readonly listeners = new ChangeListeners();
  private subscribers = 0;
  private timer: NodeJS.Timeout | undefined;
  private down = false;
  private closed = false;
  private position = 0;
  private dataVersion = -1;

  /**
   * @param intervalMs how often to poll while someone listens
   * @param connect the open database, or `undefined` when there is none yet to read
   */
  constructor(
    private readonly intervalMs: number,
    private readonly connect: () => SqliteConnection | undefined,
  ) {}

  /** Starts reading at the log's end, or at its beginning when everything in it is news. */
  start(db: SqliteConnection, fromBeginning: boolean): void {
    this.position = fromBeginning ? 0 : Number(db.prepare(CHANGE_LOG_SQL.end).get()?.seq ?? 0);
    this.dataVersion = fromBeginning
      ? -1
      : Number(db.prepare(CHANGE_LOG_SQL.dataVersion).get()?.data_version);
  }

  /** Appends a change to the log, inside the caller's write transaction. */
  record(db: SqliteConnection, id: string, hash: string, at: number): void {
    db.prepare('INSERT INTO changes (key_id, hash, at) VALUES (?, ?, ?)').run(id, hash, at);
  }

  /** The log rows after the last position read (a gap becomes `feed_restored`). */
  pending(db: SqliteConnection): PendingChanges {
    const end = Number(db.prepare(CHANGE_LOG_SQL.end).get()?.seq ?? 0);
    if (end === this.position) return { changes: [], position: end };
    const rows =
      end > this.position ? db.prepare(CHANGE_LOG_SQL.since).all(this.position, BATCH) : [];
    const first = rows[0];
    if (first === undefined || Number(first.seq) !== this.position + 1 || rows.length === BATCH) {
      return { changes: [{ type: 'feed_restored' }], position: end };
    }
    return {
      changes: rows.map((row) => ({
        type: 'changed',
        id: String(row.key_id),
        hash: String(row.hash),
      })),
      position: Number((rows[rows.length - 1] as SqliteRow).seq),
    };
  }

  /** Moves the position past `pending` and tells every listener. */
  publish(pending: PendingChanges): void {
    this.position = pending.position;
    for (const change of pending.changes) this.listeners.emit(change);
  }

  private poll(): void {
    if (this.closed) return;
    try {
      const db = this.connect();
      if (!db) return;
      const version = Number(db.prepare(CHANGE_LOG_SQL.dataVersion).get()?.data_version);
      const pending =
        version === this.dataVersion ? { changes: [], position: this.position } : this.pending(db);
      this.dataVersion = version;
      if (this.down) {
        this.down = false;
        pending.changes.push({ type: 'feed_restored' });
      }
      this.publish(pending);
    } catch {
      if (!this.down && !this.closed) {
        this.down = true;
        this.listeners.emit({ type: 'feed_lost' });
      }
    }
  }

  /** Registers a listener and polls while there is one; returns its unsubscribe function. */
  subscribe(listener: StoreChangeListener): () => void {
    const unsubscribe = this.listeners.subscribe(listener);
    this.subscribers++;
    if (!this.timer && !this.closed) {
      this.timer = setInterval(() => this.poll(), this.intervalMs);
      this.timer.unref();
    }
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      unsubscribe();
      if (--this.subscribers === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  /** The database file was replaced: every cache is cleared, and the next file's log read whole. */
  reset(): void {
    this.position = 0;
    this.dataVersion = -1;
    this.listeners.emit({ type: 'feed_restored' });
  }

  /** Stops polling and drops every listener. */
  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }
}
