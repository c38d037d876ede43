import type { AttemptLimitOptions } from './attempt-limiter';
import type { JwtOptions } from './jwt-keys';

/**
 * Every public type of `@vectorcache/auth-core` lives here, so adapters and stores share one
 * source of truth.
 */

/** Derived state of a key record. */
export type KeyStatus = 'active' | 'revoked' | 'expired';

/**
 * A key record as a store keeps it. The plaintext key is never part of it: only its hash.
 * Dates are ISO-8601 strings.
 */
export interface StoredKeyRecord {
  /** `key_` + 24 hex characters; not secret. */
  id: string;
  projectId: string;
  name: string;
  /** Display prefix, `vc_` + the first 4 hex characters of the key (7 characters). */
  prefix: string;
  /** Hex SHA-256 of the key, or hex HMAC-SHA256 with the server pepper. */
  hash: string;
  scopes: string[];
  createdAt: string;
  lastUsedAt: string | null;
  requestCount: number;
  revokedAt: string | null;
  expiresAt: string | null;
  /** The id of the key this one replaced by rotation, if any. */
  rotatedFrom?: string | null;
  /** The id of the key that replaced this one by rotation, if any. */
  rotatedTo?: string | null;
}

/** A key record as the key manager returns it: the stored fields plus the derived `status`. */
export interface ApiKeyRecord extends StoredKeyRecord {
  status: KeyStatus;
}

/** The fields of a record that may change after creation. */
export type KeyRecordPatch = Partial<
  Pick<StoredKeyRecord, 'name' | 'scopes' | 'revokedAt' | 'expiresAt' | 'rotatedTo'>
>;

/**
 * What a verification that found a stored key ended in, as usage analytics count it. A refusal for
 * a missing scope is `insufficient_scope` wherever the scope was checked.
 */
export type UsageOutcome =
  'valid' | 'revoked' | 'expired' | 'wrong_project' | 'insufficient_scope' | 'rate_limited';

/** Analytics counts of one key in one UTC hour for one outcome. */
export interface UsageBucket {
  /** Start of the UTC hour, ISO-8601 (`2026-12-02T01:00:00.000Z`). */
  hour: string;
  outcome: UsageOutcome;
  count: number;
}

/**
 * Usage of one key aggregated in memory between two flushes. An entry whose `count` is 0 carries
 * only analytics (e.g. refusals of a revoked key): a store then leaves `requestCount` and
 * `lastUsedAt` as they are and only adds the `buckets`.
 */
export interface UsageEntry {
  id: string;
  /** Requests counted since the last flush in which the key was found active (`requestCount`). */
  count: number;
  /** ISO-8601 time of the latest of those requests (meaningless when `count` is 0). */
  lastUsedAt: string;
  /** The key's project, so a store can keep project-level analytics. */
  projectId?: string;
  /** Analytics: counts by UTC hour and outcome (every outcome, refusals included). */
  buckets?: UsageBucket[];
}

/** Granularity of usage analytics points. */
export type UsageGranularity = 'hour' | 'day';

/** A read of stored usage analytics: one project, optionally one key, over `[from, to)`. */
export interface UsageQuery {
  projectId: string;
  keyId?: string;
  /** ISO-8601, inclusive. */
  from: string;
  /** ISO-8601, exclusive. */
  to: string;
  granularity: UsageGranularity;
}

/** One stored analytics count: a key, the start of its hour or UTC day, an outcome. */
export interface UsageRow {
  keyId: string;
  /** Start of the hour or UTC day, ISO-8601. */
  start: string;
  outcome: UsageOutcome;
  count: number;
}

/** How long usage analytics are kept. */
export interface UsageRetention {
  /** @default 35 */
  hourlyDays?: number;
  /** @default 400 */
  dailyDays?: number;
}

/** A management action, as the audit list keeps it. Never carries a key or a hash. */
export type AuditAction = 'key.created' | 'key.updated' | 'key.revoked' | 'key.rotated';

/** One entry of a project's audit list. */
export interface AuditEntry {
  /** ISO-8601. */
  at: string;
  projectId: string;
  action: AuditAction;
  /** The key that acted (management API), or `null` (CLI, code). */
  actor: { keyId: string; prefix: string } | null;
  target: { keyId: string; prefix: string; name: string };
}

