import { LRUCache } from 'lru-cache';
import { tooManyAttempts } from './answers';
import { createDecisions } from './decisions';
import { AttemptLimiter } from './attempt-limiter';
import { VectorcacheAuthError } from './errors';
import {
  cacheKeyOf,
  cacheKeyOfHex,
  hashesEqual,
  hexOfCacheKey,
  isApiKeyFormat,
  keyPrefix,
} from './key-format';
import { parseAuthorization } from './parse';
import { isUsableRecord, keyStatus } from './records';
import { scopesSatisfied } from './scopes';
import { withTimeout } from './timeout';
import { CoalescedReads } from './coalesce';
import { KeyStates } from './key-states';
import { startStoreRead } from './observe';
import { boundByKeyScopes, createJwtChecker, looksLikeJwt } from './jwt';
import type {
  RejectReason,
  StoreChange,
  StoredKeyRecord,
  Verifier,
  VerifierOptions,
  VerifyRequirements,
  VerifyResult,
} from './types';
import { UsageAggregator, type RefusalOutcome } from './usage';
import { resolveVerifierSettings } from './verifier-settings';
import {
  verifiedEntry,
  type Lookup,
  type NegativeEntry,
  type Pending,
  type VerifiedEntry,
} from './cache-entries';

export { OWNS_STORE } from './verifier-settings';
import { VERIFIER_STORE, VERIFY_NOW } from './verifier-settings';

const FAST_HEADER_LENGTH = 'Bearer '.length + 35;

// Frozen and shared: a listener cannot change what the next one receives.
const CACHE_HIT = Object.freeze({ type: 'cache_hit' } as const);
const CACHE_MISS = Object.freeze({ type: 'cache_miss' } as const);

/** The refusals `check` gives an active key: another project, a missing scope. */
type Refusal = Extract<RefusalOutcome, 'wrong_project' | 'insufficient_scope'>;

