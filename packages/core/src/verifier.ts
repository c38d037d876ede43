import { ApiKeyCache } from './api-key-cache';
import { createApiKeyPath } from './api-key-path';
import { AttemptLimiter, createAttemptGate } from './attempt-limiter';
import type { Pending } from './cache-entries';
import { createDecisions } from './decisions';
import { createJwtChecker } from './jwt';
import { createJwtPath } from './jwt-path';
import { KeyStates } from './key-states';
import { createRecordReader } from './record-reader';
import { StoreHealth } from './stores/store-health';
import { withTimeout } from './timeout';
import type { Verifier, VerifierOptions, VerifyRequirements, VerifyResult } from './types';
import { UsageAggregator } from './usage';
import { resolveVerifierSettings } from './verifier-settings';

export { OWNS_STORE } from './verifier-settings';
import { CACHED_HIT, VERIFIER_STORE, VERIFY_NOW } from './verifier-settings';

// The verifier's parts: the API-key cache and its change feed (`api-key-cache.ts`), the API-key
// path (`api-key-path.ts`), the JWT path (`jwt-path.ts`), the attempt limit (`attempt-limiter.ts`),
// usage batching (`usage.ts`) and the store reads (`record-reader.ts`); this file wires them.

function isPending(value: VerifyResult | Pending): value is Pending {
  return (value as Pending).wait !== undefined;
}

/**
 * Creates the verifier: parses the `Authorization` header, checks the key against bounded caches
 * and the store, and returns the ready-to-send answer. Build one per process and share it.
 * @example
 * const verifier = createVerifier({ store: new SqliteKeyStore({ path: '.vectorcache/keys.db' }) });
 * const result = await verifier.verify(req.headers.authorization, { scopes: ['cache:read'] });
 * if (!result.ok) res.writeHead(result.status, result.headers).end(result.body);
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const {
    store,
    now,
    pepper,
    allowedScopes,
    timeoutMs,
    ttl,
    staleMs,
    onEvent,
    ownsStore,
    cacheMax,
    revokedMax,
    unknownMax,
    unknownTtlMs,
    usage: usageSettings,
  } = resolveVerifierSettings(options);

  const jwtCheck = options.jwt ? createJwtChecker(options.jwt, { max: cacheMax, now }) : undefined;
  const usage = usageSettings
    ? new UsageAggregator(
        store,
        usageSettings.maxPendingKeys,
        usageSettings.flushIntervalMs,
        (s, batch, flushId) =>
          health.track(
            withTimeout(s.recordUsage(batch, flushId), timeoutMs * 4, 'a usage write'),
            'write',
          ),
      )
    : undefined;
  const decisions = createDecisions(onEvent);
  // Said once per transition (available, unavailable and why), as an event and a stderr line.
  const health = new StoreHealth(decisions.emit);
  const fetchRecord = createRecordReader(store, timeoutMs, onEvent, decisions.emit, health);

  // Tokens name their key by id: its state is cached by id, evicted by the same change feed.
  const keyStates = new KeyStates({
    max: cacheMax,
    ttl,
    staleMs,
    now,
    feedUp: (): boolean => keys.feedUp,
    fetch: (id) => fetchRecord('get', id),
    counter: (record) => usage?.counter(record.id, record.projectId),
  });
  const keys = new ApiKeyCache({
    pepper,
    now,
    ttl,
    cacheMax,
    revokedMax,
    unknownMax,
    unknownTtlMs,
    onEvent,
    emit: decisions.emit,
    fetchRecord,
    usage,
    keyStates,
  });
  const unsubscribe = store.subscribe?.(keys.onChange);
  const verifyJwt = jwtCheck
    ? createJwtPath({ jwtCheck, keyStates, usage, decisions, now })
    : undefined;

  // Failures that may be guesses count towards the opt-in limit; a missing header does not.
  const limiter = options.attemptLimit
    ? new AttemptLimiter(options.attemptLimit, store, now, timeoutMs)
    : undefined;
  const { rateLimited, counted } = createAttemptGate(
    limiter,
    onEvent ? decisions.emit : undefined,
    usage ? keys.countRateLimited : undefined,
  );
  const { decideNow, verifyFromStore, cachedHit } = createApiKeyPath({
    cache: keys,
    pepper,
    now,
    ttl,
    staleMs,
    onEvent,
    jwt: jwtCheck !== undefined,
    usage,
    decisions,
  });

  // One pass: settled synchronously when no I/O is needed, else the promise of the store read
  // or JWT check, so nothing (parsing, hashing, cache lookups) is done twice on a miss.
  function verifyNow(
    authorization: string | readonly string[] | undefined,
    requirements?: VerifyRequirements,
  ): VerifyResult | Promise<VerifyResult> {
    // Attempts are checked before and counted after only under an attempt limit; without one
    // (the cached-key hot path) neither runs.
    const client = limiter ? requirements?.client : undefined;
    const limited = client ? rateLimited(client, authorization) : undefined;
    if (limited) return limited;
    const decided = decideNow(authorization, requirements);
    if (!isPending(decided)) return client ? counted(client, decided) : decided;
    const pending = settle(decided, requirements);
    return client ? pending.then((result) => counted(client, result)) : pending;
  }

  /** What the caches could not settle: the store read or the JWT check. */
  function settle(decided: Pending, requirements?: VerifyRequirements): Promise<VerifyResult> {
    return decided.wait === 'jwt'
      ? verifyJwt!(decided.token, requirements)
      : verifyFromStore(decided.token, decided.cacheKey, decided.entry, decided.at, requirements);
  }

  function verify(
    authorization: string | readonly string[] | undefined,
    requirements?: VerifyRequirements,
  ): Promise<VerifyResult> {
    return Promise.resolve(verifyNow(authorization, requirements));
  }

  const api: Verifier = {
    verify,
    stats: () => ({
      ...keys.sizes(),
      feed: unsubscribe === undefined ? 'none' : keys.feedUp ? 'up' : 'down',
    }),
    async flush(): Promise<void> {
      await usage?.flush();
    },
    async close(): Promise<void> {
      usage?.stop();
      unsubscribe?.();
      try {
        await usage?.flush();
      } finally {
        if (ownsStore) await store.close();
      }
    },
  };
  // The management API and its key manager work on this verifier's store, with its pepper.
  Object.defineProperty(api, VERIFIER_STORE, {
    value: { store, pepper, now, allowedScopes, limitsAttempts: limiter !== undefined },
    enumerable: false,
  });
  // Adapters reach the synchronous hot path through `verifyNow(verifier, ...)`.
  Object.defineProperty(api, VERIFY_NOW, { value: verifyNow, enumerable: false });
  // ... and a route's cached hit through `cachedHitOf`: none with an attempt limit, which every
  // request must pass first.
  if (!limiter) Object.defineProperty(api, CACHED_HIT, { value: cachedHit, enumerable: false });
  return api;
}
