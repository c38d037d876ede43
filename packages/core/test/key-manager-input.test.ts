import { allowedScopesFromEnv, createVerifierFromEnv } from '../src/config/env';
import { VectorcacheAuthError } from '../src/errors';
import { looksLikeApiKey, redactApiKeys } from '../src/keys/key-format';
import { createKeyManager, createKeyManagerFor } from '../src/keys/key-manager';
import { scopesOutside } from '../src/scopes';
import { MemoryKeyStore } from '../src/stores/memory-store';
import type { KeyStore } from '../src/types';

const KEY = 'vc_0123456789abcdef0123456789abcdef';

/** A memory store that records every id, project and name it is asked about. */
class WatchedStore extends MemoryKeyStore {
  readonly seen: string[] = [];

  override async get(id: string) {
    this.seen.push(id);
    return super.get(id);
  }

  override async update(id: string, patch: Parameters<KeyStore['update']>[1]) {
    this.seen.push(id);
    return super.update(id, patch);
  }

  override async list(filter?: { projectId?: string }) {
    if (filter?.projectId !== undefined) this.seen.push(filter.projectId);
    return super.list(filter);
  }
}

async function failure(work: Promise<unknown>): Promise<VectorcacheAuthError> {
  const error = await work.then(
    () => {
      throw new Error('expected a refusal');
    },
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(VectorcacheAuthError);
  return error as VectorcacheAuthError;
}

describe('key-shaped input', () => {
  it('recognises keys and most of one in any case, and redacts them', () => {
    expect(looksLikeApiKey(KEY)).toBe(true);
    expect(looksLikeApiKey(KEY.toUpperCase())).toBe(true);
    expect(looksLikeApiKey(`id ${KEY.slice(0, 19)}`)).toBe(true);
    expect(looksLikeApiKey('vc_1234')).toBe(false);
    expect(looksLikeApiKey('key_0123456789abcdef01234567')).toBe(false);
    expect(redactApiKeys(`a ${KEY} b ${KEY.toUpperCase()}`)).toBe(
      'a vc_[redacted] b vc_[redacted]',
    );
  });

  it('never sends a key-shaped id or project to the store, nor quotes it', async () => {
    const store = new WatchedStore();
    const keys = createKeyManager({ store });
    const { key } = await keys.create({ projectId: 'p', name: 'n' });
    for (const given of [key, key.toUpperCase(), key.slice(0, 24)]) {
      expect(await keys.get(given)).toBeNull();
      for (const work of [
        keys.revoke(given),
        keys.rotate(given),
        keys.update(given, { name: 'x' }),
      ]) {
        const err = await failure(work);
        expect(err.code).toBe('key_not_found');
        expect(err.message).toMatch(/looks like an API key/);
        expect(err.message.toLowerCase()).not.toContain(given.slice(3, 20).toLowerCase());
      }
      const listed = await failure(keys.list({ projectId: given }));
      expect(listed.code).toBe('invalid_input');
      for (const input of [
        { projectId: given, name: 'n' },
        { projectId: 'p', name: `copy of ${given}` },
      ]) {
        const created = await failure(keys.create(input));
        expect(created.message.toLowerCase()).not.toContain(given.slice(3, 20).toLowerCase());
      }
    }
    expect(store.seen.join(' ').toLowerCase()).not.toContain(key.slice(3, 20));
    // An unknown id that is not key-shaped is still quoted, so a typo can be seen.
    expect((await failure(keys.revoke('key_nope'))).message).toContain('"key_nope"');
  });
});

describe('rotation links', () => {
  it('records rotatedFrom on the new key and rotatedTo on the old one, grace or not', async () => {
    const keys = createKeyManager({ store: new MemoryKeyStore() });
    const first = await keys.create({ projectId: 'p', name: 'n' });
    const second = await keys.rotate(first.record.id, { gracePeriodMs: 60_000 });
    const third = await keys.rotate(second.record.id);
    expect(second.record.rotatedFrom).toBe(first.record.id);
    expect(await keys.get(first.record.id)).toMatchObject({
      rotatedTo: second.record.id,
      status: 'active',
    });
    expect(await keys.get(second.record.id)).toMatchObject({
      rotatedFrom: first.record.id,
      rotatedTo: third.record.id,
      status: 'revoked',
    });
    expect((await keys.get(third.record.id))?.rotatedTo).toBeUndefined();
  });
});

describe('scope vocabulary', () => {
  const vocabulary = ['cache:read', 'cache:write', 'analytics:read'];

  it('counts listed scopes, * and resource:* of a listed resource as inside', () => {
    expect(
      scopesOutside(
        ['cache:read', 'cache:*', '*', 'cache:raed', 'keys:*', 'keys:manage'],
        vocabulary,
      ),
    ).toEqual(['cache:raed', 'keys:*', 'keys:manage']);
  });

  it('refuses scopes outside it at creation and update, quoting the first', async () => {
    const keys = createKeyManager({ store: new MemoryKeyStore(), allowedScopes: vocabulary });
    const refused = await failure(
      keys.create({ projectId: 'p', name: 'n', scopes: ['cache:read', 'cache:raed'] }),
    );
    expect(refused.code).toBe('invalid_scope');
    expect(refused.message).toMatch(/^Scope "cache:raed" is not one of this service's scopes/);
    expect(refused.message).toContain('(cache:read, cache:write, analytics:read)');
    const { record } = await keys.create({ projectId: 'p', name: 'n', scopes: ['cache:*'] });
    // The default scopes stay the product's own.
    expect((await keys.create({ projectId: 'p', name: 'd' })).record.scopes).toEqual([
      'cache:*',
      'analytics:read',
    ]);
    expect((await failure(keys.update(record.id, { scopes: ['keys:manage'] }))).code).toBe(
      'invalid_scope',
    );
    expect(() =>
      createKeyManager({ store: new MemoryKeyStore(), allowedScopes: ['Cache'] }),
    ).toThrow(/allowedScopes holds an invalid scope "Cache"/);
    expect(() => createKeyManager({ store: new MemoryKeyStore(), allowedScopes: [] })).toThrow(
      /^allowedScopes must list the scopes keys may be given/,
    );
  });

  it('comes from VECTORCACHE_SCOPES through the verifier to its key managers', async () => {
    expect(allowedScopesFromEnv({})).toBeUndefined();
    expect(allowedScopesFromEnv({ VECTORCACHE_SCOPES: ' cache:read, cache:write ,' })).toEqual([
      'cache:read',
      'cache:write',
    ]);
    expect(() => allowedScopesFromEnv({ VECTORCACHE_SCOPES: 'cache:read,Cache:Write' })).toThrow(
      /VECTORCACHE_SCOPES holds an invalid scope "Cache:Write"/,
    );
    const verifier = createVerifierFromEnv({
      store: new MemoryKeyStore(),
      env: { VECTORCACHE_SCOPES: 'cache:read' },
    });
    const keys = createKeyManagerFor(verifier);
    expect(
      (await failure(keys.create({ projectId: 'p', name: 'n', scopes: ['cache:write'] }))).code,
    ).toBe('invalid_scope');
    await verifier.close();
  });
});
