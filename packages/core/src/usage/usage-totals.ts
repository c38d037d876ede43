import type { UsageBucket, UsageEntry, UsageOutcome } from '../types';

/** Outcomes other than `valid`: counted on the (rarer) refusal paths only. */
export type RefusalOutcome = Exclude<UsageOutcome, 'valid'>;

/** Refusals by outcome. */
export type RefusalCounts = Partial<Record<RefusalOutcome, number>>;

/** A segment closed before its flush (its hour ended), waiting to be written. */
export interface Segment {
  id: string;
  projectId: string | undefined;
  hourStart: number;
  count: number;
  last: number;
  valid: number;
  refusals: RefusalCounts | undefined;
}

/** What a flush writes for one key: totals and analytics by hour and outcome. */
export interface Totals {
  count: number;
  last: number;
  projectId: string | undefined;
  /** hour start (ms) -> outcome -> count */
  hours: Map<number, Partial<Record<UsageOutcome, number>>>;
}

/** Every outcome usage analytics count, in the order answers list them. */
export const USAGE_OUTCOMES: readonly UsageOutcome[] = Object.freeze([
  'valid',
  'revoked',
  'expired',
  'wrong_project',
  'wrong_environment',
  'insufficient_scope',
  'rate_limited',
]);
const OUTCOMES = USAGE_OUTCOMES;

/** Whether `value` is one of {@link USAGE_OUTCOMES} (a row read back from a store is checked). */
export function isUsageOutcome(value: unknown): value is UsageOutcome {
  return (OUTCOMES as readonly unknown[]).includes(value);
}

/** At most this many hours of analytics are carried per key while the store refuses writes. */
const MAX_CARRIED_HOURS = 48;

/** Adds a segment to its key's totals. */
export function addTo(totals: Map<string, Totals>, segment: Segment): void {
  let total = totals.get(segment.id);
  if (!total) {
    total = { count: 0, last: 0, projectId: segment.projectId, hours: new Map() };
    totals.set(segment.id, total);
  }
  total.count += segment.count;
  if (segment.last > total.last) total.last = segment.last;
  total.projectId ??= segment.projectId;
  const counts: Partial<Record<UsageOutcome, number>> = { ...segment.refusals };
  if (segment.valid > 0) counts.valid = segment.valid;
  mergeHour(total, segment.hourStart, counts);
}

/** Merges one hour's counts into a key's totals, at most 48 hours per key. */
export function mergeHour(
  total: Totals,
  hourStart: number,
  counts: Partial<Record<UsageOutcome, number>>,
): void {
  let hour = total.hours.get(hourStart);
  if (!hour) {
    if (total.hours.size >= MAX_CARRIED_HOURS) return;
    hour = {};
    total.hours.set(hourStart, hour);
  }
  for (const outcome of OUTCOMES) {
    const n = counts[outcome];
    if (n) hour[outcome] = (hour[outcome] ?? 0) + n;
  }
}

/** What `recordUsage` receives for one key's totals. */
export function toEntry(id: string, total: Totals): UsageEntry {
  const buckets: UsageBucket[] = [];
  for (const [start, counts] of total.hours) {
    const hour = new Date(start).toISOString();
    for (const outcome of OUTCOMES) {
      const count = counts[outcome];
      if (count) buckets.push({ hour, outcome, count });
    }
  }
  const entry: UsageEntry = { id, count: total.count, buckets };
  // `last` is only set by a request in which the key was active.
  if (total.last > 0) entry.lastUsedAt = new Date(total.last).toISOString();
  if (total.projectId !== undefined) entry.projectId = total.projectId;
  return entry;
}
