import { LRUCache } from 'lru-cache';
import {
  isFresh,
  isServableStale,
  type Lookup,
  type RefusedEntry,
  type VerifiedEntry,
} from './cache-entries';
import { CoalescedReads } from './coalesce';
import { cacheKeyOf, cacheKeyOfHex, isApiKeyFormat } from '../keys/key-format';
import type { KeyStates } from '../jwt/key-states';
import { parseAuthorization } from '../http/parse';
import type { RecordReader } from './record-reader';
import type { AuthEvent, StoreChange, StoredKeyRecord } from '../types';
import type { UsageAggregator } from '../usage/usage';

/** What the API-key cache needs from its verifier. */
export interface ApiKeyCacheOptions {
  pepper: string | undefined;
  now: () => number;
  ttl: number;
  cacheMax: number;
  revokedMax: number;
  unknownMax: number;
  unknownTtlMs: number;
  onEvent: ((event: AuthEvent) => void) | undefined;
  emit: (event: AuthEvent) => void;
  fetchRecord: RecordReader;
  usage: UsageAggregator | undefined;
  /** The JWT path's key states, evicted by the same change feed. */
  keyStates: Pick<KeyStates, 'invalidate' | 'distrustReads' | 'clear'>;
}

/**
 * The API-key cache: verified keys, refused (revoked or expired) keys and unknown hashes, each a
 * bounded LRU keyed by the key's raw hash; one coalesced store read per hash in flight; and
 * the store's change feed, which evicts changed keys and, while it is down, stops the cache being
 * trusted. Without a change feed, staleness is bounded by the ttl.
 */
export class ApiKeyCache {
  /** Keys found active, with their ready answers. */
  readonly verified: LRUCache<string, VerifiedEntry>;
  /** Keys found revoked or expired. */
  readonly refused: LRUCache<string, RefusedEntry>;
  /** Hashes the store does not hold. */
  readonly unknown: LRUCache<string, true>;
  /** False while the store's change feed is down. */
  feedUp = true;
  /** The feed said it is still connecting: its loss and first return are not events. */
  private connecting = false;
  private readonly hashReads = new CoalescedReads<StoredKeyRecord | null>();
  /** How long a verified entry is trusted without a store read (ms). */
  private readonly ttl: number;

  constructor(private readonly options: ApiKeyCacheOptions) {
    const { now, ttl, cacheMax, revokedMax, unknownMax, unknownTtlMs } = options;
    this.ttl = ttl;
    this.verified = new LRUCache<string, VerifiedEntry>({ max: cacheMax });
    // ttlResolution 0: lru-cache must ask the (injectable) clock every time, not a cached reading.
    // A revoked or expired key can be changed back (revokedAt cleared, expiry moved later): its
    // refusal is forgotten on a change, a restored feed, or after the ttl.
    this.refused = new LRUCache<string, RefusedEntry>({
      max: revokedMax,
      ttl,
      ttlResolution: 0,
      perf: { now },
    });
    this.unknown = new LRUCache<string, true>({
      max: unknownMax,
      ttl: unknownTtlMs,
      ttlResolution: 0,
      perf: { now },
    });
  }

  /**
   * Whether a verified entry may answer without the store at `at`: the change feed is up (or
   * the store has none) and the entry was read less than the ttl ago.
   */
  trusts(entry: VerifiedEntry, at: number): boolean {
    return isFresh(entry.fetchedAt, at, this.ttl, this.feedUp);
  }

  /** Whether a verified entry may still answer at `at` while the store fails. */
  servesStale(entry: VerifiedEntry, at: number, staleMs: number): boolean {
    return isServableStale(entry.fetchedAt, at, this.ttl, staleMs);
  }

  /** The store's change listener (bound: pass it to `store.subscribe` as is). */
  readonly onChange = (change: StoreChange): void => {
    const { verified, refused, unknown, hashReads } = this;
    const { keyStates, onEvent, emit } = this.options;
    if (change.type === 'changed') {
      const cacheKey = cacheKeyOfHex(change.hash);
      verified.delete(cacheKey);
      refused.delete(cacheKey);
      unknown.delete(cacheKey);
      hashReads.invalidate(change.hash);
      keyStates.invalidate(change.id);
    } else if (change.type === 'feed_lost') {
      this.feedUp = false;
      hashReads.invalidateAll();
      keyStates.distrustReads();
      if (change.connecting === true) this.connecting = true;
      else if (onEvent) emit({ type: 'feed_lost' });
    } else {
      verified.clear();
      refused.clear();
      unknown.clear();
      keyStates.clear();
      hashReads.invalidateAll();
      this.feedUp = true;
      if (this.connecting) this.connecting = false;
      else if (onEvent) emit({ type: 'feed_restored' });
    }
  };

  /** One store read per hash in flight. */
  read(hash: string): Promise<Lookup> {
    const { fetchRecord } = this.options;
    return this.hashReads
      .run(hash, () => fetchRecord('findByHash', hash))
      .then(({ value, cacheable }) => ({ record: value, cacheable }));
  }

  /** A refused client presenting a key this verifier knows: counted for that key, store untouched. */
  readonly countRateLimited = (authorization: string | readonly string[] | undefined): void => {
    const { pepper, usage, now } = this.options;
    const parsed = parseAuthorization(authorization);
    if (parsed.kind !== 'token' || !isApiKeyFormat(parsed.token)) return;
    const cacheKey = cacheKeyOf(parsed.token, pepper);
    const counter = this.verified.peek(cacheKey)?.usage ?? this.refused.peek(cacheKey)?.usage;
    if (counter) usage!.refuse(counter, 'rate_limited', now(), false);
  };

  /** How many keys each cache holds. */
  sizes(): { verifiedKeys: number; refusedKeys: number; unknownKeys: number } {
    return {
      verifiedKeys: this.verified.size,
      refusedKeys: this.refused.size,
      unknownKeys: this.unknown.size,
    };
  }
}
