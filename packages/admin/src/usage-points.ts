import { USAGE_OUTCOMES, type UsageOutcome, type UsageRow } from '@vectorcache/auth-core';
import type { UsageRange } from './inputs';

/** One point of a usage series. */
export interface UsagePoint {
  start: string;
  requests: number;
  outcomes: Record<UsageOutcome, number>;
}

/** Every outcome at zero: a point always reports all of them. */
function zeros(): Record<UsageOutcome, number> {
  return Object.fromEntries(USAGE_OUTCOMES.map((o) => [o, 0])) as Record<UsageOutcome, number>;
}

/**
 * One point per hour or UTC day of the range, each the sum of its rows (a period with no stored
 * row reads as zeros); `requests` is the sum of all outcomes.
 */
export function toPoints(rows: readonly UsageRow[], range: UsageRange): UsagePoint[] {
  const unit = range.granularity === 'hour' ? 3_600_000 : 86_400_000;
  const points: UsagePoint[] = [];
  const byStart = new Map<number, UsagePoint>();
  for (let start = range.from; start < range.to; start += unit) {
    const point = { start: new Date(start).toISOString(), requests: 0, outcomes: zeros() };
    points.push(point);
    byStart.set(start, point);
  }
  for (const row of rows) {
    const start = Date.parse(row.start);
    const point = byStart.get(start - (((start % unit) + unit) % unit));
    if (!point || !USAGE_OUTCOMES.includes(row.outcome) || !(row.count > 0)) continue;
    point.outcomes[row.outcome] += row.count;
    point.requests += row.count;
  }
  return points;
}

/** Requests per key over the rows, most used first (ties by id). */
export function rankKeys(rows: readonly UsageRow[]): Array<{ id: string; requests: number }> {
  const totals = new Map<string, number>();
  for (const row of rows) {
    if (row.count > 0) totals.set(row.keyId, (totals.get(row.keyId) ?? 0) + row.count);
  }
  return [...totals]
    .map(([id, requests]) => ({ id, requests }))
    .sort((a, b) => b.requests - a.requests || a.id.localeCompare(b.id));
}
