import { VectorcacheAuthError } from '../errors';
import type { UsageGranularity, UsageOutcome, UsageRow } from '../types';
import { USAGE_OUTCOMES, isUsageOutcome } from './usage-totals';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** A range of usage points: whole hours or UTC days. */
export interface UsageRange {
  granularity: UsageGranularity;
  /** Start of the first point (floored to the hour or UTC day), epoch ms. */
  from: number;
  /** End, exclusive, epoch ms. */
  to: number;
}

/** One point of a usage series: `requests` is the sum of all its outcomes. */
export interface UsagePoint {
  start: string;
  requests: number;
  outcomes: Record<UsageOutcome, number>;
}

const MAX_RANGE_DAYS = { hour: 31, day: 400 } as const;
const ISO_DATE =
  /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

function bad(message: string): VectorcacheAuthError {
  return new VectorcacheAuthError('invalid_input', message);
}

/** Epoch ms of an ISO-8601 date or date-time, or NaN. */
export function parseIsoDate(text: string): number {
  return ISO_DATE.test(text) ? Date.parse(text) : NaN;
}

/**
 * The range of a usage read from its text inputs (the management API's query, the CLI's options):
 * `granularity` `hour` (default) or `day`; `from` and `to` ISO-8601. Defaults: the last 24 hours
 * hourly, the last 30 days daily, up to the end of the current hour or UTC day. At most 31 days
 * hourly and 400 days daily. Errors (`invalid_input`) quote the bad value.
 * @example resolveUsageRange({ granularity: 'day' }, Date.now())
 */
export function resolveUsageRange(
  input: { from?: string; to?: string; granularity?: string },
  now: number,
): UsageRange {
  const granularityText = input.granularity ?? 'hour';
  if (granularityText !== 'hour' && granularityText !== 'day') {
    throw bad(`Invalid granularity ${JSON.stringify(granularityText)}: use hour or day`);
  }
  const granularity: UsageGranularity = granularityText;
  const unit = granularity === 'hour' ? HOUR_MS : DAY_MS;
  const date = (key: 'from' | 'to'): number | undefined => {
    const text = input[key];
    if (text === undefined) return undefined;
    const ms = parseIsoDate(text);
    if (Number.isNaN(ms)) {
      throw bad(
        `Invalid ${key} ${JSON.stringify(text)}: give an ISO-8601 date such as 2026-12-01 or 2026-12-01T10:00:00Z`,
      );
    }
    return ms;
  };
  const givenTo = date('to');
  const to = givenTo ?? Math.floor(now / unit) * unit + unit;
  const from = date('from') ?? to - (granularity === 'hour' ? 24 * HOUR_MS : 30 * DAY_MS);
  const label = (ms: number, given: string | undefined): string =>
    JSON.stringify(given ?? new Date(ms).toISOString());
  if (from > to) {
    throw bad(`from ${label(from, input.from)} is after to ${label(to, input.to)}`);
  }
  const maxDays = MAX_RANGE_DAYS[granularity];
  if (to - from > maxDays * DAY_MS) {
    throw bad(
      `The range from ${label(from, input.from)} to ${label(to, input.to)} is longer than ${maxDays} days, the most for ${granularity === 'hour' ? 'hourly' : 'daily'} points` +
        (granularity === 'hour' ? '; use granularity=day' : ''),
    );
  }
  return { granularity, from: Math.floor(from / unit) * unit, to };
}

/** Every outcome at zero: a point always reports all of them. */
function zeros(): Record<UsageOutcome, number> {
  return Object.fromEntries(USAGE_OUTCOMES.map((o) => [o, 0])) as Record<UsageOutcome, number>;
}

/**
 * One point per hour or UTC day of the range, each the sum of its rows (a period with no stored
 * row reads as zeros).
 * @example toUsagePoints(await store.readUsage(query), range)
 */
export function toUsagePoints(rows: readonly UsageRow[], range: UsageRange): UsagePoint[] {
  const unit = range.granularity === 'hour' ? HOUR_MS : DAY_MS;
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
    if (!point || !isUsageOutcome(row.outcome) || !(row.count > 0)) continue;
    point.outcomes[row.outcome] += row.count;
    point.requests += row.count;
  }
  return points;
}
