import { LRUCache } from 'lru-cache';
import { failureFor, insufficientScope } from './answers';
import { VectorcacheAuthError } from './errors';
import { hashApiKey, hashesEqual, isApiKeyFormat, keyPrefix } from './key-format';
import { parseAuthorization } from './parse';
import { isUsableRecord, keyStatus } from './records';
import { missingScopes, scopesSatisfied } from './scopes';
import { withTimeout } from './timeout';
import type {
  AuthEvent,
  AuthFailure,
  AuthSuccess,
  KeyStore,
  Principal,
  RejectReason,
  StoreChange,
  StoredKeyRecord,
  Verifier,
  VerifierOptions,
  VerifyRequirements,
  VerifyResult,
} from './types';
import { UsageAggregator } from './usage';

const FAST_HEADER_LENGTH = 'Bearer '.length + 35;

/** Internal: lets the zero-config builder hand the store's lifetime to the verifier. */
export const OWNS_STORE = Symbol('vectorcache.ownsStore');

interface VerifiedEntry {
  record: StoredKeyRecord;
  principal: Principal;
  /** The success result, built once per cached record. */
  success: AuthSuccess;
  expiresAtMs: number;
  fetchedAt: number;
}

interface NegativeEntry {
  reason: 'revoked' | 'expired';
  keyId: string;
  projectId: string;
}

type Lookup = { record: StoredKeyRecord | null; cacheable: boolean };

interface InflightRead {
  promise: Promise<Lookup>;
  stale: boolean;
}

function positiveInteger(value: unknown, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new VectorcacheAuthError(
      'invalid_option',
      `${name} must be a positive integer (got ${String(value)}); leave it out for the default ${fallback}.`,
    );
  }
  return value;
}

function nonNegative(value: unknown, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new VectorcacheAuthError(
      'invalid_option',
      `${name} must be a number of milliseconds >= 0 (got ${String(value)}); leave it out for the default ${fallback}.`,
    );
  }
  return value;
}

function toPrincipal(record: StoredKeyRecord): Principal {
  return Object.freeze({
    keyId: record.id,
    projectId: record.projectId,
    name: record.name,
    prefix: record.prefix,
    scopes: Object.freeze([...record.scopes]) as string[],
  });
}

