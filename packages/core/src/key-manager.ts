import { VectorcacheAuthError } from './errors';
import { generateApiKey, generateKeyId, hashApiKey, keyPrefix } from './key-format';
import { normaliseExpiry, withStatus } from './records';
import { DEFAULT_SCOPES, validateScopes } from './scopes';
import type {
  ApiKeyRecord,
  CreateKeyInput,
  IssuedKey,
  KeyManager,
  KeyManagerOptions,
  KeyStore,
  StoredKeyRecord,
} from './types';

function requireText(value: unknown, field: string, example: string): string {
  if (typeof value !== 'string' || value.trim().length === 0) {
    throw new VectorcacheAuthError(
      'invalid_input',
      `${field} must be a non-empty string, e.g. ${example}.`,
    );
  }
  return value;
}

function assertStore(store: unknown): asserts store is KeyStore {
  const s = store as Partial<KeyStore> | undefined;
  if (!s || typeof s.findByHash !== 'function' || typeof s.insert !== 'function') {
    throw new VectorcacheAuthError(
      'invalid_option',
      'A key store is required, e.g. { store: new SqliteKeyStore({ path: ".vectorcache/keys.db" }) }.',
    );
  }
}

/**
 * Creates the key manager: create (the plaintext key is returned once), list, get, revoke and
 * rotate keys. Only hashes reach the store.
 * @example
 * const keys = createKeyManager({ store: new MemoryKeyStore() });
 * const { key, record } = await keys.create({ projectId: 'proj_1', name: 'ci' });
 */
export function createKeyManager(options: KeyManagerOptions): KeyManager {
  assertStore(options?.store);
  const { store, pepper } = options;
  const now = options.now ?? Date.now;

  async function issue(fields: {
    projectId: string;
    name: string;
    scopes: string[];
    expiresAt: string | null;
  }): Promise<IssuedKey> {
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
    await store.insert(record);
    return { key, record: withStatus(record, now()) };
  }

  async function existing(id: string): Promise<StoredKeyRecord> {
    const record = typeof id === 'string' ? await store.get(id) : null;
    if (!record) {
      throw new VectorcacheAuthError(
        'key_not_found',
        `No key with id ${JSON.stringify(id)}; list the keys to find its id.`,
      );
    }
    return record;
  }

  async function updated(
    id: string,
    patch: Parameters<KeyStore['update']>[1],
  ): Promise<ApiKeyRecord> {
    const record = await store.update(id, patch);
    if (!record) {
      throw new VectorcacheAuthError('key_not_found', `No key with id ${JSON.stringify(id)}.`);
    }
    return withStatus(record, now());
  }

  return {
    async create(input: CreateKeyInput): Promise<IssuedKey> {
      const projectId = requireText(input?.projectId, 'projectId', '"proj_123"');
      const name = requireText(input.name, 'name', '"production backend"');
      const scopes = validateScopes(input.scopes ?? DEFAULT_SCOPES);
      const expiresAt = normaliseExpiry(input.expiresAt);
      return issue({ projectId, name, scopes, expiresAt });
    },

    async list(filter?: { projectId?: string }): Promise<ApiKeyRecord[]> {
      const at = now();
      return (await store.list(filter)).map((record) => withStatus(record, at));
    },

    async get(id: string): Promise<ApiKeyRecord | null> {
      const record = await store.get(id);
      return record ? withStatus(record, now()) : null;
    },

    async revoke(id: string): Promise<ApiKeyRecord> {
      const record = await existing(id);
      if (record.revokedAt !== null) return withStatus(record, now());
      return updated(id, { revokedAt: new Date(now()).toISOString() });
    },

    async rotate(id: string, rotateOptions: { gracePeriodMs?: number } = {}): Promise<IssuedKey> {
      const grace = rotateOptions.gracePeriodMs ?? 0;
      if (typeof grace !== 'number' || !Number.isFinite(grace) || grace < 0) {
        throw new VectorcacheAuthError(
          'invalid_input',
          'gracePeriodMs must be a number of milliseconds >= 0, e.g. 86400000 for a day.',
        );
      }
      const old = await existing(id);
      if (withStatus(old, now()).status !== 'active') {
        throw new VectorcacheAuthError(
          'key_not_active',
          `Key ${id} is already revoked or expired; create a new key instead of rotating it.`,
        );
      }
      const issued = await issue({
        projectId: old.projectId,
        name: old.name,
        scopes: [...old.scopes],
        expiresAt: old.expiresAt,
      });
      if (grace > 0) {
        const graceEnd = now() + grace;
        const current = old.expiresAt === null ? Infinity : Date.parse(old.expiresAt);
        if (graceEnd < current) await updated(id, { expiresAt: new Date(graceEnd).toISOString() });
      } else {
        await updated(id, { revokedAt: new Date(now()).toISOString() });
      }
      return issued;
    },
  };
}
