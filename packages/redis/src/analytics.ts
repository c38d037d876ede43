import { VectorcacheAuthError } from '@vectorcache/auth-core';
import { isUsageOutcome } from '@vectorcache/auth-core/adapter';
import type { UsageBucket, UsageGranularity, UsageQuery, UsageRow } from '@vectorcache/auth-core';
import type { KeyLayout } from './key-layout';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** How long a flush id is remembered, so that a retried flush is not counted twice. */
export const FLUSH_ID_TTL_MS = 15 * 60_000;
/** Bound on the buckets one `readUsage` reads (the retention bounds it far below in practice). */
const MAX_BUCKETS = 20_000;

/** How long analytics are kept, in days. */
export interface Retention {
  hourlyDays: number;
  dailyDays: number;
}

/** What one usage entry contributes to analytics: its key, project and buckets. */
export interface AnalyticsEntry {
  keyId: string;
  projectId: string;
  buckets: readonly UsageBucket[];
}

/** `2026-12-02T01` for an hour, `2026-12-02` for a day. */
function stamp(granularity: UsageGranularity, start: number): string {
  return new Date(start).toISOString().slice(0, granularity === 'hour' ? 13 : 10);
}

function step(granularity: UsageGranularity): number {
  return granularity === 'hour' ? HOUR : DAY;
}

function keepDays(granularity: UsageGranularity, retention: Retention): number {
  return granularity === 'hour' ? retention.hourlyDays : retention.dailyDays;
}

/** When a bucket's key expires: `retention` days after the end of its hour or day. */
function expiry(granularity: UsageGranularity, start: number, retention: Retention): number {
  return Math.round(start + step(granularity) + keepDays(granularity, retention) * DAY);
}

/**
 * Keys and arguments of the analytics part of a flush script: every bucket counted in its hourly
 * and its daily hash (`<keyId>|<outcome>` -> count), each hash expiring with the retention.
 * Buckets with an unknown outcome, a non-positive count or an unreadable hour are skipped.
 */
export function analyticsCommand(
  keys: KeyLayout,
  entries: readonly AnalyticsEntry[],
  retention: Retention,
): { keys: string[]; args: string[] } {
  const hashes = new Map<string, { expireAt: number; counts: Map<string, number> }>();
  const add = (
    granularity: UsageGranularity,
    projectId: string,
    start: number,
    field: string,
    n: number,
  ): void => {
    const key = keys.usage(granularity, projectId, stamp(granularity, start));
    let hash = hashes.get(key);
    if (hash === undefined) {
      hash = { expireAt: expiry(granularity, start, retention), counts: new Map() };
      hashes.set(key, hash);
    }
    hash.counts.set(field, (hash.counts.get(field) ?? 0) + n);
  };
  for (const { keyId, projectId, buckets } of entries) {
    for (const bucket of buckets) {
      const at = Date.parse(bucket.hour);
      const count = Math.floor(bucket.count);
      if (Number.isNaN(at) || !(count > 0) || !isUsageOutcome(bucket.outcome)) continue;
      const field = `${keyId}|${bucket.outcome}`;
      add('hour', projectId, Math.floor(at / HOUR) * HOUR, field, count);
      add('day', projectId, Math.floor(at / DAY) * DAY, field, count);
    }
  }
  const args: string[] = [];
  for (const { expireAt, counts } of hashes.values()) {
    args.push(String(expireAt), String(counts.size));
    for (const [field, count] of counts) args.push(field, String(count));
  }
  return { keys: [...hashes.keys()], args };
}

function badQuery(message: string): VectorcacheAuthError {
  return new VectorcacheAuthError('invalid_input', message);
}

/**
 * The bucket hashes a usage query reads: every hour or day starting in `[from, to)`, leaving out
 * those older than the retention (their keys have expired) and those in the future.
 */
export function usageReadPlan(
  keys: KeyLayout,
  query: UsageQuery,
  retention: Retention,
  now: number,
): Array<{ key: string; start: string }> {
  if (typeof query !== 'object' || query === null)
    throw badQuery('readUsage needs a query object.');
  const { projectId, granularity } = query;
  if (typeof projectId !== 'string' || projectId === '') {
    throw badQuery('readUsage "projectId" must be a non-empty string.');
  }
  if (granularity !== 'hour' && granularity !== 'day') {
    throw badQuery(
      `readUsage "granularity" must be "hour" or "day" (got ${JSON.stringify(granularity)}).`,
    );
  }
  const from = Date.parse(query.from);
  const to = Date.parse(query.to);
  if (Number.isNaN(from) || Number.isNaN(to)) {
    throw badQuery(
      `readUsage "from" and "to" must be ISO-8601 dates (got ${JSON.stringify(query.from)}, ${JSON.stringify(query.to)}).`,
    );
  }
  const size = step(granularity);
  const oldestKept =
    Math.floor(now / size) * size - Math.ceil(keepDays(granularity, retention)) * DAY - size;
  const first = Math.max(Math.ceil(from / size) * size, oldestKept);
  const end = Math.min(to, now + size);
  if ((end - first) / size > MAX_BUCKETS) {
    throw badQuery(`readUsage range is too long: more than ${MAX_BUCKETS} ${granularity}s.`);
  }
  const plan: Array<{ key: string; start: string }> = [];
  for (let start = first; start < end; start += size) {
    plan.push({
      key: keys.usage(granularity, projectId, stamp(granularity, start)),
      start: new Date(start).toISOString(),
    });
  }
  return plan;
}

/** Rows of one bucket hash (`<keyId>|<outcome>` -> count), of one key when `keyId` is given. */
export function usageRows(
  fields: Record<string, string>,
  start: string,
  keyId: string | undefined,
): UsageRow[] {
  const rows: UsageRow[] = [];
  for (const [field, value] of Object.entries(fields)) {
    const bar = field.lastIndexOf('|');
    const id = field.slice(0, bar);
    const outcome = field.slice(bar + 1);
    const count = Number(value);
    if (bar < 0 || !isUsageOutcome(outcome) || !Number.isSafeInteger(count)) continue;
    if (keyId === undefined || id === keyId) {
      rows.push({ keyId: id, start, outcome, count });
    }
  }
  return rows.sort((a, b) => a.keyId.localeCompare(b.keyId) || a.outcome.localeCompare(b.outcome));
}
