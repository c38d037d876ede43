import type { ApiKeyPathOptions } from './api-key-path';
import type { VerifiedEntry } from './cache-entries';
import { cacheKeyOf } from '../keys/key-format';
import { scopesSatisfied } from '../scopes';
import type { Principal, VerifyRequirements } from '../types';

/** `Bearer ` and a key: the one header form the hot paths take without parsing. */
const FAST_HEADER_LENGTH = 'Bearer '.length + 35;

/**
 * The token of an `Authorization` value in the exact common form (`Bearer ` and 35 characters,
 * one header), else `undefined` and the value needs parsing. The token's format is not checked:
 * a verified key's hash comes only from a key checked when it was cached.
 */
export function exactBearerToken(
  authorization: string | readonly string[] | undefined,
): string | undefined {
  return typeof authorization === 'string' &&
    authorization.length === FAST_HEADER_LENGTH &&
    authorization.startsWith('Bearer ')
    ? authorization.slice(7)
    : undefined;
}

// Frozen and shared: a listener cannot change what the next one receives.
export const CACHE_HIT = Object.freeze({ type: 'cache_hit' } as const);

/** Whether a cached or just-read key is active at `at` (not revoked, not past its expiry). */
export function liveAt(entry: VerifiedEntry, at: number): boolean {
  return entry.record.revokedAt === null && entry.expiresAtMs > at;
}

/**
 * Whether a verified key meets a route's project and scopes. A route passes the same scopes
 * array on every request, so the scope answer is kept on the entry for that array.
 */
export function passesRoute(entry: VerifiedEntry, requirements: VerifyRequirements): boolean {
  const { projectId, scopes, scopeMode } = requirements;
  if (projectId !== undefined && projectId !== entry.principal.projectId) return false;
  if (scopes === undefined) return true;
  if (entry.scopesFor !== scopes || entry.scopesMode !== scopeMode) {
    entry.scopesOk = scopesSatisfied(entry.principal.scopes, scopes, scopeMode);
    entry.scopesFor = scopes;
    entry.scopesMode = scopeMode;
  }
  return entry.scopesOk;
}

/** What a cached hit reads: the API-key path's cache, clock, usage and events. */
export type CachedHitParts = Pick<
  ApiKeyPathOptions,
  'cache' | 'pepper' | 'now' | 'onEvent' | 'usage' | 'decisions'
> & {
  /** Keeps the hash of a key the hit did not find, for the full path of the same request. */
  remember: (token: string, cacheKey: string) => void;
};

/** The principal of an `Authorization` value the caches alone allow, else `undefined`. */
export type CachedHit = (
  authorization: string | readonly string[] | undefined,
) => Principal | undefined;

/**
 * A route's cached hit: one flat function for the most common request (the exact
 * `Bearer vc_…` form of a verified key, trusted, active, with the route's project and scopes).
 * It counts the use and sends the events the full path would; on anything else it does nothing
 * and answers `undefined`, and the full path decides.
 */
export function createCachedHit(
  parts: CachedHitParts,
  requirements: VerifyRequirements | undefined,
): CachedHit {
  const { cache, pepper, now, onEvent, usage, remember } = parts;
  const { emit, verified: emitVerified } = parts.decisions;
  const verified = cache.verified;
  return (authorization) => {
    const token = exactBearerToken(authorization);
    if (token === undefined) return undefined;
    const cacheKey = cacheKeyOf(token, pepper);
    const entry = verified.get(cacheKey);
    if (entry === undefined) {
      remember(token, cacheKey);
      return undefined;
    }
    const at = now();
    if (!cache.trusts(entry, at) || !liveAt(entry, at)) return undefined;
    if (requirements !== undefined && !passesRoute(entry, requirements)) return undefined;
    if (onEvent) emit(CACHE_HIT);
    if (entry.usage) usage!.record(entry.usage, at);
    if (onEvent) emitVerified(entry.principal);
    return entry.principal;
  };
}
