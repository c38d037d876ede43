import { LRUCache } from 'lru-cache';
import { isFresh, isServableStale } from '../verify/cache-entries';
import { CoalescedReads } from '../verify/coalesce';
import type { StoredKeyRecord } from '../types';
import type { UsageCounter } from '../usage/usage';

interface KeyState {
  record: StoredKeyRecord;
  fetchedAt: number;
  usage: UsageCounter | undefined;
}

/** What the verifier lends the cache: clock, bounds, feed state and the store read. */
export interface KeyStatesOptions {
  max: number;
  ttl: number;
  staleMs: number;
  now: () => number;
  feedUp: () => boolean;
  fetch: (id: string) => Promise<StoredKeyRecord | null>;
  counter: (record: StoredKeyRecord) => UsageCounter | undefined;
}

/**
 * Records by key id, for tokens that name their key: bounded, trusted for `ttl` while the change
 * feed is up, evicted by the same feed as the hash cache, one store read per id in flight.
 */
export class KeyStates {
  private readonly cache: LRUCache<string, KeyState>;
  private readonly reads = new CoalescedReads<StoredKeyRecord | null>();

  constructor(private readonly options: KeyStatesOptions) {
    this.cache = new LRUCache({ max: options.max });
  }

  /**
   * The key's record (`null` when unknown) and its usage counter, or `undefined` when the store
   * failed and no recent enough copy may be served.
   */
  async lookup(
    id: string,
    at: number,
  ): Promise<{ record: StoredKeyRecord | null; usage?: UsageCounter } | undefined> {
    const { ttl, staleMs, now, feedUp, fetch, counter } = this.options;
    const cached = this.cache.get(id);
    if (cached && isFresh(cached.fetchedAt, at, ttl, feedUp())) return cached;
    try {
      const { value, cacheable } = await this.reads.run(id, () => fetch(id));
      if (value === null) return { record: null };
      const state = { record: value, fetchedAt: now(), usage: counter(value) };
      if (cacheable) this.cache.set(id, state);
      return state;
    } catch {
      if (cached && isServableStale(cached.fetchedAt, at, ttl, staleMs)) return cached;
      return undefined;
    }
  }

  /** Drops one key (a change arrived for it). */
  invalidate(id: string): void {
    this.cache.delete(id);
    this.reads.invalidate(id);
  }

  /** Marks reads in flight stale (the feed was lost). */
  distrustReads(): void {
    this.reads.invalidateAll();
  }

  /** Drops everything (the feed is back and may have missed messages). */
  clear(): void {
    this.cache.clear();
    this.reads.invalidateAll();
  }
}
