import { randomUUID } from 'node:crypto';
import type { KeyStore, UsageEntry } from '../types';
import {
  addTo,
  mergeHour,
  toEntry,
  type RefusalCounts,
  type RefusalOutcome,
  type Segment,
  type Totals,
} from './usage-totals';

export { USAGE_OUTCOMES, type RefusalOutcome } from './usage-totals';

const HOUR_MS = 3_600_000;

/**
 * One key's counts since the last flush, for one UTC hour. The verifier keeps it on its cache
 * entry, so counting a request is two increments and two comparisons, with no lookup on the hot
 * path. `valid` is not counted apart: it is `count - refusedActive`.
 */
export interface UsageCounter {
  readonly id: string;
  readonly projectId: string | undefined;
  /** Requests of this segment, whatever their outcome (`requestCount`). */
  count: number;
  /** The latest request in which the key was found active (`lastUsedAt`); 0 when none. */
  last: number;
  /** The flush period the counts belong to; an older one means they were already taken. */
  epoch: number;
  /** The UTC hour the counts belong to: `[hourStart, hourEnd)` in epoch ms. */
  hourStart: number;
  hourEnd: number;
  /** Of `count`, the requests refused (another project, a missing scope, a revoked key...). */
  refusedActive: number;
  /** Refusals of this segment by outcome; allocated on the first one. */
  refusals: RefusalCounts | undefined;
  /**
   * Requests already written as `valid` that a route guard refused afterwards: taken off the
   * next `valid` counts of this key, so every request is counted once.
   */
  debt: number;
}

/**
 * Aggregates request counts, last-used times and analytics (per UTC hour and outcome) in memory
 * and writes them in one `recordUsage` call per flush. At most `maxPendingKeys` counters (and as
 * many closed hour segments) are pending; reaching the bound triggers an early flush. Every
 * flush carries a fresh flush id; a failed (or timed-out) write is sent again, alone and unchanged,
 * under the same id by the next flush, so a store that applied the first attempt late applies the
 * retry no second time. Counts taken while a retry is outstanding are carried (bounded the same
 * way) until it lands, so counts are neither lost nor doubled.
 */
