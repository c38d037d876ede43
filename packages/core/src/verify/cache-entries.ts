import type { AuthSuccess, Principal, ScopeMode, StoredKeyRecord } from '../types';
import type { UsageCounter } from '../usage/usage';
import { toPrincipal } from './verifier-settings';

/** A verified key in the cache: the record and everything the hot path needs, built once. */
export interface VerifiedEntry {
  record: StoredKeyRecord;
  principal: Principal;
  /** The success result, built once per cached record. */
  success: AuthSuccess;
  expiresAtMs: number;
  fetchedAt: number;
  /** Usage of this key, counted without a lookup. */
  usage: UsageCounter | undefined;
  /** The last scope requirement checked (by identity) and its outcome, so a route's fixed list is checked once. */
  scopesFor: readonly string[] | undefined;
  scopesMode: ScopeMode | undefined;
  scopesOk: boolean;
}

export interface NegativeEntry {
  reason: 'revoked' | 'expired';
  keyId: string;
  projectId: string;
  /** The key's usage counter, so refusals from this cache are counted in analytics. */
  usage: UsageCounter | undefined;
}

export type Lookup = { record: StoredKeyRecord | null; cacheable: boolean };

/** What a verification waits for when the caches cannot settle it. */
export type Pending =
  | {
      wait: 'store';
      token: string;
      /** The key's hash as the caches hold it (`cacheKeyOf`). */
      cacheKey: string;
      entry: VerifiedEntry | undefined;
      at: number;
    }
  | { wait: 'jwt'; token: string };

/** A cache entry for a record just read from the store. */
export function verifiedEntry(
  record: StoredKeyRecord,
  fetchedAt: number,
  usage: UsageCounter | undefined,
  onScopeRefused?: (principal: Principal) => void,
): VerifiedEntry {
  const principal = toPrincipal(record, onScopeRefused);
  return {
    record,
    principal,
    success: Object.freeze({ ok: true, principal }),
    expiresAtMs: record.expiresAt === null ? Infinity : Date.parse(record.expiresAt),
    fetchedAt,
    usage,
    scopesFor: undefined,
    scopesMode: undefined,
    scopesOk: false,
  };
}
