import { VectorcacheAuthError } from '@vectorcache/auth-core';
import { isUsageOutcome } from '@vectorcache/auth-core/adapter';
import type { UsageEntry, UsageGranularity, UsageQuery, UsageRow } from '@vectorcache/auth-core';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** How long a flush id is remembered, so that a retried flush is not counted twice. */
export const FLUSH_ID_TTL_MS = 15 * 60_000;

/** How long analytics are kept, in days. */
export interface Retention {
  hourlyDays: number;
  dailyDays: number;
}

const unitOf = (granularity: UsageGranularity): number => (granularity === 'hour' ? HOUR : DAY);
const keepOf = (granularity: UsageGranularity, retention: Retention): number =>
  (granularity === 'hour' ? retention.hourlyDays : retention.dailyDays) * DAY;

/**
 * The oldest start of a point still kept: a point lives `retention` after the end of its hour or
 * day, the same rule for what a flush writes, what a read returns and what pruning deletes.
 */
export function oldestKept(
  granularity: UsageGranularity,
  retention: Retention,
  now: number,
): number {
  return now - unitOf(granularity) - keepOf(granularity, retention);
}

/** The JSON parameters of one usage flush statement, aggregated so each row is written once. */
export interface UsageParameters {
  counts: Array<{ id: string; n: number; at: string }>;
  hourly: Array<{ id: string; start: string; outcome: string; n: number }>;
  daily: Array<{ id: string; start: string; outcome: string; n: number }>;
}

/**
 * A batch as the flush statement takes it: per key the summed count and the latest use, per key,
 * hour (and day) and outcome the summed analytics count. Buckets with an unknown outcome, a
 * non-positive count, an unreadable hour or past their retention are left out.
 */
export function usageParameters(
  batch: readonly UsageEntry[],
  retention: Retention,
  now: number,
): UsageParameters {
  const counts = new Map<string, { id: string; n: number; at: string }>();
  const buckets = {
    hour: new Map<string, { id: string; start: string; outcome: string; n: number }>(),
    day: new Map<string, { id: string; start: string; outcome: string; n: number }>(),
  };
  for (const entry of batch) {
    if (typeof entry?.id !== 'string') continue;
    const n = Math.floor(entry.count);
    if (n > 0) {
      const used = Date.parse(entry.lastUsedAt ?? '');
      const at = Number.isNaN(used) ? '' : new Date(used).toISOString();
      const known = counts.get(entry.id);
      if (known === undefined) counts.set(entry.id, { id: entry.id, n, at });
      else {
        known.n += n;
        if (at > known.at) known.at = at;
      }
    }
    for (const bucket of entry.buckets ?? []) {
      const at = Date.parse(bucket?.hour);
      const n = Math.floor(bucket?.count);
      if (Number.isNaN(at) || !(n > 0) || !isUsageOutcome(bucket.outcome)) continue;
      for (const granularity of ['hour', 'day'] as const) {
        const unit = unitOf(granularity);
        const start = Math.floor(at / unit) * unit;
        if (start <= oldestKept(granularity, retention, now)) continue;
        const startIso = new Date(start).toISOString();
        const key = `${entry.id}|${startIso}|${bucket.outcome}`;
        const row = buckets[granularity].get(key);
        if (row === undefined) {
          buckets[granularity].set(key, {
            id: entry.id,
            start: startIso,
            outcome: bucket.outcome,
            n,
          });
        } else row.n += n;
      }
    }
  }
  return {
    counts: [...counts.values()],
    hourly: [...buckets.hour.values()],
    daily: [...buckets.day.values()],
  };
}

/**
 * The flush in one statement, so it is atomic and one round trip: the flush id claimed (when
 * given; an id claimed before makes every other part a no-op), the counts and last uses added to
 * the keys, and the analytics rows added, with their project read from the key itself. Ids the
 * store does not hold change nothing.
 */
