import { VectorcacheAuthError } from '../errors';
import type {
  KeyStore,
  Principal,
  StoredKeyRecord,
  Verifier,
  VerifierOptions,
  VerifyRequirements,
  VerifyResult,
} from '../types';
import { numberOption, positiveInteger } from '../config/options';
import { validateScopeVocabulary } from '../scopes';
import type { CachedHit } from './cached-hit';

/** Brand of a verifier: its store, pepper and clock, for a key manager on the same keys. */
export const VERIFIER_STORE = Symbol.for('vectorcache.auth.verifierStore');

/** What a verifier lends a key manager. */
export interface VerifierStore {
  store: KeyStore;
  pepper: string | undefined;
  now: () => number;
  /** The verifier's scope vocabulary, if one was declared. */
  allowedScopes?: readonly string[];
  /** Whether the verifier limits failed attempts: its callers must then give the client address. */
  limitsAttempts?: boolean;
}

/** The store, pepper and clock of a verifier built by `createVerifier`, or `undefined`. */
export function verifierStore(verifier: unknown): VerifierStore | undefined {
  if (typeof verifier !== 'object' || verifier === null) return undefined;
  return (verifier as { [VERIFIER_STORE]?: VerifierStore })[VERIFIER_STORE];
}

/** Brand of a verifier's synchronous hot path, read by `verifyNow`. */
export const VERIFY_NOW = Symbol.for('vectorcache.auth.verifyNow');

type Authorization = string | readonly string[] | undefined;

/**
 * The same answer as `verifier.verify`, returned synchronously when no I/O is needed (a cached
 * key, a malformed header, a key known to be bad), else as the promise of the store read or JWT
 * check: lets adapters skip promise hops on the hot path. A verifier not built by
 * `createVerifier` answers through its `verify`.
 */
export function verifyNow(
  verifier: Verifier,
  authorization: Authorization,
  requirements?: VerifyRequirements,
): VerifyResult | Promise<VerifyResult> {
  return hotPathOf(verifier)(authorization, requirements);
}

/**
 * The function {@link verifyNow} calls for `verifier`, looked up once: an adapter's handler keeps
 * it rather than reading the brand on every request.
 */
export function hotPathOf(
  verifier: Verifier,
): (a: Authorization, r?: VerifyRequirements) => VerifyResult | Promise<VerifyResult> {
  const fast = (
    verifier as {
      [VERIFY_NOW]?: (
        a: Authorization,
        r?: VerifyRequirements,
      ) => VerifyResult | Promise<VerifyResult>;
    }
  )[VERIFY_NOW];
  return fast ?? ((a, r) => verifier.verify(a, r));
}

/** Brand of a verifier's cached-hit builder, read by {@link cachedHitOf}. */
export const CACHED_HIT = Symbol.for('vectorcache.auth.cachedHit');

/**
 * The cached-hit check (`cached-hit.ts`) of a route with `requirements` on `verifier`, or
 * `undefined` when the verifier has none (not built by `createVerifier`, or with an attempt limit).
 */
export function cachedHitOf(
  verifier: Verifier,
  requirements: VerifyRequirements | undefined,
): CachedHit | undefined {
  const build = (verifier as { [CACHED_HIT]?: (r: VerifyRequirements | undefined) => CachedHit })[
    CACHED_HIT
  ];
  return build?.(requirements);
}

/** Internal: lets the zero-config builder hand the store's lifetime to the verifier. */
export const OWNS_STORE = Symbol('vectorcache.ownsStore');

/**
 * Brand of a principal whose later scope refusal (a route guard's) must be counted in usage
 * analytics: a function of the principal under a `Symbol.for` key, so it survives two copies of
 * this package.
 */
export const SCOPE_REFUSED = Symbol.for('vectorcache.auth.scopeRefused');

/** The frozen principal of a record, built once per cached record. */
export function toPrincipal(
  record: StoredKeyRecord,
  onScopeRefused?: (principal: Principal) => void,
): Principal {
  const principal = {
    keyId: record.id,
    projectId: record.projectId,
    name: record.name,
    prefix: record.prefix,
    scopes: Object.freeze([...record.scopes]),
  };
  if (onScopeRefused) {
    Object.defineProperty(principal, SCOPE_REFUSED, { value: onScopeRefused, enumerable: false });
  }
  return Object.freeze(principal);
}

/** Tells the verifier that counted `principal` that a route guard refused it a scope. */
export function noteScopeRefusal(principal: Principal): void {
  const hook = (principal as { [SCOPE_REFUSED]?: unknown })[SCOPE_REFUSED];
  if (typeof hook === 'function') (hook as (p: Principal) => void)(principal);
}

/** The verifier's options, validated once, with every default filled in. */
export function resolveVerifierSettings(options: VerifierOptions) {
  const store: KeyStore | undefined = options?.store;
  if (!store || typeof store.findByHash !== 'function') {
    throw new VectorcacheAuthError(
      'invalid_option',
      'createVerifier needs a store, e.g. createVerifier({ store: new SqliteKeyStore({ path: ".vectorcache/keys.db" }) }).',
    );
  }
  const cache = options.cache ?? {};
  const usage = options.usage ?? {};
  return {
    store,
    now: options.now ?? Date.now,
    pepper: options.pepper || undefined,
    allowedScopes:
      options.allowedScopes === undefined
        ? undefined
        : validateScopeVocabulary(options.allowedScopes, 'allowedScopes'),
    timeoutMs: positiveInteger(options.timeoutMs, 500, 'timeoutMs'),
    ttl: positiveInteger(cache.ttlMs, 60_000, 'cache.ttlMs'),
    staleMs: numberOption(
      options.staleIfErrorMs,
      0,
      'staleIfErrorMs',
      'nonNegative',
      'milliseconds',
    ),
    onEvent: options.onEvent,
    ownsStore: (options as { [OWNS_STORE]?: boolean })[OWNS_STORE] === true,
    cacheMax: positiveInteger(cache.max, 10_000, 'cache.max'),
    revokedMax: positiveInteger(cache.revokedMax, 10_000, 'cache.revokedMax'),
    unknownMax: positiveInteger(cache.unknownMax, 10_000, 'cache.unknownMax'),
    unknownTtlMs: positiveInteger(cache.unknownTtlMs, 10_000, 'cache.unknownTtlMs'),
    usage:
      usage.enabled === false
        ? undefined
        : {
            maxPendingKeys: positiveInteger(usage.maxPendingKeys, 10_000, 'usage.maxPendingKeys'),
            flushIntervalMs: positiveInteger(usage.flushIntervalMs, 1000, 'usage.flushIntervalMs'),
          },
  };
}
