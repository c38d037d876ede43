import type { UsageEntry, UsageQuery, UsageRow } from './usage/usage-types';

/* Key records, the audit list, change notices and the `KeyStore` interface every store implements. */

/** Derived state of a key record. */
export type KeyStatus = 'active' | 'revoked' | 'expired';

/**
 * A key's own metadata: a flat JSON object of string, number and boolean values, at most 2,048
 * bytes as compact JSON. Never a key: a key-shaped value is refused.
 */
export type KeyMeta = Readonly<Record<string, string | number | boolean>>;

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
  /**
   * The environment the key is for (`[a-z0-9_-]{1,32}`); a server that declares another one
   * refuses it. Absent or `null`: any environment.
   */
  environment?: string | null;
  /** The application's own user or customer id the key belongs to (1..128 printable characters). */
  ownerId?: string | null;
  /** The key's own metadata; replaced whole by an update. */
  meta?: KeyMeta | null;
}

/**
 * A key record as the key manager returns it: the stored fields (environment, owner and metadata
 * always present, `null` when unset) plus the derived `status` and `rotationDue`.
 */
export interface ApiKeyRecord extends StoredKeyRecord {
  environment: string | null;
  ownerId: string | null;
  meta: KeyMeta | null;
  status: KeyStatus;
  /** The key is active and older than the key manager's `rotationPeriod` (default 90 days). */
  rotationDue: boolean;
}

/** The fields of a record that may change after creation. */
export type KeyRecordPatch = Partial<
  Pick<
    StoredKeyRecord,
    'name' | 'scopes' | 'revokedAt' | 'expiresAt' | 'rotatedTo' | 'environment' | 'ownerId' | 'meta'
  >
>;

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
  | { type: 'changed'; id: string; hash: string }
  | {
      type: 'feed_lost';
      /**
       * The feed has not been up yet (a subscription still being made at start): distrusted the
       * same, but not reported as a loss, nor its first `feed_restored` as a return.
       */
      connecting?: boolean;
    }
  | { type: 'feed_restored' };

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
   * both writes happen or neither does, and neither happens when that record is gone, already
   * rotated or revoked (`replaceRefused` of `@vectorcache/auth-core/adapter` says which), so
   * of concurrent rotations of one key exactly one wins.
   */
  insert(record: StoredKeyRecord, replacing?: { id: string; patch: KeyRecordPatch }): Promise<void>;
  /**
   * `true` when `insert` applies `replacing` in the same atomic operation. A store that does not
   * declare it (written before `replacing` existed) gets a rotation as two writes: the new record
   * first, revoked again if the patch of the old one fails.
   */
  readonly replacesAtomically?: boolean;
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