export function flushStatement(s: string): string {
  const upsert = (table: string, param: string): string => `
    INSERT INTO ${s}.${table} AS t (project_id, start, key_id, outcome, count)
    SELECT k.project_id, b.start, b.id, b.outcome, b.n
    FROM jsonb_to_recordset(${param}::jsonb) AS b(id text, start timestamptz, outcome text, n bigint)
    JOIN ${s}.keys k ON k.id = b.id
    WHERE EXISTS (SELECT 1 FROM go)
    ON CONFLICT (project_id, start, key_id, outcome) DO UPDATE SET count = t.count + EXCLUDED.count`;
  return `
    WITH claim AS (
      INSERT INTO ${s}.flushes (id) SELECT $1::text WHERE $1::text IS NOT NULL
      ON CONFLICT (id) DO NOTHING RETURNING id
    ), go AS (
      SELECT 1 WHERE $1::text IS NULL OR EXISTS (SELECT 1 FROM claim)
    ), counted AS (
      UPDATE ${s}.keys k SET request_count = k.request_count + u.n,
        last_used_at = CASE WHEN u.at <> '' AND (k.last_used_at IS NULL OR k.last_used_at < u.at)
                       THEN u.at ELSE k.last_used_at END
      FROM jsonb_to_recordset($2::jsonb) AS u(id text, n bigint, at text)
      WHERE k.id = u.id AND EXISTS (SELECT 1 FROM go)
      RETURNING 1
    ), hourly AS (${upsert('usage_hourly', '$3')}
      RETURNING 1
    )${upsert('usage_daily', '$4')}`;
}

function badQuery(message: string): VectorcacheAuthError {
  return new VectorcacheAuthError('invalid_input', message);
}

/** A usage query checked, as the parameters of {@link usageReadStatement}. */
export function usageReadParameters(
  query: UsageQuery,
  retention: Retention,
  now: number,
): { table: string; values: unknown[] } {
  if (typeof query !== 'object' || query === null)
    throw badQuery('readUsage needs a query object.');
  const { projectId, granularity, keyId } = query;
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
  const first = Math.max(from, oldestKept(granularity, retention, now) + 1);
  return {
    table: granularity === 'hour' ? 'usage_hourly' : 'usage_daily',
    values: [
      projectId,
      new Date(first).toISOString(),
      new Date(Math.max(to, first)).toISOString(),
      typeof keyId === 'string' ? keyId : null,
    ],
  };
}

/** Rows of a project (or one key, `$4`) with a start in `[$2, $3)`. */
export function usageReadStatement(s: string, table: string): string {
  return `SELECT key_id, start, outcome, count FROM ${s}.${table}
          WHERE project_id = $1 AND start >= $2 AND start < $3 AND ($4::text IS NULL OR key_id = $4)
          ORDER BY start, key_id, outcome`;
}

/** A row of {@link usageReadStatement} as a `UsageRow`; `null` for one that does not parse. */
export function usageRow(row: Record<string, unknown>): UsageRow | null {
  const count = Number(row.count);
  const start = row.start instanceof Date ? row.start.toISOString() : null;
  if (typeof row.key_id !== 'string' || typeof row.outcome !== 'string') return null;
  if (start === null || !isUsageOutcome(row.outcome) || !Number.isSafeInteger(count)) return null;
  return { keyId: row.key_id, start, outcome: row.outcome, count };
}

/** Deletes what is past its retention: analytics points, old flush ids, ended attempt windows. */
export function pruneStatements(
  s: string,
  retention: Retention,
  now: number,
): Array<[string, unknown[]]> {
  const before = (granularity: UsageGranularity): string =>
    new Date(oldestKept(granularity, retention, now)).toISOString();
  return [
    [`DELETE FROM ${s}.usage_hourly WHERE start <= $1`, [before('hour')]],
    [`DELETE FROM ${s}.usage_daily WHERE start <= $1`, [before('day')]],
    [`DELETE FROM ${s}.flushes WHERE at < $1`, [new Date(now - FLUSH_ID_TTL_MS).toISOString()]],
    [`DELETE FROM ${s}.attempts WHERE expires_at < now()`, []],
  ];
}
