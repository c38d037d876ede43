import { VectorcacheAuthError } from '../errors';
import type { KeyStore, VerifierOptions } from '../types';
import { numberOption, positiveInteger } from '../config/options';
import { validateScopeVocabulary } from '../scopes';

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
