import type { KeyStore, UsageEntry } from './types';

interface Pending {
  count: number;
  last: number;
}

/**
 * Aggregates request counts and last-used times in memory and writes them in one
 * `recordUsage` call per flush. At most `maxPendingKeys` keys are tracked; reaching the bound
 * triggers an early flush. A failed write is merged back so counts are not lost.
 */
export class UsageAggregator {
  private pending = new Map<string, Pending>();
  private flushing: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: KeyStore,
    private readonly maxPendingKeys: number,
    flushIntervalMs: number,
    private readonly write: (store: KeyStore, batch: UsageEntry[]) => Promise<void>,
  ) {
    if (flushIntervalMs > 0) {
      this.timer = setInterval(() => void this.flush().catch(() => undefined), flushIntervalMs);
      this.timer.unref();
    }
  }

  /** Counts one request of key `id` at time `at` (epoch ms). */
  record(id: string, at: number): void {
    const entry = this.pending.get(id);
    if (entry) {
      entry.count++;
      if (at > entry.last) entry.last = at;
      return;
    }
    this.pending.set(id, { count: 1, last: at });
    if (this.pending.size >= this.maxPendingKeys) void this.flush().catch(() => undefined);
  }

  /** Writes everything pending in one store call; flushes never overlap. */
  flush(): Promise<void> {
    const run = async (): Promise<void> => {
      if (this.pending.size === 0) return;
      const taken = this.pending;
      this.pending = new Map();
      const batch: UsageEntry[] = [];
      for (const [id, { count, last }] of taken) {
        batch.push({ id, count, lastUsedAt: new Date(last).toISOString() });
      }
      try {
        await this.write(this.store, batch);
      } catch (err) {
        for (const [id, entry] of taken) {
          const now = this.pending.get(id);
          if (now) {
            now.count += entry.count;
            if (entry.last > now.last) now.last = entry.last;
          } else if (this.pending.size < this.maxPendingKeys) {
            this.pending.set(id, entry);
          }
        }
        throw err;
      }
    };
    const result = this.flushing.then(run, run);
    this.flushing = result.catch(() => undefined);
    return result;
  }

  /** Stops the interval timer. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
