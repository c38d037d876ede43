import type {
  KeyRecordPatch,
  KeyStore,
  StoreChangeListener,
  StoredKeyRecord,
  UsageEntry,
} from '../types';
import { ChangeFeed, RecordTable } from './record-table';

/**
 * A key store in process memory, with a change feed. For tests and single-process services;
 * records are lost when the process ends.
 * @example const store = new MemoryKeyStore();
 */
export class MemoryKeyStore implements KeyStore {
  private readonly table = new RecordTable();
  private readonly feed = new ChangeFeed();

  /** The record with this hash, or null. */
  async findByHash(hash: string): Promise<StoredKeyRecord | null> {
    return this.table.findByHash(hash);
  }

  /** Adds a record; rejects a duplicate id or hash. */
  async insert(record: StoredKeyRecord): Promise<void> {
    this.table.insert(record);
    this.feed.emit({ type: 'changed', id: record.id, hash: record.hash });
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
    if (updated) this.feed.emit({ type: 'changed', id: updated.id, hash: updated.hash });
    return updated;
  }

  /** Adds usage counts for many keys at once. */
  async recordUsage(batch: UsageEntry[]): Promise<void> {
    this.table.recordUsage(batch);
  }

  /** Subscribes to changes; returns the unsubscribe function. */
  subscribe(listener: StoreChangeListener): () => void {
    return this.feed.subscribe(listener);
  }

  /** Drops the listeners. */
  async close(): Promise<void> {
    this.feed.clear();
  }
}