/**
 * Creates the verifier: parses the `Authorization` header, checks the key against bounded caches
 * and the store, and returns the ready-to-send answer. Build one per process and share it.
 * @example
 * const verifier = createVerifier({ store: new FileKeyStore({ path: '.vectorcache/keys.json' }) });
 * const result = await verifier.verify(req.headers.authorization, { scopes: ['cache:read'] });
 * if (!result.ok) res.writeHead(result.status, result.headers).end(result.body);
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const store: KeyStore | undefined = options?.store;
  if (!store || typeof store.findByHash !== 'function') {
    throw new VectorcacheAuthError(
      'invalid_option',
      'createVerifier needs a store, e.g. createVerifier({ store: new FileKeyStore({ path: ".vectorcache/keys.json" }) }).',
    );
  }
  const cacheOptions = options.cache ?? {};
  const usageOptions = options.usage ?? {};
  const now = options.now ?? Date.now;
  const pepper = options.pepper || undefined;
  const pepperOption = { pepper };
  const timeoutMs = positiveInteger(options.timeoutMs, 500, 'timeoutMs');
  const ttl = positiveInteger(cacheOptions.ttlMs, 60_000, 'cache.ttlMs');
  const staleMs = nonNegative(options.staleIfErrorMs, 0, 'staleIfErrorMs');
  const onEvent = options.onEvent;
  const ownsStore = (options as { [OWNS_STORE]?: boolean })[OWNS_STORE] === true;
  // ttlResolution 0: lru-cache must ask the (injectable) clock every time, not a cached reading.
  const perf = { now };

  const verified = new LRUCache<string, VerifiedEntry>({
    max: positiveInteger(cacheOptions.max, 10_000, 'cache.max'),
  });
  const negative = new LRUCache<string, NegativeEntry>({
    max: positiveInteger(cacheOptions.revokedMax, 10_000, 'cache.revokedMax'),
  });
  const unknown = new LRUCache<string, true>({
    max: positiveInteger(cacheOptions.unknownMax, 10_000, 'cache.unknownMax'),
    ttl: positiveInteger(cacheOptions.unknownTtlMs, 10_000, 'cache.unknownTtlMs'),
    ttlResolution: 0,
    perf,
  });
  const inflight = new Map<string, InflightRead>();

  const usage =
    usageOptions.enabled === false
      ? undefined
      : new UsageAggregator(
          store,
          positiveInteger(usageOptions.maxPendingKeys, 10_000, 'usage.maxPendingKeys'),
          positiveInteger(usageOptions.flushIntervalMs, 1000, 'usage.flushIntervalMs'),
          (s, batch) => withTimeout(s.recordUsage(batch), timeoutMs * 4, 'a usage write'),
        );

  // Without a change feed, staleness is bounded by the ttl; with one, the cache is trusted only
  // while the feed is up.
  let feedUp = true;
  const onChange = (change: StoreChange): void => {
    if (change.type === 'changed') {
      verified.delete(change.hash);
      unknown.delete(change.hash);
      const read = inflight.get(change.hash);
      if (read) read.stale = true;
    } else if (change.type === 'feed_lost') {
      feedUp = false;
      for (const read of inflight.values()) read.stale = true;
    } else {
      verified.clear();
      unknown.clear();
      for (const read of inflight.values()) read.stale = true;
      feedUp = true;
    }
  };
  const unsubscribe = store.subscribe?.(onChange);

  function emit(event: AuthEvent): void {
    if (!onEvent) return;
    try {
      onEvent(event);
    } catch {
      // A failing listener must not change the answer.
    }
  }

  function reject(
    reason: Exclude<RejectReason, 'insufficient_scope'>,
    prefix?: string,
    keyId?: string,
    projectId?: string,
  ): AuthFailure {
    if (onEvent) emit({ type: 'rejected', reason, prefix, keyId, projectId });
    return failureFor(reason);
  }

  /** One store read per hash in flight; a change during the read discards and repeats it. */
  function read(hash: string): Promise<Lookup> {
    const existing = inflight.get(hash);
    if (existing) return existing.promise;
    const slot: InflightRead = { stale: false, promise: undefined as unknown as Promise<Lookup> };
    slot.promise = (async (): Promise<Lookup> => {
      try {
        for (let attempt = 0; ; attempt++) {
          const value = await withTimeout(store!.findByHash(hash), timeoutMs, 'a key lookup');
          if (value !== null && !isUsableRecord(value)) {
            throw new VectorcacheAuthError(
              'corrupt_record',
              'The key store returned a corrupt record; check the data the store holds.',
            );
          }
          if (!slot.stale) return { record: value, cacheable: true };
          if (attempt >= 1) return { record: value, cacheable: false };
          slot.stale = false;
        }
      } finally {
        inflight.delete(hash);
      }
    })();
    inflight.set(hash, slot);
    return slot.promise;
  }

  function check(
    principal: Principal,
    requirements: VerifyRequirements | undefined,
    success?: AuthSuccess,
  ): VerifyResult {
    if (requirements) {
      if (requirements.projectId !== undefined && principal.projectId !== requirements.projectId) {
        return reject('wrong_project', principal.prefix, principal.keyId, principal.projectId);
      }
      const required = requirements.scopes;
      if (required && !scopesSatisfied(principal.scopes, required, requirements.scopeMode)) {
        if (onEvent) {
          emit({
            type: 'rejected',
            reason: 'insufficient_scope',
            prefix: principal.prefix,
            keyId: principal.keyId,
            projectId: principal.projectId,
          });
        }
        return insufficientScope(missingScopes(principal.scopes, required, requirements.scopeMode));
      }
    }
    if (onEvent) {
      emit({
        type: 'verified',
        keyId: principal.keyId,
        prefix: principal.prefix,
        projectId: principal.projectId,
      });
    }
    return success ?? { ok: true, principal };
  }

  /** Checks a record found (in the cache or the store) and builds the answer. */
  function settle(
    hash: string,
    entry: VerifiedEntry,
    at: number,
    requirements: VerifyRequirements | undefined,
  ): VerifyResult {
    const record = entry.record;
    const status =
      record.revokedAt === null && entry.expiresAtMs > at ? 'active' : keyStatus(record, at);
    if (status !== 'active') {
      verified.delete(hash);
      negative.set(hash, { reason: status, keyId: record.id, projectId: record.projectId });
      return reject(status, record.prefix, record.id, record.projectId);
    }
    usage?.record(record.id, at);
    return check(entry.principal, requirements, entry.success);
  }

  /** The cache-miss path: negative caches, then one coalesced store read. */
  async function verifyFromStore(
    token: string,
    hash: string,
    cached: VerifiedEntry | undefined,
    at: number,
    requirements: VerifyRequirements | undefined,
  ): Promise<VerifyResult> {
    const prefix = keyPrefix(token);
    if (!cached) {
      const dead = negative.get(hash);
      if (dead) return reject(dead.reason, prefix, dead.keyId, dead.projectId);
      if (unknown.has(hash)) return reject('unknown', prefix);
    }
    let lookup: Lookup;
    try {
      lookup = await read(hash);
    } catch {
      if (cached && staleMs > 0 && at - cached.fetchedAt < ttl + staleMs) {
        lookup = { record: cached.record, cacheable: false };
      } else {
        return reject('store_unavailable', prefix);
      }
    }
    const record = lookup.record;
    if (record === null || !hashesEqual(record.hash, hash)) {
      if (lookup.cacheable) unknown.set(hash, true);
      verified.delete(hash);
      return reject('unknown', prefix);
    }
    let entry = cached;
    if (entry?.record !== record) {
      const principal = toPrincipal(record);
      entry = {
        record,
        principal,
        success: Object.freeze({ ok: true, principal }),
        expiresAtMs: record.expiresAt === null ? Infinity : Date.parse(record.expiresAt),
        fetchedAt: now(),
      };
      if (lookup.cacheable) verified.set(hash, entry);
    }
    return settle(hash, entry, at, requirements);
  }

  // Not `async`: the cached path does no await, so it settles with one resolved promise.
  function verify(
    authorization: string | readonly string[] | undefined,
    requirements?: VerifyRequirements,
  ): Promise<VerifyResult> {
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
      if (parsed.kind !== 'token') return Promise.resolve(reject(parsed.kind));
      token = parsed.token;
      if (!isApiKeyFormat(token)) return Promise.resolve(reject('invalid_format'));
    }
    const hash = hashApiKey(token, pepperOption);
    const at = now();
    // A hash is never both verified and dead (revocation evicts it), so the hot path looks here first.
    const entry = verified.get(hash);
    if (entry && feedUp && at - entry.fetchedAt < ttl) {
      return Promise.resolve(settle(hash, entry, at, requirements));
    }
    return verifyFromStore(token, hash, entry, at, requirements);
  }

  return {
    verify,
    authorize: (principal, requirements) => check(principal, requirements),
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
}
