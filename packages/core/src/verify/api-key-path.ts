import { exactBearerToken, parseAuthorization } from '../http/parse';
import { looksLikeJwt } from '../jwt/jwt';
import {
  cacheKeyOf,
  hashesEqual,
  hexOfCacheKey,
  isApiKeyFormat,
  keyPrefix,
} from '../keys/key-format';
import type {
  AuthEvent,
  Principal,
  StoredKeyRecord,
  VerifyRequirements,
  VerifyResult,
} from '../types';
import type { UsageAggregator } from '../usage/usage';
import type { ApiKeyCache } from './api-key-cache';
import { verifiedEntry, type Lookup, type VerifiedEntry } from './cache-entries';
import { decide } from './decide';
import type { Decisions } from './decisions';

// Frozen and shared: a listener cannot change what the next one receives.
const CACHE_HIT = Object.freeze({ type: 'cache_hit' } as const);
const CACHE_MISS = Object.freeze({ type: 'cache_miss' } as const);

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

/** The principal of an `Authorization` value the caches alone allow, else `undefined`. */
export type CachedHit = (
  authorization: string | readonly string[] | undefined,
) => Principal | undefined;

/** What the API-key path needs from its verifier. */
export interface ApiKeyPathOptions {
  cache: ApiKeyCache;
  pepper: string | undefined;
  now: () => number;
  /** How long past the ttl a verified key may still be served while the store fails (ms). */
  staleMs: number;
  onEvent: ((event: AuthEvent) => void) | undefined;
  /** Whether a JWT may be presented: a JWT-shaped token is then handed to the JWT path. */
  jwt: boolean;
  usage: UsageAggregator | undefined;
  decisions: Decisions;
}

/** The API-key path of a verifier: the header, the caches, else one store read. */
export interface ApiKeyPath {
  /** Settles what needs no I/O; otherwise says what to wait for (a store read or a JWT check). */
  decideNow: (
    authorization: string | readonly string[] | undefined,
    requirements: VerifyRequirements | undefined,
  ) => VerifyResult | Pending;
  /** The cache-miss path: one coalesced store read, then the same decision. */
  fromStore: (
    pending: Extract<Pending, { wait: 'store' }>,
    requirements: VerifyRequirements | undefined,
  ) => Promise<VerifyResult>;
  /**
   * A route's cached hit: one flat function for the most common request (the exact `Bearer vc_…`
   * form of a verified key, trusted, that `decide` passes), counted and reported as the full path
   * would; on anything else it does nothing and answers `undefined`, and the full path decides.
   */
  cachedHit: (requirements: VerifyRequirements | undefined) => CachedHit;
}

/**
 * Builds the API-key path on an {@link ApiKeyCache}: the synchronous hot path (header, cache
 * lookup, `decide`, ready answer) and the store read of a miss, which ends in the same `settle`.
 */
