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
import { LRUCache } from 'lru-cache';
import { ChangeListeners, RecordTable } from './record-table';
import { replaceRefusal, replaceRefused } from './replacing';
import { UsageTable, type UsageTableOptions } from './usage-table';
import { FLUSH_ID_MEMORY_MS } from '../usage/retention';

/** How long an applied flush id is remembered, as the other built-in stores do. */

/** Options of {@link MemoryKeyStore}: analytics retention, the audit bound, the clock. */
export type MemoryKeyStoreOptions = UsageTableOptions;

/**
 * A key store in process memory, with a change feed, usage analytics (hourly points kept 35
 * days, daily points 400 days) and a bounded audit list per project. For tests and
 * single-process services; everything is lost when the process ends.
 * @example const store = new MemoryKeyStore();
 */
export class MemoryKeyStore implements KeyStore {
  readonly replacesAtomically = true;
  private readonly table = new RecordTable();
  private readonly listeners = new ChangeListeners();
  private readonly usage: UsageTable;
  /** Flush ids applied in the last 15 minutes (at most 10,000), so a retried flush counts once. */
  private readonly flushes: LRUCache<string, true>;

  constructor(options: MemoryKeyStoreOptions = {}) {
    this.usage = new UsageTable(options);
    const now = options.now ?? Date.now;
    this.flushes = new LRUCache({
      max: 10_000,
      ttl: FLUSH_ID_MEMORY_MS,
      ttlResolution: 0,
      perf: { now },
    });
  }

  /** The record with this hash, or null. */
  async findByHash(hash: string): Promise<StoredKeyRecord | null> {
    return this.table.findByHash(hash);
  }

  /** Adds a record (and, for a rotation, patches the replaced one); rejects a duplicate id or hash. */
  async insert(
    record: StoredKeyRecord,
    replacing?: { id: string; patch: KeyRecordPatch },
  ): Promise<void> {
    // Both writes or neither: the replaced record is checked before anything is written, and
    // nothing awaits between the check and the writes, so one of concurrent rotations wins.
    const refusal = replacing && replaceRefusal(this.table.get(replacing.id));
    if (replacing && refusal) throw replaceRefused(replacing.id, refusal);
    this.table.insert(record);
    this.listeners.emit({ type: 'changed', id: record.id, hash: record.hash });
    if (replacing) await this.update(replacing.id, replacing.patch);
  }

  /** The record with this id, or null. */
  async get(id: string): Promise<StoredKeyRecord | null> {
    return this.table.get(id);
  }

  /** Every record, or a project's. */
  async list(filter?: { projectId?: string }): Promise<StoredKeyRecord[]> {
    return this.table.list(filter);
  }

  /** Applies a patch and publishes the change. */
  async update(id: string, patch: KeyRecordPatch): Promise<StoredKeyRecord | null> {
    const updated = this.table.update(id, patch);
    if (updated) this.listeners.emit({ type: 'changed', id: updated.id, hash: updated.hash });
    return updated;
  }

  /** Adds usage counts and analytics for many keys at once, once per `flushId`. */
  async recordUsage(batch: UsageEntry[], flushId?: string): Promise<void> {
    if (typeof flushId === 'string') {
      if (this.flushes.has(flushId)) return;
      this.flushes.set(flushId, true);
    }
    this.table.recordUsage(batch);
    for (const entry of batch) {
      const projectId = entry.projectId ?? this.table.get(entry.id)?.projectId;
      if (projectId !== undefined) this.usage.add(entry, projectId);
    }
  }

  /** Analytics rows of a project (or one key) over `[from, to)`. */
  async readUsage(query: UsageQuery): Promise<UsageRow[]> {
    return this.usage.read(query);
  }

  /** Appends a management action to its project's audit list. */
  async appendAudit(entry: AuditEntry): Promise<void> {
    this.usage.append(entry);
  }

  /** A project's newest audit entries, newest first. */
  async listAudit(filter: { projectId: string; limit: number }): Promise<AuditEntry[]> {
    return this.usage.list(filter);
  }

  /** Subscribes to changes; returns the unsubscribe function. */
  subscribe(listener: StoreChangeListener): () => void {
    return this.listeners.subscribe(listener);
  }

  /** Drops the listeners. */
  async close(): Promise<void> {
    this.listeners.clear();
  }
}
