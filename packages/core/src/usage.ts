import type { KeyStore, UsageEntry } from './types';

/**
 * One key's count since the last flush. The verifier keeps it on its cache entry, so counting a
 * request is two increments, with no lookup on the hot path.
 */
export interface UsageCounter {
  readonly id: string;
  count: number;
  last: number;
  /** The flush period the count belongs to; an older one means it was already written. */
  epoch: number;
}

/**
 * Aggregates request counts and last-used times in memory and writes them in one
 * `recordUsage` call per flush. At most `maxPendingKeys` counters are pending; reaching the bound
 * triggers an early flush. A failed write is carried into the next one, so counts are not lost.
 */
export class UsageAggregator {
  private epoch = 1;
  private pending: UsageCounter[] = [];
  private carried = new Map<string, { count: number; last: number }>();
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

  /** A new counter for key `id`, to keep beside the key's cached record. */
  counter(id: string): UsageCounter {
    return { id, count: 0, last: 0, epoch: 0 };
  }

  /** Counts one request at time `at` (epoch ms). */
  record(counter: UsageCounter, at: number): void {
    if (counter.epoch !== this.epoch) {
      counter.epoch = this.epoch;
      counter.count = 0;
      counter.last = 0;
      this.pending.push(counter);
      if (this.pending.length >= this.maxPendingKeys) void this.flush().catch(() => undefined);
    }
    counter.count++;
    if (at > counter.last) counter.last = at;
  }

  /** Writes everything pending in one store call; flushes never overlap. */
  flush(): Promise<void> {
    const run = async (): Promise<void> => {
      // Taking the counts and moving to the next epoch happen together, synchronously.
      const totals = this.carried;
      this.carried = new Map();
      for (const counter of this.pending) {
        const total = totals.get(counter.id);
        if (total) {
          total.count += counter.count;
          if (counter.last > total.last) total.last = counter.last;
        } else {
          totals.set(counter.id, { count: counter.count, last: counter.last });
        }
      }
      this.pending = [];
      this.epoch++;
      if (totals.size === 0) return;
      const batch: UsageEntry[] = [];
      for (const [id, { count, last }] of totals) {
        batch.push({ id, count, lastUsedAt: new Date(last).toISOString() });
      }
      try {
        await this.write(this.store, batch);
      } catch (err) {
        for (const [id, total] of totals) {
          const later = this.carried.get(id);
          if (later) {
            later.count += total.count;
            if (total.last > later.last) later.last = total.last;
          } else if (this.carried.size < this.maxPendingKeys) {
            this.carried.set(id, total);
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
