import type { AuthSuccess, StoredKeyRecord } from '../types';
import type { UsageCounter } from '../usage/usage';
import type { Grant } from './decide';
import { toPrincipal, type RouteRefusalHook } from './principal';

/** A verified key in the cache: the record and everything the hot path needs, built once. */
export interface VerifiedEntry extends Grant {
  record: StoredKeyRecord;
  /** The success result, built once per cached record. */
  success: AuthSuccess;
  fetchedAt: number;
  /** Usage of this key, counted without a lookup. */
  usage: UsageCounter | undefined;
}

/** A key found revoked or expired, refused without a store read until it changes. */
export interface RefusedEntry {
  reason: 'revoked' | 'expired';
  keyId: string;
  projectId: string;
  /** The key's usage counter, so refusals from this cache are counted in analytics. */
  usage: UsageCounter | undefined;
}

export type Lookup = { record: StoredKeyRecord | null; cacheable: boolean };

/** A cache entry for a record just read from the store. */
export function verifiedEntry(
  record: StoredKeyRecord,
  fetchedAt: number,
  usage: UsageCounter | undefined,
  onRouteRefusal?: RouteRefusalHook,
): VerifiedEntry {
  const principal = toPrincipal(record, onRouteRefusal);
  const expiresAtMs = record.expiresAt === null ? Infinity : Date.parse(record.expiresAt);
  return {
    revoked: record.revokedAt !== null,
    expiresAtMs,
    principal,
    environment: principal.environment,
    scopesFor: undefined,
    scopesMode: undefined,
    scopesOk: false,
    record,
    success: Object.freeze({ ok: true, principal }),
    fetchedAt,
    usage,
  };
}

/**
 * Whether a copy of a record read at `fetchedAt` may answer at `at` without the store: the change
 * feed is up (or the store has none) and it was read less than the ttl ago. Every cache of
 * records (by hash, by id) trusts by this rule.
 */
export function isFresh(fetchedAt: number, at: number, ttl: number, feedUp: boolean): boolean {
  return feedUp && at - fetchedAt < ttl;
}

/** Whether a copy may still answer while the store fails: the opt-in `staleIfErrorMs` window. */
export function isServableStale(
  fetchedAt: number,
  at: number,
  ttl: number,
  staleMs: number,
): boolean {
  return staleMs > 0 && at - fetchedAt < ttl + staleMs;
}
