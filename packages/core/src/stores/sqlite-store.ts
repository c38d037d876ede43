import { VectorcacheAuthError } from '../errors';
import type {
  AuditEntry,
  KeyRecordPatch,
  KeyStore,
  StoreChangeListener,
  StoredKeyRecord,
  UsageEntry,
  UsageQuery,
  UsageRow,
} from '../types';
import { exactRecord } from './key-export';
import { replaceRefusal, replaceRefused } from './replacing';
import type { SqliteConnection, SqliteDriverName, SqliteRow } from './sqlite-driver';
import { SqliteDatabase } from './sqlite-connection';
import { CHANGE_LOG_SQL } from './sqlite-feed';
import {
  KEY_COLUMNS,
  KEY_PLACEHOLDERS,
  patchAssignments,
  recordFromRow,
  recordValues,
} from './sqlite-rows';
import {
  appendAuditEntry,
  applyUsage,
  claimFlush,
  listAuditEntries,
  readUsageRows,
  type Retention,
} from './sqlite-usage';
import { checkSqliteOptions, type SqliteKeyStoreOptions } from './sqlite-options';

export type { SqliteKeyStoreOptions } from './sqlite-options';

/** The SQL of every read on a request path, by what it is for (checked by a query-plan test). */
export const REQUEST_PATH_SQL = {
  findByHash: `SELECT ${KEY_COLUMNS} FROM keys WHERE hash = ?`,
  ...CHANGE_LOG_SQL,
} as const;

/**
 * The embedded default store: a SQLite database in WAL mode, shared safely by the CLI and any
 * number of server processes on one machine. Every write is one transaction; lookups by hash use
 * an index; a change made by another process reaches subscribers within `pollIntervalMs`
 * (`PRAGMA data_version`, then the change log from the last position read). One corrupt row
 * answers `corrupt_record` for that key only. Usage analytics and the audit list live in it too.
 * @example const store = new SqliteKeyStore({ path: '.vectorcache/keys.db' });
 */
export class SqliteKeyStore implements KeyStore {
  readonly replacesAtomically = true;
  /** Absolute path of the database file. */
  readonly path: string;
  private readonly auditMax: number;
  private readonly retention: Retention;
  private readonly now: () => number;
  private readonly db: SqliteDatabase;

  constructor(options: SqliteKeyStoreOptions) {
    const settings = checkSqliteOptions(options);
    this.path = settings.path;
    this.auditMax = settings.auditMax;
    this.retention = settings.retention;
    this.now = settings.now;
    this.db = new SqliteDatabase(settings, {
      driver: options.driver,
      legacyJsonFile: options.legacyJsonFile,
    });
  }

  /** The SQLite binding in use, once the database is open. */
  get driver(): SqliteDriverName | undefined {
    return this.db.driver;
  }

  /** The record whose hash is `hash`, or `null`; one indexed read. */
  findByHash(hash: string): Promise<StoredKeyRecord | null> {
    return this.db.read(null, (db) => {
      if (typeof hash !== 'string') return null;
      const row = db.prepare(REQUEST_PATH_SQL.findByHash).get(hash);
      return row ? recordFromRow(row) : null;
    });
  }

  /** Adds a record and, for a rotation, patches the replaced one in the same transaction. */
  insert(
    record: StoredKeyRecord,
    replacing?: { id: string; patch: KeyRecordPatch },
  ): Promise<void> {
    const exact = exactRecord(record);
    if (!exact) {
      return Promise.reject(
        new VectorcacheAuthError('invalid_input', 'insert needs a complete key record.'),
      );
    }
    return this.db.write((db) => {
      // Checked inside the write transaction: of concurrent rotations (any process) one wins.
      if (replacing) {
        const current = db
          .prepare('SELECT revoked_at, rotated_to FROM keys WHERE id = ?')
          .get(replacing.id);
        const refusal = replaceRefusal(
          current
            ? {
                revokedAt: (current.revoked_at as string | null) ?? null,
                rotatedTo: (current.rotated_to as string | null) ?? null,
              }
            : null,
        );
        if (refusal) throw replaceRefused(replacing.id, refusal);
      }
      db.prepare(`INSERT INTO keys (${KEY_COLUMNS}) VALUES (${KEY_PLACEHOLDERS})`).run(
        ...recordValues(exact),
      );
      this.db.logChange(db, exact.id, exact.hash);
      if (replacing && !this.patchRow(db, replacing.id, replacing.patch)) {
        throw replaceRefused(replacing.id, 'missing');
      }
    });
  }

