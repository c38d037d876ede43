import { VectorcacheAuthError } from '../errors';
import type { AuditEntry, UsageEntry, UsageQuery, UsageRetention, UsageRow } from '../types';
import type { SqliteConnection } from './sqlite-driver';
import { auditFromJson } from './sqlite-rows';
import { FLUSH_ID_MEMORY_MS, resolveRetention } from '../usage/retention';
import { isUsageOutcome } from '../usage/usage-totals';

/**
 * Usage counters, analytics rows, flush ids and the audit list of the SQLite store. Every
 * function runs inside the caller's transaction.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Retention with its defaults filled in. */
export interface Retention {
  hourlyMs: number;
  dailyMs: number;
}

/** `retention` checked by the stores' one rule, in milliseconds. */
export function retentionOf(retention?: UsageRetention): Retention {
  const { hourlyDays, dailyDays } = resolveRetention(retention);
  return { hourlyMs: hourlyDays * DAY_MS, dailyMs: dailyDays * DAY_MS };
}

const floorTo = (ms: number, unit: number): string =>
  new Date(Math.floor(ms / unit) * unit).toISOString();

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n);

/**
 * Records a flush id; `false` when it was already recorded (the batch was applied before and
 * must not be applied again).
 */
export function claimFlush(db: SqliteConnection, flushId: string, nowMs: number): boolean {
  const claimed = db
    .prepare('INSERT INTO flushes (id, at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING')
    .run(flushId, nowMs);
  return Number(claimed.changes) === 1;
}

/** Adds a batch's counts, last-used times and analytics buckets. */
export function applyUsage(
  db: SqliteConnection,
  batch: readonly UsageEntry[],
  nowMs: number,
  retention: Retention,
): void {
  const counted = db.prepare(
    `UPDATE keys SET request_count = request_count + ?,
       last_used_at = CASE WHEN ? > 0 AND ? <> '' AND (last_used_at IS NULL OR last_used_at < ?)
                      THEN ? ELSE last_used_at END
     WHERE id = ? RETURNING project_id`,
  );
  const upsert = (table: string) =>
    db.prepare(
      `INSERT INTO ${table} (key_id, start, outcome, project_id, count) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (start, key_id, outcome) DO UPDATE SET count = count + excluded.count`,
    );
  const hourly = upsert('usage_hourly');
  const daily = upsert('usage_daily');
  for (const entry of batch) {
    if (!entry || typeof entry.id !== 'string') continue;
    const count = isCount(entry.count) && entry.count > 0 ? entry.count : 0;
    const lastUsedAt = typeof entry.lastUsedAt === 'string' ? entry.lastUsedAt : '';
    const row = counted.get(count, count, lastUsedAt, lastUsedAt, lastUsedAt, entry.id);
    if (!row || !Array.isArray(entry.buckets)) continue;
    const projectId = typeof row.project_id === 'string' ? row.project_id : entry.projectId;
    if (!projectId) continue;
    for (const bucket of entry.buckets) {
      const at = Date.parse(bucket?.hour);
      if (
        !isUsageOutcome(bucket.outcome) ||
        !isCount(bucket.count) ||
        bucket.count <= 0 ||
        !Number.isFinite(at)
      ) {
        continue;
      }
      if (at >= nowMs - retention.hourlyMs) {
        hourly.run(entry.id, floorTo(at, HOUR_MS), bucket.outcome, projectId, bucket.count);
      }
      if (at >= nowMs - retention.dailyMs) {
        daily.run(entry.id, floorTo(at, DAY_MS), bucket.outcome, projectId, bucket.count);
      }
    }
  }
}

export const CHANGE_LOG_MS = 10 * 60_000;

/** Drops what is past its retention: analytics rows, old flush ids, old change-log rows. */
export function prune(db: SqliteConnection, nowMs: number, retention: Retention): void {
  db.prepare('DELETE FROM usage_hourly WHERE start < ?').run(
    floorTo(nowMs - retention.hourlyMs, HOUR_MS),
  );
  db.prepare('DELETE FROM usage_daily WHERE start < ?').run(
    floorTo(nowMs - retention.dailyMs, DAY_MS),
  );
  db.prepare('DELETE FROM flushes WHERE at < ?').run(nowMs - FLUSH_ID_MEMORY_MS);
  db.prepare('DELETE FROM changes WHERE at < ?').run(nowMs - CHANGE_LOG_MS);
}

function instant(value: unknown, name: string): number {
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) {
    throw new VectorcacheAuthError(
      'invalid_input',
      `${name} must be an ISO-8601 date such as 2026-01-31T00:00:00Z, not ${JSON.stringify(value)}.`,
    );
  }
  return ms;
}

/** The stored analytics rows a query asks for, oldest first. */
export function readUsageRows(db: SqliteConnection, query: UsageQuery): UsageRow[] {
  const unit = query?.granularity === 'day' ? DAY_MS : query?.granularity === 'hour' ? HOUR_MS : 0;
  if (unit === 0 || typeof query.projectId !== 'string') {
    throw new VectorcacheAuthError(
      'invalid_input',
      'readUsage needs { projectId, from, to, granularity: "hour" | "day" }.',
    );
  }
  const from = floorTo(instant(query.from, 'from'), unit);
  const to = new Date(instant(query.to, 'to')).toISOString();
  const table = unit === DAY_MS ? 'usage_daily' : 'usage_hourly';
  const rows =
    typeof query.keyId === 'string'
      ? db
          .prepare(
            `SELECT key_id, start, outcome, count FROM ${table}
             WHERE key_id = ? AND start >= ? AND start < ? AND project_id = ?
             ORDER BY start, outcome`,
          )
          .all(query.keyId, from, to, query.projectId)
      : db
          .prepare(
            `SELECT key_id, start, outcome, count FROM ${table}
             WHERE project_id = ? AND start >= ? AND start < ?
             ORDER BY start, key_id, outcome`,
          )
          .all(query.projectId, from, to);
  return rows.map((row) => ({
    keyId: String(row.key_id),
    start: String(row.start),
    outcome: row.outcome as UsageRow['outcome'],
    count: Number(row.count),
  }));
}

/** Appends an audit entry and drops the project's entries beyond the newest `max`. */
export function appendAuditEntry(db: SqliteConnection, entry: AuditEntry, max: number): void {
  if (!auditFromJson(JSON.stringify(entry ?? null))) {
    throw new VectorcacheAuthError(
      'invalid_input',
      'appendAudit needs { at, projectId, action, actor, target }.',
    );
  }
  db.prepare('INSERT INTO audit (project_id, entry) VALUES (?, ?)').run(
    entry.projectId,
    JSON.stringify(entry),
  );
  db.prepare(
    `DELETE FROM audit WHERE project_id = ? AND seq <= (
       SELECT seq FROM audit WHERE project_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
  ).run(entry.projectId, entry.projectId, max);
}

/** A project's newest audit entries, newest first; an unreadable row is left out. */
export function listAuditEntries(
  db: SqliteConnection,
  projectId: string,
  limit: number,
): AuditEntry[] {
  const rows = db
    .prepare('SELECT entry FROM audit WHERE project_id = ? ORDER BY seq DESC LIMIT ?')
    .all(projectId, limit);
  const entries: AuditEntry[] = [];
  for (const row of rows) {
    const entry = auditFromJson(row.entry);
    if (entry) entries.push(entry);
  }
  return entries;
}
