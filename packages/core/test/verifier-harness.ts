import { createVerifier } from '../src/verify/verifier';
import { verifyNow } from '../src/verify/core-verifier';
import type {
  AuthEvent,
  KeyStore,
  StoreChange,
  StoreChangeListener,
  UsageRow,
  Verifier,
  VerifierOptions,
  VerifyRequirements,
  VerifyResult,
} from '../src/types';

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

/** Settings of the verifier built by {@link verifierOver}. */
export interface HarnessSettings {
  store: KeyStore;
  now: () => number;
  ttl?: number;
  staleMs?: number;
  cacheMax?: number;
  revokedMax?: number;
  unknownMax?: number;
  unknownTtlMs?: number;
  pepper?: string;
  jwt?: VerifierOptions['jwt'];
  attemptLimit?: VerifierOptions['attemptLimit'];
  /** Count usage (flushed by hand: the interval is a day). */
  usage?: boolean;
}

/** A verifier as `createVerifier` builds it, with its events kept and its change feed in hand. */
export interface Harness {
  verifier: Verifier;
  events: AuthEvent[];
  /** Sends a change to the verifier, as the store's feed would. */
  feed: (change: StoreChange) => void;
  /** Decides a header: synchronously when the caches settle it, else a promise. */
  now: (
    header: string | readonly string[] | undefined,
    requirements?: VerifyRequirements,
  ) => VerifyResult | Promise<VerifyResult>;
  verify: (
    header: string | readonly string[] | undefined,
    requirements?: VerifyRequirements,
  ) => Promise<VerifyResult>;
  /** The verifier's cache sizes. */
  sizes: () => { verifiedKeys: number; refusedKeys: number; unknownKeys: number };
}

/**
 * A real verifier over `settings.store`, whose change feed is both the store's own (when it has
 * one) and the test's ({@link Harness.feed}).
 */
export function verifierOver(settings: HarnessSettings): Harness {
  const { store, now, pepper } = settings;
  const events: AuthEvent[] = [];
  const listeners: StoreChangeListener[] = [];
  const fed: KeyStore = {
    ...bound(store),
    subscribe(listener) {
      listeners.push(listener);
      const off = store.subscribe?.(listener);
      return () => off?.();
    },
  };
  const verifier = createVerifier({
    store: fed,
    now,
    pepper,
    cache: {
      ttlMs: settings.ttl ?? 60_000,
      max: settings.cacheMax ?? 100,
      revokedMax: settings.revokedMax ?? 100,
      unknownMax: settings.unknownMax ?? 100,
      unknownTtlMs: settings.unknownTtlMs ?? 10_000,
    },
    staleIfErrorMs: settings.staleMs ?? 0,
    timeoutMs: 1000,
    usage: settings.usage ? { flushIntervalMs: 86_400_000 } : { enabled: false },
    onEvent: (event) => void events.push(event),
    jwt: settings.jwt,
    attemptLimit: settings.attemptLimit,
  });
  return {
    verifier,
    events,
    feed: (change) => listeners.forEach((listener) => listener(change)),
    now: (header, requirements) => verifyNow(verifier, header, requirements),
    verify: (header, requirements) => verifier.verify(header, requirements),
    sizes: () => {
      const { verifiedKeys, refusedKeys, unknownKeys } = verifier.stats();
      return { verifiedKeys, refusedKeys, unknownKeys };
    },
  };
}

/** A store's methods bound to it, as a plain object (`subscribe` left out). */
function bound(store: KeyStore): KeyStore {
  return {
    findByHash: (hash) => store.findByHash(hash),
    get: (id) => store.get(id),
    insert: (record, replacing) => store.insert(record, replacing),
    list: (filter) => store.list(filter),
    update: (id, patch) => store.update(id, patch),
    recordUsage: (batch, flushId) => store.recordUsage(batch, flushId),
    readUsage: (query) => store.readUsage!(query),
    close: () => store.close(),
  };
}

/** Whether a decision is still waiting (for the store or a JWT check). */
export function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return value instanceof Promise;
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
