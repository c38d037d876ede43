import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createVerifierFromEnv, pepperFromEnv, projectIdFromEnv, storeFromEnv } from '../src/env';
import { createKeyManager } from '../src/key-manager';
import { FileKeyStore } from '../src/stores/file-store';

describe('zero configuration', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vc-env-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('defaults to the file store at .vectorcache/keys.json in the working directory', () => {
    const store = storeFromEnv({});
    expect(store).toBeInstanceOf(FileKeyStore);
    expect((store as FileKeyStore).path).toBe(resolve('.vectorcache/keys.json'));
  });

  it('uses VECTORCACHE_KEYS_FILE', () => {
    const store = storeFromEnv({ VECTORCACHE_KEYS_FILE: join(dir, 'k.json') });
    expect((store as FileKeyStore).path).toBe(join(dir, 'k.json'));
  });

  it('reads the pepper and the project', () => {
    expect(pepperFromEnv({ VECTORCACHE_KEY_PEPPER: 'p' })).toBe('p');
    expect(pepperFromEnv({})).toBeUndefined();
    expect(projectIdFromEnv({ VECTORCACHE_PROJECT_ID: ' proj ' })).toBe('proj');
    expect(projectIdFromEnv({ VECTORCACHE_PROJECT_ID: '' })).toBeUndefined();
  });

  it('a key created with the environment is accepted by a verifier built from it, pepper included', async () => {
    const env = { VECTORCACHE_KEYS_FILE: join(dir, 'k.json'), VECTORCACHE_KEY_PEPPER: 'pep' };
    const store = storeFromEnv(env);
    const { key } = await createKeyManager({ store, pepper: pepperFromEnv(env) }).create({
      projectId: 'p',
      name: 'n',
    });
    await store.close();
    const verifier = createVerifierFromEnv({ env });
    expect((await verifier.verify(`Bearer ${key}`)).ok).toBe(true);
    await verifier.close();
    const unpeppered = createVerifierFromEnv({
      env: { VECTORCACHE_KEYS_FILE: env.VECTORCACHE_KEYS_FILE },
    });
    expect((await unpeppered.verify(`Bearer ${key}`)).ok).toBe(false);
    await unpeppered.close();
  });
});
