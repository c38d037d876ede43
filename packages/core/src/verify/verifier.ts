import { createJwtChecker } from '../jwt/jwt';
import { createJwtPath } from '../jwt/jwt-path';
import { KeyStates } from '../jwt/key-states';
import { withTimeout } from '../timeout';
import type { Verifier, VerifierOptions, VerifyRequirements, VerifyResult } from '../types';
import { UsageAggregator } from '../usage/usage';
import { ApiKeyCache } from './api-key-cache';
import { createApiKeyPath } from './api-key-path';
import { AttemptLimiter, createAttemptGate } from './attempt-limiter';
import type { CoreVerifier } from './core-verifier';
import { createDecisions } from './decisions';
import { createRecordReader } from './record-reader';
import { StoreHealth } from '../stores/store-health';
import { resolveVerifierSettings } from './verifier-settings';

// A request's path, top to bottom: the attempt limit (opt-in) → the header and the API-key caches
// (`api-key-path.ts`) → on a miss one coalesced store read, or for a JWT its check (`jwt-path.ts`)
// → the one rule list, `decide` (`decide.ts`) → the answer, its event and its usage count
// (`decisions.ts`). This file builds those parts once, from options checked once.

type Authorization = string | readonly string[] | undefined;

/**
 * Creates the verifier: parses the `Authorization` header, checks the key against bounded caches
 * and the store, and returns the ready-to-send answer. Build one per process and share it.
 * @example
 * const verifier = createVerifier({ store: new SqliteKeyStore({ path: '.vectorcache/keys.db' }) });
 * const result = await verifier.verify(req.headers.authorization, { scopes: ['cache:read'] });
 * if (!result.ok) res.writeHead(result.status, result.headers).end(result.body);
 */
export function createVerifier(options: VerifierOptions): Verifier {
  return buildVerifier(options, false);
}

/** {@link createVerifier}, closing the store on `close()` when `ownsStore` (zero configuration). */
export function buildVerifier(options: VerifierOptions, ownsStore: boolean): Verifier {
  const settings = resolveVerifierSettings(options);
  const { store, now, pepper, timeoutMs, ttl, staleMs, onEvent, cacheMax } = settings;

  const usage = settings.usage
    ? new UsageAggregator(
        store,
        settings.usage.maxPendingKeys,
        settings.usage.flushIntervalMs,
        (s, batch, flushId) =>
          health.track(
            withTimeout(s.recordUsage(batch, flushId), timeoutMs * 4, 'a usage write'),
            'write',
          ),
      )
    : undefined;
  const decisions = createDecisions(onEvent, usage, now);
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
    ...settings,
    emit: decisions.emit,
    fetchRecord,
    usage,
    keyStates,
  });
  const unsubscribe = store.subscribe?.(keys.onChange);
  const apiKeys = createApiKeyPath({
    cache: keys,
    pepper,
    now,
    staleMs,
    onEvent,
    jwt: options.jwt !== undefined,
    usage,
    decisions,
  });
  const verifyJwt = options.jwt
    ? createJwtPath({
        jwtCheck: createJwtChecker(options.jwt, {
          max: cacheMax,
          now,
          onRouteRefusal: decisions.onRouteRefusal,
        }),
        keyStates,
        decisions,
        now,
      })
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

  /** Settled synchronously when no I/O is needed, else the promise of the store read or JWT check. */
  function verifyNow(
    authorization: Authorization,
    requirements?: VerifyRequirements,
  ): VerifyResult | Promise<VerifyResult> {
    // Attempts are checked before and counted after only under an attempt limit; without one
    // (the cached-key hot path) neither runs.
    const client = limiter ? requirements?.client : undefined;
    const limited = client ? rateLimited(client, authorization) : undefined;
    if (limited) return limited;
    const decided = apiKeys.decideNow(authorization, requirements);
    if (!('wait' in decided)) return client ? counted(client, decided) : decided;
    const pending =
      decided.wait === 'jwt'
        ? verifyJwt!(decided.token, requirements)
        : apiKeys.fromStore(decided, requirements);
    return client ? pending.then((result) => counted(client, result)) : pending;
  }

  const verifier: Verifier = {
    verify: (authorization, requirements) =>
      Promise.resolve(verifyNow(authorization, requirements)),
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
  // What adapters, the management API and key managers use (see `CoreVerifier`).
  const lent: CoreVerifier['lent'] = {
    store,
    pepper,
    now,
    allowedScopes: settings.allowedScopes,
    limitsAttempts: limiter !== undefined,
  };
  // No cached hit under an attempt limit: every request must meet the limit first.
  const cachedHit: CoreVerifier['cachedHit'] = (requirements) =>
    limiter ? undefined : apiKeys.cachedHit(requirements);
  Object.defineProperties(verifier, {
    verifyNow: { value: verifyNow },
    cachedHit: { value: cachedHit },
    lent: { value: lent },
  });
  return verifier;
}