/**
 * What a store's change feed tells its listeners.
 * - `changed`: the record with this id and hash changed (revoked, expiry set or moved, created,
 *   deleted); any cached copy must be dropped.
 * - `feed_lost`: the feed may be missing messages from now on; cached records must not be trusted.
 * - `feed_restored`: the feed is back; everything cached before must be cleared.
 */
export type StoreChange =
  { type: 'changed'; id: string; hash: string } | { type: 'feed_lost' } | { type: 'feed_restored' };

/** A listener registered with {@link KeyStore.subscribe}. */
export type StoreChangeListener = (change: StoreChange) => void;

/**
 * Where key records live. `findByHash` is the only read on the verify path: one call per cache
 * miss, returning the whole record (revocation and expiry included) or `null`.
 */
export interface KeyStore {
  /** The record whose `hash` is `hash`, or `null`. */
  findByHash(hash: string): Promise<StoredKeyRecord | null>;
  /**
   * Adds a new record; rejects when the id or the hash already exists. With `replacing` (a
   * rotation), the patch of that other record is applied in the same atomic operation: either
   * both writes happen or neither does.
   */
  insert(record: StoredKeyRecord, replacing?: { id: string; patch: KeyRecordPatch }): Promise<void>;
  /** The record with this id, or `null`. */
  get(id: string): Promise<StoredKeyRecord | null>;
  /** Every record, or those of one project. */
  list(filter?: { projectId?: string }): Promise<StoredKeyRecord[]>;
  /** Applies `patch` and returns the updated record, or `null` when the id is unknown. */
  update(id: string, patch: KeyRecordPatch): Promise<StoredKeyRecord | null>;
  /**
   * Adds the counts and keeps the latest `lastUsedAt`, for many keys in one call, and adds the
   * entries' analytics `buckets`. With a `flushId`, the write is idempotent: a store that has
   * already applied a batch with this id (a write that timed out but landed, then retried) applies
   * it no second time. Built-in stores remember flush ids for at least ten minutes.
   */
  recordUsage(batch: UsageEntry[], flushId?: string): Promise<void>;
  /**
   * Optional (every built-in store has it): stored analytics rows of a project (or one key) over
   * the query's range, at its granularity. Hourly rows are kept 35 days and daily rows 400 days
   * by default.
   */
  readUsage?(query: UsageQuery): Promise<UsageRow[]>;
  /**
   * Optional (every built-in store has it): appends a management action to its project's audit
   * list, which keeps the newest 10,000 entries per project.
   */
  appendAudit?(entry: AuditEntry): Promise<void>;
  /** Optional (every built-in store has it): a project's audit entries, newest first. */
  listAudit?(filter: { projectId: string; limit: number }): Promise<AuditEntry[]>;
  /**
   * Optional: counts a failed verification of `client` in a window shared by every instance and
   * returns the count so far (the Redis store implements it).
   */
  countFailedAttempt?(client: string, windowMs: number): Promise<number>;
  /** Optional change feed; returns a function that unsubscribes. */
  subscribe?(listener: StoreChangeListener): () => void;
  /** Releases connections, watchers and timers. */
  close(): Promise<void>;
}

/** The authenticated caller, as adapters expose it (`req.vectorcache`). */
export interface Principal {
  keyId: string;
  projectId: string;
  name: string;
  /** `vc_1234` */
  prefix: string;
  /** Frozen at run time. */
  scopes: readonly string[];
}

/** Why a request was refused. */
export type RejectReason =
  | 'missing'
  | 'malformed'
  | 'invalid_format'
  | 'unknown'
  | 'revoked'
  | 'expired'
  | 'wrong_project'
  | 'insufficient_scope'
  | 'store_unavailable'
  | 'rate_limited';

/** How several required scopes combine: every one of them (`all`) or at least one (`any`). */
export type ScopeMode = 'all' | 'any';

/** Response headers of a refusal, lower-case names. */
export interface AuthHeaders {
  'content-type': 'application/json';
  'www-authenticate'?: string;
  'retry-after'?: string;
}

