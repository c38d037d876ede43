import type { RejectReason, ScopeMode, VerifyResult } from '../http/answer-types';
import type { JwtOptions } from '../jwt/jwt-keys';
import type { KeyStore } from '../store-types';

/* The verifier: its options, what a route requires, its events and its stats. */

/** What a route requires of a key. */
export interface VerifyRequirements {
  /** The project the key must belong to. */
  projectId?: string;
  /**
   * The server's environment (`production`): a key of another environment is refused
   * (`wrong_environment`, 403); a key with none passes.
   */
  environment?: string;
  /** Scopes the key must grant. */
  scopes?: readonly string[];
  /** @default 'all' */
  scopeMode?: ScopeMode;
  /**
   * The client's address, for the opt-in failed-attempt limit. Adapters derive it from the socket
   * (and from `X-Forwarded-For` only through trusted proxies).
   */
  client?: string;
}

/**
 * What a verifier reports to `onEvent`; never carries the key itself, nor its hash.
 * - `verified`, `rejected` (with `reason`): one per decision, with `keyId`, `prefix` and
 *   `projectId` when known. A route guard's refusal (`requireScopes`) is a `rejected` event with
 *   `stage: 'route'`, following the `verified` event of the same request.
 * - `cache_hit`, `cache_miss`: an API key was decided from the verifier's caches, or needed the
 *   store (sent before the decision).
 * - `store_read`: one read of the key store on the verify path (coalesced reads count once),
 *   with `durationMs` and `result`.
 * - `feed_lost`, `feed_restored`: the store's change feed went down (cached keys are read again
 *   from the store) or came back.
 * - `store_unavailable`, `store_available`: the key store failed (with its `cause` and `detail`)
 *   or answered again; once per transition, never per request.
 * - `hook_error`: a hook of the options failed or answered something unsendable, or a `projectId`
 *   function gave no project (the route's project was unknown: refused with 403) (reported once
 *   per distinct mistake).
 */
export interface AuthEvent {
  type: AuthEventType;
  reason?: RejectReason;
  keyId?: string;
  /** Display prefix of the presented key (`vc_1234`), when it was of key format. */
  prefix?: string;
  projectId?: string;
  /**
   * For `hook_error`: the option at fault (`projectId`: a function that gave no project, so the
   * route's project was unknown and the request refused).
   */
  hook?: 'onFailure' | 'projectId';
  /**
   * For `hook_error`: what was wrong and what was done instead; for `store_unavailable`: the
   * store's own message (a path, an errno; redacted). Never the request's data.
   */
  detail?: string;
  /** `store_unavailable`: why (see `StoreFaultCause`). */
  cause?: StoreFaultCause;
  /** `route` on the `rejected` event of a route guard (`requireScopes`). */
  stage?: 'route';
  /** `store_read`: how long the read took, in milliseconds. */
  durationMs?: number;
  /** `store_read`: a record was found, none was, or the read failed (error or timeout). */
  result?: StoreReadResult;
}

/** The kinds of {@link AuthEvent}: decisions, cache lookups, store reads, change-feed state. */
export type AuthEventType =
  | 'verified'
  | 'rejected'
  | 'hook_error'
  | 'cache_hit'
  | 'cache_miss'
  | 'store_read'
  | 'feed_lost'
  | 'feed_restored'
  | 'store_unavailable'
  | 'store_available';

/** Why a key store is unavailable, as the `store_unavailable` event and the warning line say. */
export type StoreFaultCause =
  'path' | 'permission' | 'corruption' | 'lock' | 'timeout' | 'connection' | 'unknown';

/** How a store read of the verify path ended. */
export type StoreReadResult = 'found' | 'not_found' | 'error';

/** What a verifier holds right now (for gauges): cache sizes and the change feed's state. */
export interface VerifierStats {
  /** Keys in the verified-key cache. */
  verifiedKeys: number;
  /** Revoked and expired keys remembered, so they are refused without a store read. */
  refusedKeys: number;
  /** Unknown keys remembered, so repeated bad keys do not reach the store. */
  unknownKeys: number;
  /** `up` or `down` for a store with a change feed, `none` without one (staleness bounded by the ttl). */
  feed: 'up' | 'down' | 'none';
}

/** Bounds of the verifier's caches. Every cache is an LRU with a `max`, so memory is bounded. */
export interface CacheOptions {
  /** Verified keys (hash -> record snapshot). @default 10000 */
  max?: number;
  /** How long a verified record is trusted without re-reading the store. @default 60000 */
  ttlMs?: number;
  /**
   * Revoked and expired hashes, each forgotten on a change to its key, when the change feed comes
   * back, or after `ttlMs` (a record can be changed back). @default 10000
   */
  revokedMax?: number;
  /** Unknown hashes, so repeated bad keys do not reach the store. @default 10000 */
  unknownMax?: number;
  /** @default 10000 */
  unknownTtlMs?: number;
}

/** How usage is aggregated before it is written. */
export interface UsageOptions {
  /** Flush interval. @default 1000 */
  flushIntervalMs?: number;
  /** Keys tracked between flushes; reaching it triggers an early flush. @default 10000 */
  maxPendingKeys?: number;
  /** Set to false to disable usage tracking entirely. @default true */
  enabled?: boolean;
}

/** Opt-in limit of failed verifications per client address. */
export interface AttemptLimitOptions {
  /** Failed verifications a client may make within the window before it gets 429. @default 20 */
  max?: number;
  /** Length of the window in ms. @default 60000 */
  windowMs?: number;
  /** Clients tracked at once; the least recently seen are forgotten first. @default 10000 */
  maxClients?: number;
}

/** Options of {@link createVerifier}. */
export interface VerifierOptions {
  store: KeyStore;
  /** HMAC pepper; must match the one the keys were created with. */
  pepper?: string;
  cache?: CacheOptions;
  usage?: UsageOptions;
  /** A store call never holds a request longer than this. @default 500 */
  timeoutMs?: number;
  /**
   * While the store fails, a key verified less than `ttl + staleIfErrorMs` ago is still served.
   * Off by default: a store failure answers 503.
   * @default 0
   */
  staleIfErrorMs?: number;
  onEvent?: (event: AuthEvent) => void;
  /** Clock in epoch milliseconds; injectable for tests. @default Date.now */
  now?: () => number;
  /**
   * Also accept JWTs (your identity provider's, or those of `createTokenIssuer`) with the same
   * scopes, projects and answers. A token whose `sub` is a key id is refused once that key is
   * revoked or expired.
   */
  jwt?: JwtOptions;
  /** Opt-in: answer 429 to a client after too many failed verifications, without reading the store. */
  attemptLimit?: AttemptLimitOptions;
  /**
   * The service's scope vocabulary, for key managers on this verifier (`createKeyManagerFor`,
   * the management API): see `KeyManagerOptions.allowedScopes`. `createVerifierFromEnv` reads
   * `VECTORCACHE_SCOPES` (`cache:read,cache:write,...`) when it is not given.
   */
  allowedScopes?: readonly string[];
}

/** A configured verifier; build one per process and share it. */
export interface Verifier {
  /** Checks an `Authorization` header value (or the list of values when it was sent twice). */
  verify(
    authorization: string | readonly string[] | undefined,
    requirements?: VerifyRequirements,
  ): Promise<VerifyResult>;
  /** Cache sizes and change-feed state, for gauges; cheap enough to read on every scrape. */
  stats(): VerifierStats;
  /** Writes pending usage to the store. */
  flush(): Promise<void>;
  /** Flushes usage, stops timers and releases the store's change feed. */
  close(): Promise<void>;
}
