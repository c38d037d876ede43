import { VectorcacheAuthError } from '../errors';
import {
  generateApiKey,
  generateKeyId,
  hashApiKey,
  keyPrefix,
  looksLikeApiKey,
} from './key-format';
import { normaliseExpiry, withStatus } from './records';
import {
  DEFAULT_SCOPES,
  checkScopeVocabulary,
  validateScopeVocabulary,
  validateScopes,
} from '../scopes';
import type {
  ApiKeyRecord,
  CreateKeyInput,
  IssuedKey,
  KeyActionOptions,
  KeyListFilter,
  KeyManager,
  KeyManagerOptions,
  KeyRecordPatch,
  StoredKeyRecord,
  UpdateKeyInput,
  Verifier,
} from '../types';
import { insertReplacing } from './rotation';
import { replaceRefused } from '../stores/replacing';
import {
  resolveRotationPeriod,
  validateEnvironment,
  validateMeta,
  validateOwnerId,
} from './key-metadata';
import { verifierStore } from '../verify/core-verifier';
import { createAuditWriter } from './key-audit';
import {
  actorOf,
  assertStore,
  quoteId,
  refuseKeyShaped,
  requireText,
  validateKeyName,
} from './key-input';

export { validateKeyName } from './key-input';

/**
 * Creates the key manager: create (the plaintext key is returned once), list, get, revoke and
 * rotate keys. Only hashes reach the store.
 * @example
 * const keys = createKeyManager({ store: new MemoryKeyStore() });
 * const { key, record } = await keys.create({ projectId: 'proj_1', name: 'ci' });
 */
