import type { ApiKeyRecord, KeyMeta, KeyStore } from '../store-types';

/* The key manager: its options, inputs and answers. */

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
   * How old an active key may grow before records say `rotationDue: true`: a duration (`"90d"`,
   * at least `"1s"`) or milliseconds. The seed's "rotate keys regularly", made visible.
   * @default "90d"
   */
  rotationPeriod?: string | number;
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
  /** The environment the key is for (`[a-z0-9_-]{1,32}`); `null` or absent: any. */
  environment?: string | null;
  /** The application's own user or customer id (1..128 printable characters). */
  ownerId?: string | null;
  /** Flat metadata: string, number and boolean values, at most 2,048 bytes as compact JSON. */
  meta?: KeyMeta | null;
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
  /** The new environment; `null` clears it. */
  environment?: string | null;
  /** The new owner id; `null` clears it. */
  ownerId?: string | null;
  /** The new metadata, replacing the old whole; `null` clears it. */
  meta?: KeyMeta | null;
}

/** What {@link KeyManager.list} may narrow the list to. */
export interface KeyListFilter {
  projectId?: string;
  /** Keys of this environment only. */
  environment?: string;
  /** Keys of this owner only. */
  ownerId?: string;
}

/** Creates, lists, updates, revokes and rotates keys; every change is audited. */
export interface KeyManager {
  create(input: CreateKeyInput, options?: KeyActionOptions): Promise<IssuedKey>;
  list(filter?: KeyListFilter): Promise<ApiKeyRecord[]>;
  get(id: string): Promise<ApiKeyRecord | null>;
  update(id: string, changes: UpdateKeyInput, options?: KeyActionOptions): Promise<ApiKeyRecord>;
  revoke(id: string, options?: KeyActionOptions): Promise<ApiKeyRecord>;
  rotate(id: string, options?: { gracePeriodMs?: number } & KeyActionOptions): Promise<IssuedKey>;
}

/** A record as the management API and the CLI show it: everything but the `hash`. */
export type PublicKeyRecord = Omit<ApiKeyRecord, 'hash'>;
