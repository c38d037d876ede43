import { ApiKeyCache } from '../src/verify/api-key-cache';
import { createApiKeyPath, type ApiKeyPath } from '../src/verify/api-key-path';
import type { Pending } from '../src/verify/cache-entries';
import { createDecisions } from '../src/verify/decisions';
import { KeyStates } from '../src/jwt/key-states';
import { createRecordReader } from '../src/verify/record-reader';
import type { AuthEvent, KeyStore, StoredKeyRecord, UsageRow, VerifyResult } from '../src/types';
import { UsageAggregator } from '../src/usage/usage';

/** Counts the reads a part makes of a real store (`findByHash` and `get`). */
export class CountingStore<S extends KeyStore> {
  hashReads = 0;
  idReads = 0;
  /** While set, every read waits for it (to hold a read in flight). */
  gate: Promise<void> | undefined;
  /** Gates of single reads, taken in order by the next reads (see {@link holdNext}). */
  private readonly held: Promise<void>[] = [];
  /** While set, every read fails with this error. */
  failure: Error | undefined;

  constructor(readonly inner: S) {}

  /** Holds the next read not yet held until the returned function is called. */
  holdNext(): () => void {
    let release!: () => void;
    this.held.push(new Promise<void>((resolve) => (release = resolve)));
    return release;
  }

  /** The store as a part sees it: the real one, with reads counted. */
  get store(): KeyStore {
    const read = async <T>(count: () => void, work: () => Promise<T>): Promise<T> => {
      count();
      const held = this.held.shift();
      if (held) await held;
      if (this.gate) await this.gate;
      if (this.failure) throw this.failure;
      return work();
    };
    const inner = this.inner;
    return {
      findByHash: (hash) =>
        read(
          () => this.hashReads++,
          () => inner.findByHash(hash),
        ),
      get: (id) =>
        read(
          () => this.idReads++,
          () => inner.get(id),
        ),
      insert: (record, replacing) => inner.insert(record, replacing),
      list: (filter) => inner.list(filter),
      update: (id, patch) => inner.update(id, patch),
      recordUsage: (batch, flushId) => inner.recordUsage(batch, flushId),
      readUsage: (query) => inner.readUsage!(query),
      close: () => inner.close(),
    };
  }
}

/** Settings of the API-key cache and path built by {@link apiKeyParts}. */
export interface PartsSettings {
  store: KeyStore;
  now: () => number;
  ttl?: number;
  staleMs?: number;
  cacheMax?: number;
  revokedMax?: number;
  unknownMax?: number;
  unknownTtlMs?: number;
  pepper?: string;
  jwt?: boolean;
  /** Count usage (flushed by hand: no timer). */
  usage?: boolean;
}

/** The API-key cache and path, built on their own as the verifier wires them, with events kept. */
export interface ApiKeyParts {
  cache: ApiKeyCache;
  path: ApiKeyPath;
  keyStates: KeyStates;
  usage: UsageAggregator | undefined;
  events: AuthEvent[];
  /** Decides a header: synchronously when the caches settle it, else after the store read. */
  verify: (
    header: string | undefined,
    requirements?: Parameters<ApiKeyPath['decideNow']>[1],
  ) => Promise<VerifyResult>;
}

/** Builds the API-key cache and path (and the key states they share) without a verifier. */
export function apiKeyParts(settings: PartsSettings): ApiKeyParts {
  const { store, now, pepper } = settings;
  const ttl = settings.ttl ?? 60_000;
  const staleMs = settings.staleMs ?? 0;
  const events: AuthEvent[] = [];
  const onEvent = (event: AuthEvent): void => void events.push(event);
  const decisions = createDecisions(onEvent);
  const fetchRecord = createRecordReader(store, 1000, onEvent, decisions.emit);
  const usage = settings.usage
    ? new UsageAggregator(store, 10_000, 0, (s, batch, flushId) => s.recordUsage(batch, flushId))
    : undefined;
  const keyStates: KeyStates = new KeyStates({
    max: settings.cacheMax ?? 100,
    ttl,
    staleMs,
    now,
    // The cache is built below; the key states ask it only once verifying.
    feedUp: (): boolean => cache.feedUp,
    fetch: (id) => fetchRecord('get', id),
    counter: (record: StoredKeyRecord) => usage?.counter(record.id, record.projectId),
  });
  const cache: ApiKeyCache = new ApiKeyCache({
    pepper,
    now,
    ttl,
    cacheMax: settings.cacheMax ?? 100,
    revokedMax: settings.revokedMax ?? 100,
    unknownMax: settings.unknownMax ?? 100,
    unknownTtlMs: settings.unknownTtlMs ?? 10_000,
    onEvent,
    emit: decisions.emit,
    fetchRecord,
    usage,
    keyStates,
  });
  const path = createApiKeyPath({
    cache,
    pepper,
    now,
    ttl,
    staleMs,
    onEvent,
    jwt: settings.jwt ?? false,
    usage,
    decisions,
  });
  const verify: ApiKeyParts['verify'] = async (header, requirements) => {
    const decided = path.decideNow(header, requirements);
    if (!isPending(decided)) return decided;
    if (decided.wait === 'jwt') throw new Error('a JWT reached the API-key path');
    return path.verifyFromStore(
      decided.token,
      decided.cacheKey,
      decided.entry,
      decided.at,
      requirements,
    );
  };
  return { cache, path, keyStates, usage, events, verify };
}

/** Whether `decideNow` left the decision to a store read or a JWT check. */
export function isPending(value: VerifyResult | Pending): value is Pending {
  return (value as Pending).wait !== undefined;
}

/** The reason of a refusal, or `ok`. */
export const outcome = (result: VerifyResult): string => (result.ok ? 'ok' : result.reason);

/** `Bearer <key>`. */
export const bearer = (key: string): string => `Bearer ${key}`;

/** The hourly analytics rows of project `p` within two hours of `at`. */
export function usageRowsNear(store: KeyStore, at: number): Promise<UsageRow[]> {
  return store.readUsage!({
    projectId: 'p',
    from: new Date(at - 7_200_000).toISOString(),
    to: new Date(at + 7_200_000).toISOString(),
    granularity: 'hour',
  });
}