export class UsageAggregator {
  private epoch = 1;
  private pending: UsageCounter[] = [];
  private closed: Segment[] = [];
  private carried = new Map<string, Totals>();
  /** A batch whose write failed: sent again, with its flush id, before anything newer. */
  private unsent: { flushId: string; batch: UsageEntry[] } | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: KeyStore,
    private readonly maxPendingKeys: number,
    flushIntervalMs: number,
    private readonly write: (
      store: KeyStore,
      batch: UsageEntry[],
      flushId: string,
    ) => Promise<void>,
  ) {
    if (flushIntervalMs > 0) {
      this.timer = setInterval(() => void this.flush().catch(() => undefined), flushIntervalMs);
      this.timer.unref();
    }
  }

  /** A new counter for key `id` of `projectId`, to keep beside the key's cached record. */
  counter(id: string, projectId?: string): UsageCounter {
    return {
      id,
      projectId,
      count: 0,
      last: 0,
      epoch: 0,
      hourStart: 0,
      hourEnd: 0,
      refusedActive: 0,
      refusals: undefined,
      debt: 0,
    };
  }

  /** Counts one request at time `at` (epoch ms) in which the key was found active. */
  record(counter: UsageCounter, at: number): void {
    if (counter.epoch !== this.epoch || at >= counter.hourEnd || at < counter.hourStart) {
      this.open(counter, at);
    }
    counter.count++;
    if (at > counter.last) counter.last = at;
  }

  /**
   * Counts a refusal. `active`: the same request was counted by {@link record} just before (the
   * key was active but of another project or lacking a scope), so it is not `valid`; otherwise
   * (a revoked or expired key) it is counted here, a request like any other.
   */
  refuse(counter: UsageCounter, outcome: RefusalOutcome, at: number, active: boolean): void {
    this.tally(counter, outcome, at);
    if (!active) counter.count++;
    counter.refusedActive++;
  }

  /** One more `outcome` in the counter's segment of hour `at`. */
  private tally(counter: UsageCounter, outcome: RefusalOutcome, at: number): void {
    if (counter.epoch !== this.epoch || at >= counter.hourEnd || at < counter.hourStart) {
      this.open(counter, at);
    }
    const refusals = (counter.refusals ??= {});
    refusals[outcome] = (refusals[outcome] ?? 0) + 1;
  }

  /**
   * A route guard refused, for a missing scope, a request the verifier had counted `valid`: it
   * becomes `insufficient_scope`. When that `valid` was already taken by a flush, the next flush
   * of this key takes one `valid` less.
   */
  reclassify(counter: UsageCounter, at: number): void {
    const current = counter.epoch === this.epoch && at < counter.hourEnd && at >= counter.hourStart;
    const validHere = current && counter.count - counter.refusedActive > 0;
    if (validHere) return this.refuse(counter, 'insufficient_scope', at, true);
    // Counted (as valid) by an earlier flush: only its outcome moves.
    this.tally(counter, 'insufficient_scope', at);
    counter.debt++;
  }

  private open(counter: UsageCounter, at: number): void {
    if (counter.epoch === this.epoch) {
      // The hour changed within one flush period: close the segment, keep the counter pending.
      this.closed.push(this.segmentOf(counter));
      if (this.closed.length >= this.maxPendingKeys) void this.flush().catch(() => undefined);
    } else {
      counter.epoch = this.epoch;
      this.pending.push(counter);
      if (this.pending.length >= this.maxPendingKeys) void this.flush().catch(() => undefined);
    }
    counter.count = 0;
    counter.last = 0;
    counter.refusedActive = 0;
    counter.refusals = undefined;
    counter.hourStart = at - (((at % HOUR_MS) + HOUR_MS) % HOUR_MS);
    counter.hourEnd = counter.hourStart + HOUR_MS;
  }

  /** The counter's open segment, with its debt paid from its `valid` count. */
  private segmentOf(counter: UsageCounter): Segment {
    let valid = counter.count - counter.refusedActive;
    if (counter.debt > 0 && valid > 0) {
      const paid = Math.min(counter.debt, valid);
      counter.debt -= paid;
      valid -= paid;
    }
    return {
      id: counter.id,
      projectId: counter.projectId,
      hourStart: counter.hourStart,
      count: counter.count,
      last: counter.last,
      valid,
      refusals: counter.refusals,
    };
  }

  /**
   * Writes everything pending in one store call (two when a failed batch is retried first);
   * flushes never overlap.
   */
  flush(): Promise<void> {
    const run = async (): Promise<void> => {
      // Taking the counts and moving to the next epoch happen together, synchronously.
      const totals = this.carried;
      this.carried = new Map();
      for (const segment of this.closed) addTo(totals, segment);
      for (const counter of this.pending) addTo(totals, this.segmentOf(counter));
      this.closed = [];
      this.pending = [];
      this.epoch++;
      const retry = this.unsent;
      if (retry) {
        try {
          await this.write(this.store, retry.batch, retry.flushId);
          this.unsent = undefined;
        } catch (err) {
          this.carry(totals);
          throw err;
        }
      }
      if (totals.size === 0) return;
      const batch: UsageEntry[] = [];
      for (const [id, total] of totals) batch.push(toEntry(id, total));
      const flushId = randomUUID();
      try {
        await this.write(this.store, batch, flushId);
      } catch (err) {
        // It may still land (a timed-out write): only the same batch under the same id is safe.
        this.unsent = { flushId, batch };
        throw err;
      }
    };
    const result = this.flushing.then(run, run);
    this.flushing = result.catch(() => undefined);
    return result;
  }

  /** Keeps counts that could not be sent yet for the next flush, within `maxPendingKeys` keys. */
  private carry(totals: Map<string, Totals>): void {
    for (const [id, total] of totals) {
      const later = this.carried.get(id);
      if (later) {
        later.count += total.count;
        if (total.last > later.last) later.last = total.last;
        for (const [start, counts] of total.hours) mergeHour(later, start, counts);
      } else if (this.carried.size < this.maxPendingKeys) {
        this.carried.set(id, total);
      }
    }
  }

  /** Stops the interval timer. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
