/* Usage analytics as the verifier hands them to a store and a store hands them back. */

/**
 * What a verification that found a stored key ended in, as usage analytics count it. A refusal for
 * a missing scope is `insufficient_scope` wherever the scope was checked.
 */
export type UsageOutcome =
  | 'valid'
  | 'revoked'
  | 'expired'
  | 'wrong_project'
  | 'wrong_environment'
  | 'insufficient_scope'
  | 'rate_limited';

/** Analytics counts of one key in one UTC hour for one outcome. */
export interface UsageBucket {
  /** Start of the UTC hour, ISO-8601 (`2026-12-02T01:00:00.000Z`). */
  hour: string;
  outcome: UsageOutcome;
  count: number;
}

/**
 * Usage of one key aggregated in memory between two flushes. A store adds `count` to the key's
 * `requestCount`, keeps the later of `lastUsedAt` and its own, and adds the `buckets`.
 */
export interface UsageEntry {
  id: string;
  /**
   * Requests made with this key since the last flush, whatever their outcome (the sum of their
   * analytics outcomes: refusals of a revoked or expired key included), added to `requestCount`.
   */
  count: number;
  /**
   * ISO-8601 time of the latest of those requests in which the key was found active; absent when
   * there was none (only refusals of a revoked or expired key): `lastUsedAt` stays as it is.
   */
  lastUsedAt?: string;
  /** The key's project, so a store can keep project-level analytics. */
  projectId?: string;
  /** Analytics: counts by UTC hour and outcome (every outcome, refusals included). */
  buckets?: UsageBucket[];
}

/** Granularity of usage analytics points. */
export type UsageGranularity = 'hour' | 'day';

/** A read of stored usage analytics: one project, optionally one key, over `[from, to)`. */
export interface UsageQuery {
  projectId: string;
  keyId?: string;
  /** ISO-8601, inclusive. */
  from: string;
  /** ISO-8601, exclusive. */
  to: string;
  granularity: UsageGranularity;
}

/** One stored analytics count: a key, the start of its hour or UTC day, an outcome. */
export interface UsageRow {
  keyId: string;
  /** Start of the hour or UTC day, ISO-8601. */
  start: string;
  outcome: UsageOutcome;
  count: number;
}

/** How long usage analytics are kept. */
export interface UsageRetention {
  /** @default 35 */
  hourlyDays?: number;
  /** @default 400 */
  dailyDays?: number;
}