const COUNTED_FAILURES = new Set<RejectReason>([
  'malformed',
  'invalid_format',
  'unknown',
  'revoked',
  'expired',
]);

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

  const verified = new LRUCache<string, VerifiedEntry>({ max: cacheMax });
  // ttlResolution 0: lru-cache must ask the (injectable) clock every time, not a cached reading.
  // A revoked or expired key can be changed back (revokedAt cleared, expiry moved later): its
  // refusal is forgotten on a change, a restored feed, or after the ttl.
  const negative = new LRUCache<string, NegativeEntry>({
    max: revokedMax,
    ttl,
    ttlResolution: 0,
    perf: { now },
  });
  const unknown = new LRUCache<string, true>({
    max: unknownMax,
    ttl: unknownTtlMs,
    ttlResolution: 0,
    perf: { now },
  });
  const hashReads = new CoalescedReads<StoredKeyRecord | null>();
  const jwtCheck = options.jwt ? createJwtChecker(options.jwt, { max: cacheMax, now }) : undefined;
  const usage = usageSettings
    ? new UsageAggregator(
        store,
        usageSettings.maxPendingKeys,
        usageSettings.flushIntervalMs,
        (s, batch, flushId) =>
          withTimeout(s.recordUsage(batch, flushId), timeoutMs * 4, 'a usage write'),
      )
    : undefined;

  // Tokens name their key by id: its state is cached by id, evicted by the same change feed.
  const keyStates = new KeyStates({
    max: cacheMax,
    ttl,
    staleMs,
    now,
    feedUp: () => feedUp,
    fetch: (id) => fetchRecord('get', id),
    counter: (record) => usage?.counter(record.id, record.projectId),
  });

  const { reject, emit, check, verified: emitVerified } = createDecisions(onEvent);

  // Without a change feed, staleness is bounded by the ttl; with one, the cache is trusted only
  // while the feed is up.
  let feedUp = true;
  const onChange = (change: StoreChange): void => {
    if (change.type === 'changed') {
      const cacheKey = cacheKeyOfHex(change.hash);
      verified.delete(cacheKey);
      negative.delete(cacheKey);
      unknown.delete(cacheKey);
      hashReads.invalidate(change.hash);
      keyStates.invalidate(change.id);
    } else if (change.type === 'feed_lost') {
      feedUp = false;
      hashReads.invalidateAll();
      keyStates.distrustReads();
      if (onEvent) emit({ type: 'feed_lost' });
    } else {
      verified.clear();
      negative.clear();
      unknown.clear();
      keyStates.clear();
      hashReads.invalidateAll();
      feedUp = true;
      if (onEvent) emit({ type: 'feed_restored' });
    }
  };
  const unsubscribe = store.subscribe?.(onChange);

  /** Reads a record with the store timeout; a corrupt record is a store failure (503). */
  async function fetchRecord(
    what: 'findByHash' | 'get',
    key: string,
  ): Promise<StoredKeyRecord | null> {
    const done = onEvent ? startStoreRead(emit) : undefined;
    let value: StoredKeyRecord | null;
    try {
      value = await withTimeout(
        what === 'findByHash' ? store.findByHash(key) : store.get(key),
        timeoutMs,
        'a key lookup',
      );
    } catch (err) {
      done?.('error');
      throw err;
    }
    done?.(value === null ? 'not_found' : isUsableRecord(value) ? 'found' : 'error');
    if (value !== null && !isUsableRecord(value)) {
      throw new VectorcacheAuthError(
        'corrupt_record',
        'The key store returned a corrupt record; check the data the store holds.',
      );
    }
    return value;
  }

  /** One store read per hash in flight. */
  function read(hash: string): Promise<Lookup> {
    return hashReads
      .run(hash, () => fetchRecord('findByHash', hash))
      .then(({ value, cacheable }) => ({ record: value, cacheable }));
  }

  /** Checks a record found (in the cache or the store) and builds the answer. */
  function settle(
    cacheKey: string,
    entry: VerifiedEntry,
    at: number,
    requirements: VerifyRequirements | undefined,
  ): VerifyResult {
    const record = entry.record;
    const status =
      record.revokedAt === null && entry.expiresAtMs > at ? 'active' : keyStatus(record, at);
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
    const principal = entry.principal;
    if (
      requirements !== undefined &&
      (requirements.projectId === undefined || requirements.projectId === principal.projectId)
    ) {
      // A route passes the same scopes array on every request: remember the answer for it.
      const { scopes, scopeMode } = requirements;
      if (scopes !== undefined && (entry.scopesFor !== scopes || entry.scopesMode !== scopeMode)) {
        entry.scopesOk = scopesSatisfied(principal.scopes, scopes, scopeMode);
        entry.scopesFor = scopes;
        entry.scopesMode = scopeMode;
      }
      if (scopes === undefined || entry.scopesOk) {
        if (onEvent) emitVerified(principal);
        return entry.success;
      }
    }
    const result = check(entry.principal, requirements, entry.success);
    if (!result.ok && entry.usage) usage!.refuse(entry.usage, result.reason as Refusal, at, true);
    return result;
  }

  /** A cache entry for a record just read, with its usage counter and guard-refusal hook. */
  function newEntry(record: StoredKeyRecord): VerifiedEntry {
    const counter = usage?.counter(record.id, record.projectId);
    if (!counter && !onEvent) return verifiedEntry(record, now(), undefined);
    // A route guard's refusal: counted `insufficient_scope` in analytics, and reported.
    const refused = (): void => {
      if (counter) usage!.reclassify(counter, now());
      if (onEvent) {
        emit({
          type: 'rejected',
          reason: 'insufficient_scope',
          stage: 'route',
          keyId: record.id,
          prefix: record.prefix,
          projectId: record.projectId,
        });
      }
    };
    return verifiedEntry(record, now(), counter, refused);
  }

  /** The cache-miss path: one coalesced store read. */
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
      lookup = await read(hex);
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
      if (lookup.cacheable) verified.set(cacheKey, entry);
    }
    return settle(cacheKey, entry, at, requirements);
  }

  /** A JWT: signature and claims by jose, then the state of the key it was issued for. */
  async function verifyJwt(
    token: string,
    requirements: VerifyRequirements | undefined,
  ): Promise<VerifyResult> {
    const checked = await jwtCheck!(token);
    if (!checked.ok) return reject(checked.reason);
    const { principal, keyId } = checked;
    if (keyId !== undefined) {
      const at = now();
      const state = await keyStates.lookup(keyId, at);
      if (!state) return reject('store_unavailable', principal.prefix || undefined, keyId);
      const { record } = state;
      if (!record) return reject('unknown', principal.prefix || undefined, keyId);
      const status = keyStatus(record, at);
      if (status !== 'active') {
        if (state.usage) usage!.refuse(state.usage, status, at, false);
        return reject(status, record.prefix, record.id, record.projectId);
      }
      if (state.usage) usage!.record(state.usage, at);
      const result = check(boundByKeyScopes(principal, record.scopes), requirements);
      if (!result.ok && state.usage) usage!.refuse(state.usage, result.reason as Refusal, at, true);
      return result;
    }
    return check(principal, requirements);
  }

  // Failures that may be guesses count towards the opt-in limit; a missing header does not.
  const limiter = options.attemptLimit
    ? new AttemptLimiter(options.attemptLimit, store, now, timeoutMs)
    : undefined;

  /** Settles what needs no I/O; otherwise says what to wait for (a store read or a JWT check). */
  function decideNow(
    authorization: string | readonly string[] | undefined,
    requirements: VerifyRequirements | undefined,
  ): VerifyResult | Pending {
    let token: string;
    if (
      typeof authorization === 'string' &&
      authorization.length === FAST_HEADER_LENGTH &&
      authorization.startsWith('Bearer ') &&
      isApiKeyFormat((token = authorization.slice(7)))
    ) {
      // The exact common form; anything else takes the full parser below.
    } else {
      const parsed = parseAuthorization(authorization);
      if (parsed.kind !== 'token') return reject(parsed.kind);
      token = parsed.token;
      if (!isApiKeyFormat(token)) {
        if (jwtCheck && looksLikeJwt(token)) return { wait: 'jwt', token };
        return reject('invalid_format');
      }
    }
    // Caches are keyed by the hash in base64: cheaper to encode and look up than hex.
    const cacheKey = cacheKeyOf(token, pepper);
    const at = now();
    // A key is never both verified and dead (revocation evicts it), so the hot path looks here first.
    const entry = verified.get(cacheKey);
    if (entry && feedUp && at - entry.fetchedAt < ttl) {
      if (onEvent) emit(CACHE_HIT);
      return settle(cacheKey, entry, at, requirements);
    }
    if (!entry) {
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
    }
    if (onEvent) emit(CACHE_MISS);
    return { wait: 'store', token, cacheKey, entry, at };
  }

  function isPending(value: VerifyResult | Pending): value is Pending {
    return (value as Pending).wait !== undefined;
  }

  /** Counts a failure towards the client's limit when it may be a guess. */
  function counted(client: string | undefined, result: VerifyResult): VerifyResult {
    if (client && !result.ok && COUNTED_FAILURES.has(result.reason)) limiter!.recordFailure(client);
    return result;
  }

  function rateLimited(
    client: string | undefined,
    authorization: string | readonly string[] | undefined,
  ): VerifyResult | undefined {
    if (!client) return undefined;
    const wait = limiter!.blockedFor(client);
    if (wait === 0) return undefined;
    if (onEvent) emit({ type: 'rejected', reason: 'rate_limited' });
    if (usage) countRateLimited(authorization);
    return tooManyAttempts(wait);
  }

  /** A refused client presenting a key this verifier knows: counted for that key, store untouched. */
  function countRateLimited(authorization: string | readonly string[] | undefined): void {
    const parsed = parseAuthorization(authorization);
    if (parsed.kind !== 'token' || !isApiKeyFormat(parsed.token)) return;
    const cacheKey = cacheKeyOf(parsed.token, pepper);
    const counter = verified.peek(cacheKey)?.usage ?? negative.peek(cacheKey)?.usage;
    if (counter) usage!.refuse(counter, 'rate_limited', now(), false);
  }

  // One pass: settled synchronously when no I/O is needed, else the promise of the store read
  // or JWT check, so nothing (parsing, hashing, cache lookups) is done twice on a miss.
  function verifyNow(
    authorization: string | readonly string[] | undefined,
    requirements?: VerifyRequirements,
  ): VerifyResult | Promise<VerifyResult> {
    const client = limiter ? requirements?.client : undefined;
    const limited = rateLimited(client, authorization);
    if (limited) return limited;
    const decided = decideNow(authorization, requirements);
    if (!isPending(decided)) return counted(client, decided);
    const pending =
      decided.wait === 'jwt'
        ? verifyJwt(decided.token, requirements)
        : verifyFromStore(decided.token, decided.cacheKey, decided.entry, decided.at, requirements);
    return client ? pending.then((result) => counted(client, result)) : pending;
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
      verifiedKeys: verified.size,
      refusedKeys: negative.size,
      unknownKeys: unknown.size,
      feed: unsubscribe === undefined ? 'none' : feedUp ? 'up' : 'down',
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
    value: { store, pepper, now, allowedScopes },
    enumerable: false,
  });
  // Adapters reach the synchronous hot path through `verifyNow(verifier, ...)`.
  Object.defineProperty(api, VERIFY_NOW, { value: verifyNow, enumerable: false });
  return api;
}
