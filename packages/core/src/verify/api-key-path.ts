import type { ApiKeyCache } from './api-key-cache';
import {
  CACHE_HIT,
  createCachedHit,
  exactBearerToken,
  liveAt,
  passesRoute,
  type CachedHit,
} from './cached-hit';
import { verifiedEntry, type Lookup, type Pending, type VerifiedEntry } from './cache-entries';
import type { Decisions } from './decisions';
import {
  cacheKeyOf,
  hashesEqual,
  hexOfCacheKey,
  isApiKeyFormat,
  keyPrefix,
} from '../keys/key-format';
import { looksLikeJwt } from '../jwt/jwt';
import { parseAuthorization } from '../http/parse';
import { keyStatus } from '../keys/records';
import type {
  AuthEvent,
  Principal,
  StoredKeyRecord,
  VerifyRequirements,
  VerifyResult,
} from '../types';
import type { UsageAggregator, UsageCounter } from '../usage/usage';
import type { RefusalOutcome } from '../usage/usage-totals';

// Frozen and shared: a listener cannot change what the next one receives.
const CACHE_MISS = Object.freeze({ type: 'cache_miss' } as const);

/** The refusals `check` gives an active key: another project, a missing scope. */
export type Refusal = Extract<RefusalOutcome, 'wrong_project' | 'insufficient_scope'>;

/** What the API-key path needs from its verifier. */
export interface ApiKeyPathOptions {
  cache: ApiKeyCache;
  pepper: string | undefined;
  now: () => number;
  ttl: number;
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
  /** The cache-miss path: one coalesced store read. */
  verifyFromStore: (
    token: string,
    cacheKey: string,
    cached: VerifiedEntry | undefined,
    at: number,
    requirements: VerifyRequirements | undefined,
  ) => Promise<VerifyResult>;
  /** The cached-hit check of a route with these requirements (see `cached-hit.ts`). */
  cachedHit: (requirements: VerifyRequirements | undefined) => CachedHit;
}

/**
 * Builds the API-key path on an {@link ApiKeyCache}: the synchronous hot path (header, cache
 * lookup, ready answer) and the store read of a miss.
 */
