/** What a coalesced read produced, and whether it may be cached. */
export interface CoalescedRead<T> {
  value: T;
  /** False when a change for the same key landed while the read was in flight (twice). */
  cacheable: boolean;
}

interface Slot<T> {
  promise: Promise<CoalescedRead<T>>;
  stale: boolean;
}

/**
 * One read per key in flight: concurrent callers share it. A key invalidated while its read is in
 * flight is read once more, and the result is marked not cacheable if it was invalidated again,
 * so a revocation that lands during a cache fill always wins. Holds only reads in flight.
 */
export class CoalescedReads<T> {
  private readonly inflight = new Map<string, Slot<T>>();

  /** Reads `key` with `fetch`, sharing a read already in flight. */
  run(key: string, fetch: () => Promise<T>): Promise<CoalescedRead<T>> {
    const existing = this.inflight.get(key);
    if (existing) return existing.promise;
    const slot: Slot<T> = {
      stale: false,
      promise: undefined as unknown as Promise<CoalescedRead<T>>,
    };
    slot.promise = (async (): Promise<CoalescedRead<T>> => {
      try {
        for (let attempt = 0; ; attempt++) {
          const value = await fetch();
          if (!slot.stale) return { value, cacheable: true };
          if (attempt >= 1) return { value, cacheable: false };
          slot.stale = false;
        }
      } finally {
        this.inflight.delete(key);
      }
    })();
    this.inflight.set(key, slot);
    return slot.promise;
  }

  /** Marks the read of `key` in flight, if any, as stale. */
  invalidate(key: string): void {
    const slot = this.inflight.get(key);
    if (slot) slot.stale = true;
  }

  /** Marks every read in flight as stale. */
  invalidateAll(): void {
    for (const slot of this.inflight.values()) slot.stale = true;
  }
}
