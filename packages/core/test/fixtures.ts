import { VectorcacheAuthError } from '../src/errors';
import { MemoryKeyStore } from '../src/stores/memory-store';
import type { ApiKeyRecord, KeyStore, StoredKeyRecord } from '../src/types';

/** Matches any plaintext key. */
export const PLAINTEXT_KEY = /vc_[0-9a-f]{32}/;

/** A clock the test moves by hand. */
export function manualClock(start = Date.parse('2026-01-01T00:00:00Z')): {
  now: () => number;
  advance: (ms: number) => void;
} {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/**
 * A memory store with fault injection and read counting: `mode` switches findByHash between
 * answering, throwing (with a message that contains `secret`) and never answering.
 */
export class FaultyStore extends MemoryKeyStore {
  reads = 0;
  usageCalls = 0;
  mode: 'ok' | 'throw' | 'hang' | 'corrupt' = 'ok';
  secret = '';
  /** Holds every findByHash until released (to test in-flight races). */
  gate: Promise<void> | undefined;

  override async findByHash(hash: string): Promise<StoredKeyRecord | null> {
    this.reads++;
    if (this.mode === 'throw') throw new Error(`connection refused while reading ${this.secret}`);
    if (this.mode === 'hang') return new Promise<never>(() => undefined);
    if (this.mode === 'corrupt') return { projectId: 'x' } as unknown as StoredKeyRecord;
    const value = await super.findByHash(hash);
    if (this.gate) await this.gate;
    return value;
  }

  override async recordUsage(batch: Parameters<MemoryKeyStore['recordUsage']>[0]): Promise<void> {
    this.usageCalls++;
    return super.recordUsage(batch);
  }
}

/** A memory store without `subscribe`: the verifier cannot hear about changes. */
export function storeWithoutFeed(inner = new MemoryKeyStore()): KeyStore {
  return {
    findByHash: (h) => inner.findByHash(h),
    insert: (r) => inner.insert(r),
    get: (id) => inner.get(id),
    list: (f) => inner.list(f),
    update: (id, p) => inner.update(id, p),
    recordUsage: (b) => inner.recordUsage(b),
    close: () => inner.close(),
  };
}

/** The `VectorcacheAuthError` that `work` throws; fails the test when it throws nothing or another. */
export function thrownBy(work: () => unknown): VectorcacheAuthError {
  try {
    work();
  } catch (err) {
    if (err instanceof VectorcacheAuthError) return err;
    throw err;
  }
  throw new Error('expected a VectorcacheAuthError, nothing was thrown');
}

/**
 * A record the key manager returned, as a store keeps it: without the derived `status` and
 * `rotationDue`, and without the environment, owner and metadata it does not have.
 */
export function storedOf(record: ApiKeyRecord): StoredKeyRecord {
  const { status: _status, rotationDue: _due, ...stored } = record;
  for (const field of ['environment', 'ownerId', 'meta'] as const) {
    if (stored[field] === null) delete stored[field];
  }
  return stored;
}