export function createApiKeyPath(options: ApiKeyPathOptions): ApiKeyPath {
  const { cache, pepper, now, ttl, staleMs, onEvent, jwt, usage } = options;
  const { reject, emit, check, verified: emitVerified } = options.decisions;
  const { verified, negative, unknown } = cache;
  // The hash of the key a cached hit just missed, for the full path of the same request only:
  // taken and cleared by its `decideNow`, so no key is ever compared with another request's.
  let missedToken: string | undefined;
  let missedKey = '';
  const remember = (token: string, cacheKey: string): void => {
    missedToken = token;
    missedKey = cacheKey;
  };

  /** Checks a record found (in the cache or the store) and builds the answer. */
  function settle(
    cacheKey: string,
    entry: VerifiedEntry,
    at: number,
    requirements: VerifyRequirements | undefined,
  ): VerifyResult {
    const record = entry.record;
    const status = liveAt(entry, at) ? 'active' : keyStatus(record, at);
    if (status !== 'active') {
      verified.delete(cacheKey);
      negative.set(cacheKey, {
        reason: status,
        keyId: record.id,
        projectId: record.projectId,
        usage: entry.usage,
      });
      if (entry.usage) usage!.refuse(entry.usage, status, at, false);
      return reject(status, record.prefix, record.id, record.projectId);
    }
    if (entry.usage) usage!.record(entry.usage, at);
    if (requirements === undefined || passesRoute(entry, requirements)) {
      if (onEvent) emitVerified(entry.principal);
      return entry.success;
    }
    const result = check(entry.principal, requirements, entry.success);
    if (!result.ok && entry.usage) usage!.refuse(entry.usage, result.reason as Refusal, at, true);
    return result;
  }

  // A route guard's refusal: counted `insufficient_scope` in analytics, and reported. One hook
  // for every principal of this verifier (a closure per cached key cost ~100 bytes of each
  // entry); each principal's usage counter is found by the principal itself.
  const counters = new WeakMap<Principal, UsageCounter>();
  const refused = (principal: Principal): void => {
    const counter = counters.get(principal);
    if (counter) usage!.reclassify(counter, now());
    if (onEvent) {
      emit({
        type: 'rejected',
        reason: 'insufficient_scope',
        stage: 'route',
        keyId: principal.keyId,
        prefix: principal.prefix,
        projectId: principal.projectId,
      });
    }
  };

  /** A cache entry for a record just read, with its usage counter and guard-refusal hook. */
  function newEntry(record: StoredKeyRecord): VerifiedEntry {
    const counter = usage?.counter(record.id, record.projectId);
    if (!counter && !onEvent) return verifiedEntry(record, now(), undefined);
    const entry = verifiedEntry(record, now(), counter, refused);
    if (counter) counters.set(entry.principal, counter);
    return entry;
  }

  async function verifyFromStore(
    token: string,
    cacheKey: string,
    cached: VerifiedEntry | undefined,
    at: number,
    requirements: VerifyRequirements | undefined,
  ): Promise<VerifyResult> {
    const prefix = keyPrefix(token);
    const hex = hexOfCacheKey(cacheKey);
    let lookup: Lookup;
    try {
      lookup = await cache.read(hex);
    } catch {
      if (cached && staleMs > 0 && at - cached.fetchedAt < ttl + staleMs) {
        lookup = { record: cached.record, cacheable: false };
      } else {
        return reject('store_unavailable', prefix);
      }
    }
    const record = lookup.record;
    if (record === null || !hashesEqual(record.hash, hex)) {
      if (lookup.cacheable) unknown.set(cacheKey, true);
      verified.delete(cacheKey);
      return reject('unknown', prefix);
    }
    let entry = cached;
    if (entry?.record !== record) {
      entry = newEntry(record);
      // Only an active key enters the verified cache: a revoked or expired one would push a
      // live key out of it (settle files it with the refused keys instead).
      if (lookup.cacheable && liveAt(entry, at)) {
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
    const exact = exactBearerToken(authorization);
    if (exact !== undefined) {
      // The exact common form. Hashed before the format check: a verified key's hash comes only
      // from that key (checked when it was cached), so a hit needs no pattern; a miss checks it.
      const token = exact;
      // The cached hit of this request may have hashed the key already (and missed).
      const cacheKey = token === missed ? missedKey : cacheKeyOf(token, pepper);
      const at = now();
      // A key is never both verified and dead (revocation evicts it), so the hot path looks here first.
      const entry = verified.get(cacheKey);
      if (entry !== undefined) return decideCached(token, cacheKey, at, entry, requirements);
      if (isApiKeyFormat(token)) return decideUncached(token, cacheKey, at);
    }
    const parsed = parseAuthorization(authorization);
    if (parsed.kind !== 'token') return reject(parsed.kind);
    const token = parsed.token;
    if (!isApiKeyFormat(token)) {
      if (jwt && looksLikeJwt(token)) return { wait: 'jwt', token };
      return reject('invalid_format');
    }
    // Caches are keyed by the raw hash (latin1): cheaper to encode and look up than hex.
    const cacheKey = cacheKeyOf(token, pepper);
    const at = now();
    const entry = verified.get(cacheKey);
    if (entry !== undefined) return decideCached(token, cacheKey, at, entry, requirements);
    return decideUncached(token, cacheKey, at);
  }

  /** A verified key: its ready answer while the cache is trusted, else a store read. */
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
    const dead = negative.get(cacheKey);
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

  const cachedHit = (requirements: VerifyRequirements | undefined): CachedHit =>
    createCachedHit({ ...options, remember }, requirements);

  return { decideNow, verifyFromStore, cachedHit };
}