  private patchRow(db: SqliteConnection, id: string, patch: KeyRecordPatch): SqliteRow | null {
    const { sql, values } = patchAssignments(patch ?? {});
    if (sql === '') {
      return db.prepare(`SELECT ${KEY_COLUMNS} FROM keys WHERE id = ?`).get(id) ?? null;
    }
    const row = db
      .prepare(`UPDATE keys SET ${sql} WHERE id = ? RETURNING ${KEY_COLUMNS}`)
      .get(...values, id);
    if (!row) return null;
    this.db.logChange(db, id, String(row.hash));
    return row;
  }

  /** The record with this id, or `null`. */
  get(id: string): Promise<StoredKeyRecord | null> {
    return this.db.read(null, (db) => {
      const row = db.prepare(`SELECT ${KEY_COLUMNS} FROM keys WHERE id = ?`).get(id);
      return row ? recordFromRow(row) : null;
    });
  }

  /** Every record, or a project's, oldest first; a corrupt row is left out (`get` reports it). */
  list(filter: { projectId?: string } = {}): Promise<StoredKeyRecord[]> {
    return this.db.read([] as StoredKeyRecord[], (db) => {
      const rows =
        filter?.projectId === undefined
          ? db.prepare(`SELECT ${KEY_COLUMNS} FROM keys ORDER BY created_at, id`).all()
          : db
              .prepare(
                `SELECT ${KEY_COLUMNS} FROM keys WHERE project_id = ? ORDER BY created_at, id`,
              )
              .all(filter.projectId);
      const records: StoredKeyRecord[] = [];
      for (const row of rows) {
        try {
          records.push(recordFromRow(row));
        } catch {
          // one corrupt row never hides the others
        }
      }
      return records;
    });
  }

  /** Applies `patch` in one transaction and publishes the change; `null` for an unknown id. */
  async update(id: string, patch: KeyRecordPatch): Promise<StoredKeyRecord | null> {
    const row = await this.db.write((db) => this.patchRow(db, id, patch));
    return row ? recordFromRow(row) : null;
  }

  /** Adds counts, last-used times and analytics buckets in one transaction, once per `flushId`. */
  async recordUsage(batch: UsageEntry[], flushId?: string): Promise<void> {
    if (!Array.isArray(batch) || batch.length === 0) return;
    await this.db.write((db) => {
      const now = this.now();
      if (typeof flushId === 'string' && !claimFlush(db, flushId, now)) return;
      applyUsage(db, batch, now, this.retention);
    });
  }

  /** Stored analytics rows of a project (or one key) over `[from, to)`, oldest first. */
  readUsage(query: UsageQuery): Promise<UsageRow[]> {
    return this.db.read([] as UsageRow[], (db) => readUsageRows(db, query));
  }

  /** Appends a management action; the project keeps its newest `auditMax` entries. */
  appendAudit(entry: AuditEntry): Promise<void> {
    return this.db.write((db) => appendAuditEntry(db, entry, this.auditMax));
  }

  /** A project's audit entries, newest first. */
  listAudit(filter: { projectId: string; limit: number }): Promise<AuditEntry[]> {
    const limit = filter?.limit;
    if (typeof filter?.projectId !== 'string' || !Number.isInteger(limit) || limit < 1) {
      return Promise.reject(
        new VectorcacheAuthError(
          'invalid_input',
          'listAudit needs { projectId, limit } with a whole limit >= 1.',
        ),
      );
    }
    return this.db.read([] as AuditEntry[], (db) =>
      listAuditEntries(db, filter.projectId, Math.min(limit, this.auditMax)),
    );
  }

  /** Subscribes to changes, this process's and other processes'; returns the unsubscribe function. */
  subscribe(listener: StoreChangeListener): () => void {
    return this.db.subscribe(listener);
  }

  /** Stops polling, drops the listeners and closes the database connection. */
  async close(): Promise<void> {
    this.db.close();
  }
}