/**
 * A ready HTTP answer, the one shape every part of core, the adapters and the management API
 * hand over: status, the exact body text to send, and headers.
 */
export interface HttpAnswer {
  status: number;
  body: string;
  headers: Readonly<Record<string, string>>;
}

/** A refusal, ready to send: status, exact JSON body text and headers. */
export interface AuthFailure extends HttpAnswer {
  ok: false;
  status: 401 | 403 | 429 | 503;
  /** The exact JSON text to send, e.g. `{"detail":"Invalid or missing API key"}`. */
  body: string;
  headers: Readonly<AuthHeaders>;
  reason: RejectReason;
}

/** A successful verification. */
export interface AuthSuccess {
  ok: true;
  principal: Principal;
}

/** The result of {@link Verifier.verify}. An invalid key is a result, never an exception. */
export type VerifyResult = AuthSuccess | AuthFailure;

/** What a route requires of a key. */
export interface VerifyRequirements {
  /** The project the key must belong to. */
  projectId?: string;
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
 * - `hook_error`: a hook of the options failed or answered something unsendable (reported once
 *   per distinct mistake).
 */
export interface AuthEvent {
  type: AuthEventType;
  reason?: RejectReason;
  keyId?: string;
  /** Display prefix of the presented key (`vc_1234`), when it was of key format. */
  prefix?: string;
  projectId?: string;
  /** For `hook_error`: the hook at fault. */
  hook?: 'onFailure';
  /** For `hook_error`: what was wrong and what was done instead; never the request's data. */
  detail?: string;
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
  | 'feed_restored';

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

/** Options of {@link createKeyManager}. */
export interface KeyManagerOptions {
  store: KeyStore;
  pepper?: string;
  /**
   * The service's scope vocabulary: `create` and `update` refuse (`invalid_scope`) any scope asked
   * for outside it, so a typo such as `cache:raed` fails at once instead of making a key that
   * fails later. `*`, and `resource:*` of a resource with a listed scope, count as inside; a key created
   * without scopes still gets the default ones. @default undefined (any valid scope)
   */
  allowedScopes?: readonly string[];
  /** @default Date.now */
  now?: () => number;
  /**
   * Called when the audit entry of an action that took place could not be written (the action
   * stands: a new key is still returned, a revocation still holds). @default ignore
   */
  onAuditError?: (error: unknown) => void;
}

/** Input of {@link KeyManager.create}. */
export interface CreateKeyInput {
  projectId: string;
  name: string;
  /** @default ['cache:*', 'analytics:read'] */
  scopes?: readonly string[];
  /** A `Date`, an ISO-8601 string or epoch milliseconds; `null` or absent means never. */
  expiresAt?: Date | string | number | null;
}

/** A key as issued: the plaintext (shown once) and its record. */
export interface IssuedKey {
  key: string;
  record: ApiKeyRecord;
}

/** Who performed a management action: the calling key (management API), or `null` (CLI, code). */
export type AuditActor = { keyId: string; prefix: string } | null;

/** Options of the key manager's actions that change a key. */
export interface KeyActionOptions {
  /** Recorded in the project's audit list. @default null */
  actor?: AuditActor;
}

/** Changes of {@link KeyManager.update}; absent fields stay as they are. */
export interface UpdateKeyInput {
  name?: string;
  /** The new scope list (replaces the old one). Narrowing it takes effect on every instance. */
  scopes?: readonly string[];
}

/** Creates, lists, updates, revokes and rotates keys; every change is audited. */
export interface KeyManager {
  create(input: CreateKeyInput, options?: KeyActionOptions): Promise<IssuedKey>;
  list(filter?: { projectId?: string }): Promise<ApiKeyRecord[]>;
  get(id: string): Promise<ApiKeyRecord | null>;
  update(id: string, changes: UpdateKeyInput, options?: KeyActionOptions): Promise<ApiKeyRecord>;
  revoke(id: string, options?: KeyActionOptions): Promise<ApiKeyRecord>;
  rotate(id: string, options?: { gracePeriodMs?: number } & KeyActionOptions): Promise<IssuedKey>;
}

/** A record as the management API and the CLI show it: everything but the `hash`. */
export type PublicKeyRecord = Omit<ApiKeyRecord, 'hash'>;