export function createApiKeyPath(options: ApiKeyPathOptions): ApiKeyPath {
  const { cache, pepper, now, staleMs, onEvent, jwt, usage } = options;
  const { reject, allow, refuse, emit, onRouteRefusal, track } = options.decisions;
  const { verified, refused, unknown } = cache;
  // The hash of the key a cached hit just missed, for the full path of the same request only:
  // taken and cleared by its `decideNow`, so no key is ever compared with another request's.
  let missedToken: string | undefined;
  let missedKey = '';

  /** The answer for a key found (in the cache or the store): `decide`, then count and report. */
  function settle(
    cacheKey: string,
    entry: VerifiedEntry,
    at: number,
    requirements: VerifyRequirements | undefined,
  ): VerifyResult {
    const refusal = decide(entry, at, requirements);
    if (refusal === undefined) {
      allow(entry.principal, entry.usage, at);
      return entry.success;
    }
    if (refusal === 'revoked' || refusal === 'expired') {
      // Filed with the refused keys: refused again without a store read until it changes.
      verified.delete(cacheKey);
      const { id, projectId } = entry.record;
      refused.set(cacheKey, { reason: refusal, keyId: id, projectId, usage: entry.usage });
    }
    return refuse(refusal, entry.principal, requirements, entry.usage, at);
  }

  /** A cache entry for a record just read, with its usage counter and route-refusal hook. */
  function newEntry(record: StoredKeyRecord): VerifiedEntry {
    const counter = usage?.counter(record.id, record.projectId);
    const entry = verifiedEntry(record, now(), counter, onRouteRefusal);
    if (counter) track(entry.principal, counter);
    return entry;
  }

  async function fromStore(
    { token, cacheKey, entry: cached, at }: Extract<Pending, { wait: 'store' }>,
    requirements: VerifyRequirements | undefined,
  ): Promise<VerifyResult> {
    const hex = hexOfCacheKey(cacheKey);
    let lookup: Lookup;
    try {
      lookup = await cache.read(hex);
    } catch {
      if (!cached || !cache.servesStale(cached, at, staleMs)) {
        return reject('store_unavailable', keyPrefix(token));
      }
      lookup = { record: cached.record, cacheable: false };
    }
    const record = lookup.record;
    if (record === null || !hashesEqual(record.hash, hex)) {
      if (lookup.cacheable) unknown.set(cacheKey, true);
      verified.delete(cacheKey);
      return reject('unknown', keyPrefix(token));
    }
    let entry = cached;
    if (entry?.record !== record) {
      entry = newEntry(record);
      // Only an active key enters the verified cache: a revoked or expired one would push a
      // live key out of it (settle files it with the refused keys instead).
      if (lookup.cacheable && decide(entry, at, undefined) === undefined) {
        verified.set(cacheKey, entry);
      }
    }
    return settle(cacheKey, entry, at, requirements);
  }

  function decideNow(
    authorization: string | readonly string[] | undefined,
    requirements: VerifyRequirements | undefined,
  ): VerifyResult | Pending {
    const missed = missedToken;
    missedToken = undefined;
    let token = exactBearerToken(authorization);
    let cacheKey: string;
    if (token !== undefined) {
      // The exact common form. Hashed before the format check: a verified key's hash comes only
      // from that key (checked when it was cached), so a hit needs no pattern; a miss checks it.
      // The cached hit of this request may have hashed the key already (and missed).
      cacheKey = token === missed ? missedKey : cacheKeyOf(token, pepper);
      const entry = verified.get(cacheKey);
      if (entry !== undefined) return decideCached(token, cacheKey, now(), entry, requirements);
      if (!isApiKeyFormat(token)) token = undefined;
    }
    if (token === undefined) {
      const parsed = parseAuthorization(authorization);
      if (parsed.kind !== 'token') return reject(parsed.kind);
      token = parsed.token;
      if (!isApiKeyFormat(token)) {
        if (jwt && looksLikeJwt(token)) return { wait: 'jwt', token };
        return reject('invalid_format');
      }
      // Caches are keyed by the raw hash (latin1): cheaper to encode and look up than hex.
      cacheKey = cacheKeyOf(token, pepper);
      const entry = verified.get(cacheKey);
      if (entry !== undefined) return decideCached(token, cacheKey, now(), entry, requirements);
    }
    return decideUncached(token, cacheKey!, now());
  }

  /** A verified key: its answer while the cache is trusted, else a store read. */
  function decideCached(
    token: string,
    cacheKey: string,
    at: number,
    entry: VerifiedEntry,
    requirements: VerifyRequirements | undefined,
  ): VerifyResult | Pending {
    if (cache.trusts(entry, at)) {
      if (onEvent) emit(CACHE_HIT);
      return settle(cacheKey, entry, at, requirements);
    }
    if (onEvent) emit(CACHE_MISS);
    return { wait: 'store', token, cacheKey, entry, at };
  }

  /** A key not verified: a known refusal, else a store read. */
  function decideUncached(token: string, cacheKey: string, at: number): VerifyResult | Pending {
    const dead = refused.get(cacheKey);
    if (dead) {
      if (onEvent) emit(CACHE_HIT);
      if (dead.usage) usage!.refuse(dead.usage, dead.reason, at, false);
      return reject(dead.reason, keyPrefix(token), dead.keyId, dead.projectId);
    }
    if (unknown.has(cacheKey)) {
      if (onEvent) emit(CACHE_HIT);
      return reject('unknown', keyPrefix(token));
    }
    if (onEvent) emit(CACHE_MISS);
    return { wait: 'store', token, cacheKey, entry: undefined, at };
  }

  function cachedHit(requirements: VerifyRequirements | undefined): CachedHit {
    return (authorization) => {
      const token = exactBearerToken(authorization);
      if (token === undefined) return undefined;
      const cacheKey = cacheKeyOf(token, pepper);
      const entry = verified.get(cacheKey);
      if (entry === undefined) {
        missedToken = token;
        missedKey = cacheKey;
        return undefined;
      }
      const at = now();
      if (!cache.trusts(entry, at) || decide(entry, at, requirements) !== undefined) {
        return undefined;
      }
      if (onEvent) emit(CACHE_HIT);
      allow(entry.principal, entry.usage, at);
      return entry.principal;
    };
  }

  return { decideNow, fromStore, cachedHit };
}
