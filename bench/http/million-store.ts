import { randomBytes } from 'node:crypto';
import type {
  KeyRecordPatch,
  KeyStore,
  StoreChangeListener,
  StoredKeyRecord,
  UsageEntry,
} from '@vectorcache/auth-core';

/**
 * A KeyStore holding `filler` random key hashes plus whatever is inserted. The filler lives in a
 * compact open-addressing table outside the JS heap (32 bytes per hash in one Buffer, slots in an
 * Int32Array), so a million records load in well under a second and cost the garbage collector
 * nothing, like records held by Redis rather than by the Node process. Filler records are
 * materialised on lookup (a random hash stands for the SHA-256 of some unknown key).
 */
export class MillionKeyStore implements KeyStore {
  private readonly hashes: Buffer;
  private readonly slots: Int32Array;
  private readonly mask: number;
  private readonly filler: number;
  private readonly inserted = new Map<string, StoredKeyRecord>();
  private readonly listeners = new Set<StoreChangeListener>();
  usageWrites = 0;

  constructor(filler: number) {
    this.filler = filler;
    this.hashes = randomBytes(32 * filler);
    let capacity = 1;
    while (capacity < filler * 2) capacity *= 2;
    this.mask = capacity - 1;
    this.slots = new Int32Array(capacity).fill(-1);
    for (let row = 0; row < filler; row++) {
      let slot = this.hashes.readUInt32LE(row * 32) & this.mask;
      while (this.slots[slot] !== -1) slot = (slot + 1) & this.mask;
      this.slots[slot] = row;
    }
  }

  /** Number of records held. */
  get size(): number {
    return this.filler + this.inserted.size;
  }

  private findRow(hash: string): number {
    if (!/^[0-9a-f]{64}$/.test(hash)) return -1;
    const target = Buffer.from(hash, 'hex');
    let slot = target.readUInt32LE(0) & this.mask;
    for (;;) {
      const row = this.slots[slot]!;
      if (row === -1) return -1;
      if (this.hashes.compare(target, 0, 32, row * 32, row * 32 + 32) === 0) return row;
      slot = (slot + 1) & this.mask;
    }
  }

  private materialise(hash: string, row: number): StoredKeyRecord {
    return {
      id: `key_${row.toString(16).padStart(24, '0')}`,
      projectId: 'bench',
      name: `filler ${row}`,
      prefix: 'vc_0000',
      hash,
      scopes: ['cache:*', 'analytics:read'],
      createdAt: '2026-01-01T00:00:00.000Z',
      lastUsedAt: null,
      requestCount: 0,
      revokedAt: null,
      expiresAt: null,
    };
  }

  async findByHash(hash: string): Promise<StoredKeyRecord | null> {
    const own = this.inserted.get(hash);
    if (own) return { ...own, scopes: [...own.scopes] };
    const row = this.findRow(hash);
    return row === -1 ? null : this.materialise(hash, row);
  }

  async insert(record: StoredKeyRecord): Promise<void> {
    if (this.inserted.has(record.hash) || this.findRow(record.hash) !== -1) {
      throw new Error('duplicate hash');
    }
    this.inserted.set(record.hash, { ...record, scopes: [...record.scopes] });
  }

  async get(id: string): Promise<StoredKeyRecord | null> {
    for (const record of this.inserted.values()) {
      if (record.id === id) return { ...record, scopes: [...record.scopes] };
    }
    return null;
  }

  async list(): Promise<StoredKeyRecord[]> {
    throw new Error('MillionKeyStore.list is not part of the benchmark');
  }

  async update(id: string, patch: KeyRecordPatch): Promise<StoredKeyRecord | null> {
    const current = await this.get(id);
    if (!current) return null;
    const next = { ...current, ...patch };
    this.inserted.set(current.hash, next);
    for (const l of this.listeners) l({ type: 'changed', id, hash: current.hash });
    return next;
  }

  async recordUsage(batch: UsageEntry[]): Promise<void> {
    this.usageWrites += batch.length;
  }

  subscribe(listener: StoreChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
