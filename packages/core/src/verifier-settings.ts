import { inspect } from 'node:util';
import { VectorcacheAuthError } from './errors';
import type { KeyStore, Principal, StoredKeyRecord, VerifierOptions } from './types';

/** Internal: lets the zero-config builder hand the store's lifetime to the verifier. */
export const OWNS_STORE = Symbol('vectorcache.ownsStore');

/** A positive integer option, or its default; the error names the option. */
export function positiveInteger(value: unknown, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new VectorcacheAuthError(
      'invalid_option',
      `${name} must be a positive integer (got ${inspect(value)}); leave it out for the default ${fallback}.`,
    );
  }
  return value;
}

function nonNegative(value: unknown, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new VectorcacheAuthError(
      'invalid_option',
      `${name} must be a number of milliseconds >= 0 (got ${inspect(value)}); leave it out for the default ${fallback}.`,
    );
  }
  return value;
}

/** The frozen principal of a record, built once per cached record. */
export function toPrincipal(record: StoredKeyRecord): Principal {
  return Object.freeze({
    keyId: record.id,
    projectId: record.projectId,
    name: record.name,
    prefix: record.prefix,
    scopes: Object.freeze([...record.scopes]),
  });
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
    timeoutMs: positiveInteger(options.timeoutMs, 500, 'timeoutMs'),
    ttl: positiveInteger(cache.ttlMs, 60_000, 'cache.ttlMs'),
    staleMs: nonNegative(options.staleIfErrorMs, 0, 'staleIfErrorMs'),
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
