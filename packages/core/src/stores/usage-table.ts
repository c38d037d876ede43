import type {
  AuditEntry,
  UsageEntry,
  UsageOutcome,
  UsageQuery,
  UsageRetention,
  UsageRow,
} from '../types';
import { positiveNumber } from '../config/options';
import { resolveRetention } from '../usage/retention';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Default bound of a project's audit list. */
export const DEFAULT_AUDIT_LIMIT = 10_000;

/** Options of the in-memory analytics and audit tables (the memory store passes its own). */
export interface UsageTableOptions {
  /** How long analytics are kept. @default { hourlyDays: 35, dailyDays: 400 } */
  retention?: UsageRetention;
  /** Audit entries kept per project (the oldest are dropped). @default 10000 */
  auditLimit?: number;
  /** Clock in epoch milliseconds, for retention. @default Date.now */
  now?: () => number;
}

interface StoredRow {
  projectId: string;
  keyId: string;
  start: number;
  counts: Partial<Record<UsageOutcome, number>>;
}

/** Start of the UTC hour or day of `ms`. */
function floorTo(ms: number, unit: number): number {
  return ms - (((ms % unit) + unit) % unit);
}

/**
 * Usage analytics and the audit list of a store that lives in process memory: hourly and daily
 * rows per key and outcome, pruned by retention, and a bounded audit list per project.
 */
export class UsageTable {
  private readonly hourly = new Map<string, StoredRow>();
  private readonly daily = new Map<string, StoredRow>();
  private readonly audit = new Map<string, AuditEntry[]>();
  private readonly retention: Required<UsageRetention>;
  private readonly auditLimit: number;
  private readonly now: () => number;
  private lastPrune = -Infinity;

  constructor(options: UsageTableOptions = {}) {
    this.retention = resolveRetention(options.retention);
    this.auditLimit = Math.floor(
      positiveNumber(options.auditLimit, DEFAULT_AUDIT_LIMIT, 'auditLimit'),
    );
    this.now = options.now ?? Date.now;
  }

  /** Adds an entry's buckets, for the key's project. */
  add(entry: UsageEntry, projectId: string): void {
    for (const bucket of entry.buckets ?? []) {
      const start = Date.parse(bucket.hour);
      if (!Number.isFinite(start) || !(bucket.count > 0)) continue;
      this.bump(this.hourly, projectId, entry.id, floorTo(start, HOUR_MS), bucket);
      this.bump(this.daily, projectId, entry.id, floorTo(start, DAY_MS), bucket);
    }
    const at = this.now();
    if (at - this.lastPrune > 60_000) this.prune(at);
  }

  private bump(
    rows: Map<string, StoredRow>,
    projectId: string,
    keyId: string,
    start: number,
    bucket: { outcome: UsageOutcome; count: number },
  ): void {
    const id = `${projectId}\n${keyId}\n${start}`;
    let row = rows.get(id);
    if (!row) {
      row = { projectId, keyId, start, counts: {} };
      rows.set(id, row);
    }
    row.counts[bucket.outcome] = (row.counts[bucket.outcome] ?? 0) + Math.floor(bucket.count);
  }

  /** The cutoffs before which rows are no longer kept. */
  private cutoffs(at: number): { hour: number; day: number } {
    return {
      hour: floorTo(at, HOUR_MS) - this.retention.hourlyDays * DAY_MS,
      day: floorTo(at, DAY_MS) - this.retention.dailyDays * DAY_MS,
    };
  }

  private prune(at: number): void {
    this.lastPrune = at;
    const { hour, day } = this.cutoffs(at);
    for (const [id, row] of this.hourly) if (row.start < hour) this.hourly.delete(id);
    for (const [id, row] of this.daily) if (row.start < day) this.daily.delete(id);
  }

  /** Rows of a project (or one key) in `[from, to)` at the query's granularity. */
  read(query: UsageQuery): UsageRow[] {
    const at = this.now();
    this.prune(at);
    const hourly = query.granularity === 'hour';
    const rows = hourly ? this.hourly : this.daily;
    const from = Date.parse(query.from);
    const to = Date.parse(query.to);
    const out: UsageRow[] = [];
    for (const row of rows.values()) {
      if (row.projectId !== query.projectId) continue;
      if (query.keyId !== undefined && row.keyId !== query.keyId) continue;
      if (row.start < from || row.start >= to) continue;
      const start = new Date(row.start).toISOString();
      for (const [outcome, count] of Object.entries(row.counts) as Array<[UsageOutcome, number]>) {
        if (count > 0) out.push({ keyId: row.keyId, start, outcome, count });
      }
    }
    return out.sort((a, b) => a.start.localeCompare(b.start) || a.keyId.localeCompare(b.keyId));
  }

  /** Appends to the project's audit list, dropping the oldest beyond the bound. */
  append(entry: AuditEntry): void {
    let list = this.audit.get(entry.projectId);
    if (!list) {
      list = [];
      this.audit.set(entry.projectId, list);
    }
    list.push(copyAudit(entry));
    if (list.length > this.auditLimit) list.splice(0, list.length - this.auditLimit);
  }

  /** The project's newest `limit` audit entries, newest first. */
  list(filter: { projectId: string; limit: number }): AuditEntry[] {
    const list = this.audit.get(filter.projectId) ?? [];
    const limit = Math.max(0, Math.floor(filter.limit));
    return list
      .slice(Math.max(0, list.length - limit))
      .reverse()
      .map(copyAudit);
  }
}

function copyAudit(entry: AuditEntry): AuditEntry {
  return {
    at: entry.at,
    projectId: entry.projectId,
    action: entry.action,
    actor: entry.actor === null ? null : { keyId: entry.actor.keyId, prefix: entry.actor.prefix },
    target: { keyId: entry.target.keyId, prefix: entry.target.prefix, name: entry.target.name },
  };
}