export function createKeyManager(options: KeyManagerOptions): KeyManager {
  assertStore(options?.store);
  const { store, pepper, onAuditError } = options;
  const now = options.now ?? Date.now;
  const rotationPeriodMs = resolveRotationPeriod(options.rotationPeriod);
  const view = (record: StoredKeyRecord, at = now()): ApiKeyRecord =>
    withStatus(record, at, rotationPeriodMs);
  const allowedScopes =
    options.allowedScopes === undefined
      ? undefined
      : validateScopeVocabulary(options.allowedScopes, 'allowedScopes');

  const audit = createAuditWriter(store, now, onAuditError);

  /** Creates a key; with `replacing`, a rotation: the old record is patched in the same write. */
  async function issue(
    fields: Pick<
      StoredKeyRecord,
      'projectId' | 'name' | 'scopes' | 'expiresAt' | 'environment' | 'ownerId' | 'meta'
    >,
    replacing?: { id: string; patch: KeyRecordPatch },
  ): Promise<IssuedKey> {
    const key = generateApiKey();
    const record: StoredKeyRecord = {
      id: generateKeyId(),
      projectId: fields.projectId,
      name: fields.name,
      prefix: keyPrefix(key),
      hash: hashApiKey(key, { pepper }),
      scopes: fields.scopes,
      createdAt: new Date(now()).toISOString(),
      lastUsedAt: null,
      requestCount: 0,
      revokedAt: null,
      expiresAt: fields.expiresAt,
    };
    // Unset fields stay absent, so a store written before them keeps its records as they were.
    if (fields.environment != null) record.environment = fields.environment;
    if (fields.ownerId != null) record.ownerId = fields.ownerId;
    if (fields.meta != null) record.meta = fields.meta;
    if (replacing) {
      record.rotatedFrom = replacing.id;
      await insertReplacing(
        store,
        record,
        { ...replacing.patch, rotatedTo: record.id },
        replacing.id,
      );
    } else await store.insert(record);
    return { key, record: view(record) };
  }

  /** The stored record of `id`; an id shaped like a key is never sent to the store. */
  async function find(id: string): Promise<StoredKeyRecord | null> {
    if (typeof id !== 'string' || looksLikeApiKey(id)) return null;
    return store.get(id);
  }

  async function existing(id: string): Promise<StoredKeyRecord> {
    const record = await find(id);
    if (!record) {
      if (looksLikeApiKey(id)) {
        throw new VectorcacheAuthError(
          'key_not_found',
          'The id given looks like an API key (vc_...), not a key id (key_...); it was not looked up. Give the key id that list shows.',
        );
      }
      throw new VectorcacheAuthError(
        'key_not_found',
        `No key with id ${quoteId(id)}; list the keys to find its id.`,
      );
    }
    return record;
  }

  async function updated(id: string, patch: KeyRecordPatch): Promise<ApiKeyRecord> {
    const record = await store.update(id, patch);
    if (!record) {
      throw new VectorcacheAuthError('key_not_found', `No key with id ${quoteId(id)}.`);
    }
    return view(record);
  }

  return {
    async create(input: CreateKeyInput, actionOptions?: KeyActionOptions): Promise<IssuedKey> {
      const projectId = requireText(input?.projectId, 'projectId', '"proj_123"');
      const name = validateKeyName(input.name);
      const scopes = validateScopes(input.scopes ?? DEFAULT_SCOPES);
      // The default scopes are the product's own; only scopes asked for are held to the vocabulary.
      if (input.scopes !== undefined) checkScopeVocabulary(scopes, allowedScopes);
      const expiresAt = normaliseExpiry(input.expiresAt);
      const environment = validateEnvironment(input.environment ?? null);
      const ownerId = validateOwnerId(input.ownerId ?? null);
      const meta = validateMeta(input.meta ?? null);
      const issued = await issue({
        projectId,
        name,
        scopes,
        expiresAt,
        environment,
        ownerId,
        meta,
      });
      await audit('key.created', issued.record, actorOf(actionOptions));
      return issued;
    },

    async update(
      id: string,
      changes: UpdateKeyInput,
      actionOptions?: KeyActionOptions,
    ): Promise<ApiKeyRecord> {
      if (typeof changes !== 'object' || changes === null) {
        throw new VectorcacheAuthError(
          'invalid_input',
          'update(id, changes) takes an object such as { name: "backend" } or { scopes: ["cache:read"] }.',
        );
      }
      const patch: KeyRecordPatch = {};
      if (changes.name !== undefined) patch.name = validateKeyName(changes.name);
      if (changes.scopes !== undefined) {
        patch.scopes = validateScopes(changes.scopes);
        checkScopeVocabulary(patch.scopes, allowedScopes);
      }
      if (changes.environment !== undefined) {
        patch.environment = validateEnvironment(changes.environment);
      }
      if (changes.ownerId !== undefined) patch.ownerId = validateOwnerId(changes.ownerId);
      if (changes.meta !== undefined) patch.meta = validateMeta(changes.meta);
      const current = await existing(id);
      const same =
        (patch.name === undefined || patch.name === current.name) &&
        (patch.scopes === undefined ||
          (patch.scopes.length === current.scopes.length &&
            patch.scopes.every((scope, i) => scope === current.scopes[i]))) &&
        (patch.environment === undefined || patch.environment === (current.environment ?? null)) &&
        (patch.ownerId === undefined || patch.ownerId === (current.ownerId ?? null)) &&
        (patch.meta === undefined ||
          JSON.stringify(patch.meta) === JSON.stringify(current.meta ?? null));
      if (same) return view(current);
      // The store publishes the change: every instance drops its cached copy (and wider scopes).
      const record = await updated(id, patch);
      await audit('key.updated', record, actorOf(actionOptions));
      return record;
    },

    async list(filter: KeyListFilter = {}): Promise<ApiKeyRecord[]> {
      refuseKeyShaped(filter?.projectId, 'project id');
      refuseKeyShaped(filter?.ownerId, 'owner id');
      const { projectId, environment, ownerId } = filter ?? {};
      const at = now();
      const records = await store.list(projectId === undefined ? undefined : { projectId });
      return records
        .filter(
          (record) =>
            (environment === undefined || (record.environment ?? null) === environment) &&
            (ownerId === undefined || (record.ownerId ?? null) === ownerId),
        )
        .map((record) => view(record, at));
    },

    async get(id: string): Promise<ApiKeyRecord | null> {
      const record = await find(id);
      return record ? view(record) : null;
    },

    async revoke(id: string, actionOptions?: KeyActionOptions): Promise<ApiKeyRecord> {
      const record = await existing(id);
      // Again: written again, unchanged, so a store that waits for replicas confirms it is durable.
      if (record.revokedAt !== null) return updated(id, { revokedAt: record.revokedAt });
      const revoked = await updated(id, { revokedAt: new Date(now()).toISOString() });
      await audit('key.revoked', revoked, actorOf(actionOptions));
      return revoked;
    },

    async rotate(
      id: string,
      rotateOptions: { gracePeriodMs?: number } & KeyActionOptions = {},
    ): Promise<IssuedKey> {
      const grace = rotateOptions.gracePeriodMs ?? 0;
      if (typeof grace !== 'number' || !Number.isFinite(grace) || grace < 0) {
        throw new VectorcacheAuthError(
          'invalid_input',
          'gracePeriodMs must be a number of milliseconds >= 0, e.g. 86400000 for a day.',
        );
      }
      const old = await existing(id);
      if (old.rotatedTo) throw replaceRefused(id, 'rotated');
      if (view(old).status !== 'active') {
        throw new VectorcacheAuthError(
          'key_not_active',
          `Key ${id} is already revoked or expired; create a new key instead of rotating it.`,
        );
      }
      // The old key's end and the links both ways, written with the new key: either the rotation
      // is complete or no new key exists (its plaintext would never be shown).
      const patch: KeyRecordPatch = {};
      if (grace > 0) {
        const graceEnd = now() + grace;
        const current = old.expiresAt === null ? Infinity : Date.parse(old.expiresAt);
        if (graceEnd < current) patch.expiresAt = new Date(graceEnd).toISOString();
      } else {
        patch.revokedAt = new Date(now()).toISOString();
      }
      const { projectId, name, expiresAt, environment, ownerId, meta } = old;
      const issued = await issue(
        { projectId, name, scopes: [...old.scopes], expiresAt, environment, ownerId, meta },
        { id, patch },
      );
      await audit('key.rotated', old, actorOf(rotateOptions));
      return issued;
    },
  };
}

/**
 * A key manager on a verifier's own store, pepper and clock, so the keys it creates verify there
 * at once and its revocations reach the verifier's caches through the store's change feed.
 * @example
 * const verifier = createVerifierFromEnv();
 * const keys = createKeyManagerFor(verifier);
 */
export function createKeyManagerFor(
  verifier: Verifier,
  options: Pick<KeyManagerOptions, 'onAuditError' | 'rotationPeriod'> = {},
): KeyManager {
  const lent = verifierStore(verifier);
  if (!lent) {
    throw new VectorcacheAuthError(
      'invalid_option',
      '`verifier` must come from createVerifier(...) or createVerifierFromEnv(...).',
    );
  }
  return createKeyManager({
    ...options,
    store: lent.store,
    pepper: lent.pepper,
    now: lent.now,
    allowedScopes: lent.allowedScopes,
  });
}
