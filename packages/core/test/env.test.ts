import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  createVerifierFromEnv,
  debugLoggerFromEnv,
  pepperFromEnv,
  projectIdFromEnv,
  storeFromEnv,
} from '../src/env';
import { MemoryKeyStore } from '../src/stores/memory-store';
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

describe('VECTORCACHE_DEBUG', () => {
  it('logs one line per decision with reason, id and prefix, never the key', async () => {
    expect(debugLoggerFromEnv({})).toBeUndefined();
    expect(debugLoggerFromEnv({ VECTORCACHE_DEBUG: '0' })).toBeUndefined();
    const lines: string[] = [];
    const store = new MemoryKeyStore();
    const { key, record } = await createKeyManager({ store }).create({ projectId: 'p', name: 'n' });
    const log = debugLoggerFromEnv({ VECTORCACHE_DEBUG: '1' }, (line) => lines.push(line));
    const verifier = createVerifierFromEnv({
      env: { VECTORCACHE_DEBUG: '1' },
      store,
      onEvent: log,
    });
    await verifier.verify(`Bearer ${key}`);
    // A near miss: the last hex digit changed (never equal to the key itself).
    await verifier.verify(`Bearer ${key.slice(0, -1)}${key.endsWith('0') ? '1' : '0'}`);
    await verifier.close();
    expect(lines.join('')).toContain(
      `vectorcache auth: verified key=${record.id} prefix=${record.prefix}... project=p`,
    );
    expect(lines.join('')).toContain('vectorcache auth: rejected reason=unknown');
    expect(lines.join('')).not.toMatch(/vc_[0-9a-f]{32}/);
  });
});
