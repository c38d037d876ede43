import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  createVerifierFromEnv,
  debugLoggerFromEnv,
  describeStore,
  pepperFromEnv,
  projectIdFromEnv,
  storeFromEnv,
} from '../src/config/env';
import { MemoryKeyStore } from '../src/stores/memory-store';
import { createKeyManager, createKeyManagerFor } from '../src/keys/key-manager';
import { verifierStore } from '../src/verify/core-verifier';
import { SqliteKeyStore } from '../src/stores/sqlite-store';
import { stderrOf } from '../../../test-utils/stderr';

describe('zero configuration', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vc-env-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('defaults to the SQLite store at .vectorcache/keys.db in the working directory', async () => {
    const store = storeFromEnv({});
    expect(store).toBeInstanceOf(SqliteKeyStore);
    expect((store as SqliteKeyStore).path).toBe(resolve('.vectorcache/keys.db'));
    await store.close();
    expect(describeStore({})).toBe(`SQLite key database ${resolve('.vectorcache/keys.db')}`);
  });

  it('uses VECTORCACHE_KEYS_FILE', async () => {
    const store = storeFromEnv({ VECTORCACHE_KEYS_FILE: join(dir, 'k.db') });
    expect((store as SqliteKeyStore).path).toBe(join(dir, 'k.db'));
    await store.close();
    expect(describeStore({ VECTORCACHE_KEYS_FILE: join(dir, 'k.db') })).toBe(
      `SQLite key database ${join(dir, 'k.db')}`,
    );
  });

  it('a database at .vectorcache/keys.db imports the keys.json of an earlier version beside it', async () => {
    const record = {
      id: 'key_00000000000000000000000a',
      projectId: 'p',
      name: 'legacy',
      prefix: 'vc_aaaa',
      hash: 'a'.repeat(64),
      scopes: ['cache:read'],
      createdAt: '2025-01-01T00:00:00.000Z',
      lastUsedAt: null,
      requestCount: 3,
      revokedAt: null,
      expiresAt: null,
    };
    const legacyText = JSON.stringify({ version: 1, keys: [record] });
    for (const folder of ['.vectorcache', 'elsewhere']) {
      await mkdir(join(dir, folder));
      await writeFile(join(dir, folder, 'keys.json'), legacyText);
      const store = storeFromEnv({ VECTORCACHE_KEYS_FILE: join(dir, folder, 'keys.db') });
      expect({ folder, records: await store.list() }).toEqual({
        folder,
        records: folder === '.vectorcache' ? [record] : [],
      });
      await store.close();
    }
    expect(await readdir(join(dir, '.vectorcache'))).toContain('keys.json.imported');
    expect(await readdir(join(dir, 'elsewhere'))).toEqual(['keys.json']);
  });

  it('names a Redis store by host and port, never by its credentials', () => {
    const env = { VECTORCACHE_REDIS_URL: 'redis://user:s3cret@10.0.0.7:6380/2' };
    expect(describeStore(env)).toBe('Redis at 10.0.0.7:6380');
    expect(describeStore({ ...env, VECTORCACHE_REDIS_PREFIX: 'app:' })).toBe(
      'Redis at 10.0.0.7:6380 (key prefix app:)',
    );
    expect(describeStore({ VECTORCACHE_REDIS_URL: 'not a url s3cret' })).not.toContain('s3cret');
    expect(describeStore({ VECTORCACHE_REDIS_CLUSTER: '10.0.0.1:7000, [::1]:7001' })).toBe(
      'Redis Cluster at 10.0.0.1:7000,[::1]:7001',
    );
    expect(describeStore({ VECTORCACHE_REDIS_CLUSTER: 'user:s3cret@host:1' })).not.toContain(
      's3cret',
    );
  });

  it('selects PostgreSQL with VECTORCACHE_DATABASE_URL, in VECTORCACHE_DATABASE_SCHEMA', async () => {
    const made: Array<{ connection: unknown; options: unknown }> = [];
    class FakePostgresStore extends MemoryKeyStore {
      constructor(connection: { connectionString: string }, options: { schema?: string }) {
        super();
        made.push({ connection, options });
      }
    }
    const url = 'postgresql://app:s3cret@db.internal:6432/keys';
    const store = storeFromEnv(
      { VECTORCACHE_DATABASE_URL: ` ${url} `, VECTORCACHE_DATABASE_SCHEMA: 'auth_prod' },
      { PostgresKeyStore: FakePostgresStore },
    );
    expect(store).toBeInstanceOf(FakePostgresStore);
    await store.close();
    storeFromEnv({ VECTORCACHE_DATABASE_URL: url }, { PostgresKeyStore: FakePostgresStore });
    expect(made).toEqual([
      { connection: { connectionString: url }, options: { schema: 'auth_prod' } },
      { connection: { connectionString: url }, options: { schema: 'vectorcache' } },
    ]);
    expect(describeStore({ VECTORCACHE_DATABASE_URL: url })).toBe(
      'PostgreSQL at db.internal:6432/keys (schema vectorcache)',
    );
    expect(describeStore({ VECTORCACHE_DATABASE_URL: 'postgres://x:s3cret@' })).not.toContain(
      's3cret',
    );
  });

  it('refuses VECTORCACHE_DATABASE_URL with a Redis variable, or of another scheme, naming the variables', () => {
    const url = 'postgres://postgres@127.0.0.1:5432/app';
    for (const redis of [
      { VECTORCACHE_REDIS_URL: 'redis://127.0.0.1:6379' },
      { VECTORCACHE_REDIS_CLUSTER: '127.0.0.1:7000' },
    ]) {
      const name = Object.keys(redis)[0]!;
      expect(() => storeFromEnv({ VECTORCACHE_DATABASE_URL: url, ...redis })).toThrow(
        expect.objectContaining({
          code: 'invalid_option',
          message: expect.stringMatching(
            new RegExp(`VECTORCACHE_DATABASE_URL and ${name} are set`),
          ),
        }),
      );
    }
    expect(() =>
      storeFromEnv({ VECTORCACHE_DATABASE_URL: 'mysql://root:s3cret@127.0.0.1/app' }),
    ).toThrow(/VECTORCACHE_DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/);
    try {
      storeFromEnv({ VECTORCACHE_DATABASE_URL: 'mysql://root:s3cret@127.0.0.1/app' });
    } catch (err) {
      expect((err as Error).message).not.toContain('s3cret');
    }
  });

  it('reads the pepper and the project', () => {
    expect(pepperFromEnv({ VECTORCACHE_KEY_PEPPER: 'p' })).toBe('p');
    expect(pepperFromEnv({})).toBeUndefined();
    expect(projectIdFromEnv({ VECTORCACHE_PROJECT_ID: ' proj ' })).toBe('proj');
    expect(projectIdFromEnv({ VECTORCACHE_PROJECT_ID: '' })).toBeUndefined();
  });

  it('a key created with the environment is accepted by a verifier built from it, pepper included', async () => {
    const env = { VECTORCACHE_KEYS_FILE: join(dir, 'k.db'), VECTORCACHE_KEY_PEPPER: 'pep' };
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

  it('close() closes the store the verifier built from the environment, never a store passed in', async () => {
    const env = { VECTORCACHE_KEYS_FILE: join(dir, 'k.db') };
    const owner = createVerifierFromEnv({ env });
    const { record } = await createKeyManagerFor(owner).create({ projectId: 'p', name: 'n' });
    const built = verifierStore(owner)!.store;
    await owner.close();
    await expect(built.get(record.id)).rejects.toMatchObject({ code: 'store_unavailable' });

    const store = storeFromEnv(env);
    const borrower = createVerifierFromEnv({ env, store });
    expect(verifierStore(borrower)!.store).toBe(store);
    await borrower.close();
    expect(await store.get(record.id)).toMatchObject({ id: record.id }); // still open
    await store.close();
  });
});

describe('a server on a key database that does not exist yet', () => {
  it('says so once on stderr, with the absolute path and why keys made elsewhere are refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vc-env-'));
    try {
      const fresh = join(dir, 'elsewhere', '.vectorcache', 'keys.db');
      const existing = join(dir, 'here.db');
      const seed = new SqliteKeyStore({ path: existing });
      await createKeyManager({ store: seed }).create({ projectId: 'p', name: 'seed' });
      await seed.close();

      const written = await stderrOf(async () => {
        for (const path of [fresh, fresh, existing, existing]) {
          const verifier = createVerifierFromEnv({ env: { VECTORCACHE_KEYS_FILE: path } });
          await verifier.verify(undefined);
          await verifier.close();
        }
      });
      const lines = written.split('\n').filter((line) => line !== '');
      expect(lines).toEqual([expect.stringContaining(`no key database at ${fresh} yet`)]);
      expect(lines[0]).toContain('keys made in another folder');
      expect(lines[0]).toContain('VECTORCACHE_KEYS_FILE');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('VECTORCACHE_DEBUG', () => {
  it('says once which store the environment selected (the absolute database path)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vc-env-'));
    const written: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const path = join(dir, 'k.db');
      const verifier = createVerifierFromEnv({
        env: { VECTORCACHE_DEBUG: '1', VECTORCACHE_KEYS_FILE: path },
      });
      await verifier.verify(undefined);
      await verifier.close();
      const quiet = createVerifierFromEnv({ env: { VECTORCACHE_KEYS_FILE: path } });
      await quiet.close();
      expect(written.filter((line) => line.includes('store'))).toEqual([
        `vectorcache auth: store SQLite key database ${path}\n`,
      ]);
    } finally {
      spy.mockRestore();
      await rm(dir, { recursive: true, force: true });
    }
  });

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
