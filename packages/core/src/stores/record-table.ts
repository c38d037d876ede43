import { VectorcacheAuthError } from '../errors';
import type {
  KeyRecordPatch,
  StoreChange,
  StoreChangeListener,
  StoredKeyRecord,
  UsageEntry,
} from '../types';

/** Deep-enough copy so callers never share a store's objects. */
export function copyRecord(record: StoredKeyRecord): StoredKeyRecord {
  const copy = { ...record, scopes: [...record.scopes] };
  if (record.meta) copy.meta = { ...record.meta };
  return copy;
}

/** Listeners of a store's change feed; a throwing listener never breaks the store. */
export class ChangeListeners {
  private readonly listeners = new Set<StoreChangeListener>();

  /** Registers a listener; returns its unsubscribe function. */
  subscribe(listener: StoreChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells every listener. */
  emit(change: StoreChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // A listener's failure is its own; the store keeps going.
      }
    }
  }

  /** Drops every listener. */
  clear(): void {
    this.listeners.clear();
  }
}

/**
 * The in-memory table of records behind the memory store: indexed by id and by hash.
 * Mutations return what changed so the owner can publish it.
 */
export class RecordTable {
  private readonly byId = new Map<string, StoredKeyRecord>();
  private readonly byHash = new Map<string, StoredKeyRecord>();

  constructor(records: Iterable<StoredKeyRecord> = []) {
    for (const record of records) this.put(record);
  }

  private put(record: StoredKeyRecord): void {
    this.byId.set(record.id, record);
    this.byHash.set(record.hash, record);
  }

  findByHash(hash: string): StoredKeyRecord | null {
    const record = this.byHash.get(hash);
    return record ? copyRecord(record) : null;
  }

  get(id: string): StoredKeyRecord | null {
    const record = this.byId.get(id);
    return record ? copyRecord(record) : null;
  }

  list(filter: { projectId?: string } = {}): StoredKeyRecord[] {
    const out: StoredKeyRecord[] = [];
    for (const record of this.byId.values()) {
      if (filter.projectId === undefined || record.projectId === filter.projectId) {
        out.push(copyRecord(record));
      }
    }
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  insert(record: StoredKeyRecord): void {
    if (this.byId.has(record.id) || this.byHash.has(record.hash)) {
      throw new VectorcacheAuthError(
        'duplicate_key',
        `A key with id ${record.id} or the same hash already exists; generate a new key.`,
      );
    }
    this.put(copyRecord(record));
  }

  update(id: string, patch: KeyRecordPatch): StoredKeyRecord | null {
    const current = this.byId.get(id);
    if (!current) return null;
    const next: StoredKeyRecord = { ...current };
    if (patch.name !== undefined) next.name = patch.name;
    if (patch.scopes !== undefined) next.scopes = [...patch.scopes];
    if (patch.revokedAt !== undefined) next.revokedAt = patch.revokedAt;
    if (patch.expiresAt !== undefined) next.expiresAt = patch.expiresAt;
    if (patch.rotatedTo !== undefined) next.rotatedTo = patch.rotatedTo;
    if (patch.environment !== undefined) next.environment = patch.environment;
    if (patch.ownerId !== undefined) next.ownerId = patch.ownerId;
    if (patch.meta !== undefined) next.meta = patch.meta === null ? null : { ...patch.meta };
    this.put(next);
    return copyRecord(next);
  }

  recordUsage(batch: readonly UsageEntry[]): void {
    for (const entry of batch) {
      const current = this.byId.get(entry.id);
      if (!current || !(entry.count > 0)) continue;
      current.requestCount += entry.count;
      const last = entry.lastUsedAt;
      if (last !== undefined && (current.lastUsedAt === null || last > current.lastUsedAt)) {
        current.lastUsedAt = last;
      }
    }
  }

  /** Every record (no copies), for serialisation and diffing. */
  all(): IterableIterator<StoredKeyRecord> {
    return this.byId.values();
  }
}
