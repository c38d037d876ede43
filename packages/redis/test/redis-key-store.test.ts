import { createHash, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { StoreChange, StoredKeyRecord } from '@vectorcache/auth-core';
import { createServer } from 'node:net';
import {
  createKeyManager,
  createVerifier,
  storeFromEnv,
  VectorcacheAuthError,
} from '@vectorcache/auth-core';
import { keyLayout, RedisKeyStore } from '@vectorcache/auth-redis';
import { describeRedis, redisUrl, uniquePrefix } from '../../../test-utils/redis';
import { deleteKeys, findPlaintextKeys, pollUntil } from './helpers';

function makeRecord(overrides: Partial<StoredKeyRecord> = {}): StoredKeyRecord {
  const key = `vc_${randomBytes(16).toString('hex')}`;
  return {
    id: `key_${randomBytes(12).toString('hex')}`,
    projectId: 'proj_a',
    name: 'test key',
    prefix: key.slice(0, 7),
    hash: createHash('sha256').update(key).digest('hex'),
    scopes: ['cache:*', 'analytics:read'],
    createdAt: new Date().toISOString(),
    lastUsedAt: null,
    requestCount: 0,
    revokedAt: null,
    expiresAt: null,
    ...overrides,
  };
}

/** A port nothing listens on (taken from the OS, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
    });
  });
}

describeRedis('RedisKeyStore against a real Redis', () => {
  const prefix = uniquePrefix('redis-store');
  const layout = keyLayout(prefix);
  let admin: Redis;
  let store: RedisKeyStore;

  beforeAll(() => {
    admin = new Redis(redisUrl, { lazyConnect: false });
    store = new RedisKeyStore({ url: redisUrl }, { keyPrefix: prefix });
  });

  afterAll(async () => {
    await store.close();
    await deleteKeys(admin, `${prefix}*`);
    await admin.quit();
  });

  describe('store contract', () => {
    it('inserts a record and finds it by hash and by id, exactly shaped', async () => {
      const record = makeRecord({ expiresAt: '2099-01-01T00:00:00.000Z' });
      await store.insert(record);
      expect(await store.findByHash(record.hash)).toStrictEqual(record);
      expect(await store.get(record.id)).toStrictEqual(record);
      expect(await store.findByHash('0'.repeat(64))).toBeNull();
      expect(await store.get('key_000000000000000000000000')).toBeNull();
    });

    it('works right after construction, before the connection is up', async () => {
      const fresh = new RedisKeyStore({ url: redisUrl }, { keyPrefix: prefix });
      try {
        const record = makeRecord();
        await fresh.insert(record);
        expect(await fresh.findByHash(record.hash)).toStrictEqual(record);
      } finally {
        await fresh.close();
      }
    });

    it('rejects a duplicate id or hash with duplicate_key and leaves the first intact', async () => {
      const record = makeRecord();
      await store.insert(record);
      await expect(store.insert({ ...makeRecord(), id: record.id })).rejects.toMatchObject({
        code: 'duplicate_key',
      });
      await expect(
        store.insert({ ...makeRecord(), hash: record.hash, projectId: 'other' }),
      ).rejects.toBeInstanceOf(VectorcacheAuthError);
      expect(await store.get(record.id)).toStrictEqual(record);
      expect(await store.list({ projectId: 'other' })).toEqual([]);
    });

    it('lists every record or one project, oldest first', async () => {
      const project = `proj_${randomBytes(4).toString('hex')}`;
      const first = makeRecord({ projectId: project, createdAt: '2024-01-01T00:00:00.000Z' });
      const second = makeRecord({ projectId: project, createdAt: '2024-02-01T00:00:00.000Z' });
      const elsewhere = makeRecord({ projectId: `${project}_b` });
      await store.insert(second);
      await store.insert(first);
      await store.insert(elsewhere);
      expect(await store.list({ projectId: project })).toStrictEqual([first, second]);
      const all = await store.list();
      expect(all.map((r) => r.id)).toEqual(
        expect.arrayContaining([first.id, second.id, elsewhere.id]),
      );
      expect(await store.list({ projectId: 'nobody' })).toEqual([]);
    });

    it('updates atomically, deletes null fields, and answers null for an unknown id', async () => {
      const record = makeRecord({ expiresAt: '2099-01-01T00:00:00.000Z' });
      await store.insert(record);
      const revokedAt = new Date().toISOString();
      const updated = await store.update(record.id, {
        revokedAt,
        expiresAt: null,
        name: 'renamed',
        scopes: ['cache:read'],
      });
      const expected = {
        ...record,
        revokedAt,
        expiresAt: null,
        name: 'renamed',
        scopes: ['cache:read'],
      };
      expect(updated).toStrictEqual(expected);
      expect(await store.findByHash(record.hash)).toStrictEqual(expected);
      expect(await store.update('key_ffffffffffffffffffffffff', { revokedAt })).toBeNull();
    });

    it('records usage in batches: adds counts and keeps the latest lastUsedAt', async () => {
      const a = makeRecord();
      const b = makeRecord();
      await store.insert(a);
      await store.insert(b);
      await store.recordUsage([
        { id: a.id, count: 3, lastUsedAt: '2025-05-01T10:00:00.000Z' },
        { id: b.id, count: 1, lastUsedAt: '2025-05-01T09:00:00.000Z' },
        { id: 'key_aaaaaaaaaaaaaaaaaaaaaaaa', count: 5, lastUsedAt: '2025-05-01T09:00:00.000Z' },
      ]);
      // An older lastUsedAt (another instance's late flush) must not move it back.
      await store.recordUsage([{ id: a.id, count: 2, lastUsedAt: '2025-04-01T00:00:00.000Z' }]);
      expect(await store.get(a.id)).toMatchObject({
        requestCount: 5,
        lastUsedAt: '2025-05-01T10:00:00.000Z',
      });
      expect(await store.get(b.id)).toMatchObject({
        requestCount: 1,
        lastUsedAt: '2025-05-01T09:00:00.000Z',
      });
      // Usage for an unknown id does not create a partial record.
      expect(await admin.hvals(layout.ids)).not.toContain(undefined);
      expect(await store.get('key_aaaaaaaaaaaaaaaaaaaaaaaa')).toBeNull();
      // A second store (another instance, empty id cache) adds to the same counters.
      const other = new RedisKeyStore({ url: redisUrl }, { keyPrefix: prefix });
      try {
        await other.recordUsage([{ id: a.id, count: 10, lastUsedAt: '2025-06-01T00:00:00.000Z' }]);
      } finally {
        await other.close();
      }
      expect(await store.get(a.id)).toMatchObject({
        requestCount: 15,
        lastUsedAt: '2025-06-01T00:00:00.000Z',
      });
    });

    it.each([
      ['a field that is not JSON', { scopes: 'not json' }],
      ['scopes that are not an array', { scopes: '{"a":1}' }],
      ['a missing projectId', { projectId: null }],
      ['a non-numeric request count', { requestCount: 'many' }],
      ['a hash that does not match its key', { hash: 'f'.repeat(64) }],
      ['an unparseable date', { revokedAt: 'yesterday' }],
    ])('rejects findByHash on a corrupt record: %s', async (_label, damage) => {
      const record = makeRecord();
      await store.insert(record);
      for (const [field, value] of Object.entries(damage)) {
        if (value === null) await admin.hdel(layout.record(record.hash), field);
        else await admin.hset(layout.record(record.hash), field, value);
      }
      await expect(store.findByHash(record.hash)).rejects.toMatchObject({ code: 'corrupt_record' });
      await expect(store.get(record.id)).rejects.toMatchObject({ code: 'corrupt_record' });
    });

    it('rejects findByHash when the key holds another type', async () => {
      const hash = 'e'.repeat(64);
      await admin.set(layout.record(hash), 'junk');
      await expect(store.findByHash(hash)).rejects.toThrow(/WRONGTYPE/);
    });

    it('puts every key of a store under one hash tag (one Redis Cluster slot)', async () => {
      await store.insert(makeRecord());
      const keys = await admin.keys(`${prefix}*`);
      expect(keys.length).toBeGreaterThan(3);
      const tags = new Set(keys.map((key) => /\{([^}]*)\}/.exec(key)?.[1]));
      expect([...tags]).toEqual([prefix.replace(/:+$/, '')]);
      expect(keyLayout('vc:').record('abc')).toBe('vc:{vc}:rec:abc');
    });
  });

  describe('change feed', () => {
    it('publishes inserts and every update to other stores, and nothing on a no-op', async () => {
      const other = new RedisKeyStore({ url: redisUrl }, { keyPrefix: prefix });
      const changes: StoreChange[] = [];
      const unsubscribe = other.subscribe((change) => changes.push(change));
      try {
        await pollUntil(() => changes.some((c) => c.type === 'feed_restored'), 3000, 'subscribed');
        expect(changes).toEqual([{ type: 'feed_lost' }, { type: 'feed_restored' }]);
        const record = makeRecord();
        await store.insert(record);
        await store.update(record.id, { expiresAt: '2030-01-01T00:00:00.000Z' });
        await store.update(record.id, {});
        await store.update(record.id, { revokedAt: new Date().toISOString() });
        const expected = { type: 'changed', id: record.id, hash: record.hash };
        await pollUntil(() => changes.length >= 5, 2000, 'three changes');
        // Give a stray fourth message the chance to arrive before checking there is none.
        await store.findByHash(record.hash);
        expect(changes.slice(2)).toEqual([expected, expected, expected]);
      } finally {
        unsubscribe();
        await other.close();
      }
    });

    it("tells the writing store's own listeners before the write resolves", async () => {
      const changes: StoreChange[] = [];
      const unsubscribe = store.subscribe((change) => changes.push(change));
      try {
        const record = makeRecord();
        await store.insert(record);
        expect(changes).toContainEqual({ type: 'changed', id: record.id, hash: record.hash });
        changes.length = 0;
        await store.update(record.id, { revokedAt: new Date().toISOString() });
        expect(changes).toContainEqual({ type: 'changed', id: record.id, hash: record.hash });
      } finally {
        unsubscribe();
      }
    });
  });

  describe('with core', () => {
    it('counts exactly 200 requests after 200 verifies and a graceful close', async () => {
      const keys = createKeyManager({ store });
      const { key, record } = await keys.create({ projectId: 'proj_usage', name: 'usage' });
      const verifierStore = new RedisKeyStore({ url: redisUrl }, { keyPrefix: prefix });
      const verifier = createVerifier({ store: verifierStore });
      let ok = 0;
      for (let i = 0; i < 200; i++) {
        if ((await verifier.verify(`Bearer ${key}`)).ok) ok += 1;
      }
      await verifier.close();
      await verifierStore.close();
      expect(ok).toBe(200);
      expect(await admin.hget(layout.record(record.hash), 'requestCount')).toBe('200');
      expect((await keys.get(record.id))?.lastUsedAt).not.toBeNull();
    });

    it('rejects a key at once on the instance that revoked it', async () => {
      const keys = createKeyManager({ store });
      // With the feed up, the verifier trusts its cache: only the store's own notice evicts.
      const seen: StoreChange[] = [];
      const probe = store.subscribe((change) => seen.push(change));
      await pollUntil(() => seen.some((c) => c.type === 'feed_restored'), 3000, 'feed up');
      const verifier = createVerifier({ store });
      try {
        const { key, record } = await keys.create({ projectId: 'proj_self', name: 'self' });
        expect((await verifier.verify(`Bearer ${key}`)).ok).toBe(true);
        await keys.revoke(record.id);
        expect(await verifier.verify(`Bearer ${key}`)).toMatchObject({
          status: 401,
          reason: 'revoked',
        });
      } finally {
        await verifier.close();
        probe();
      }
    });

    it('rejects a key revoked through another store at once, through the feed', async () => {
      const keys = createKeyManager({ store });
      const { key, record } = await keys.create({ projectId: 'proj_feed', name: 'feed' });
      const otherStore = new RedisKeyStore({ url: redisUrl }, { keyPrefix: prefix });
      const seen: StoreChange[] = [];
      otherStore.subscribe((change) => seen.push(change));
      await pollUntil(() => seen.some((c) => c.type === 'feed_restored'), 3000, 'feed up');
      const verifier = createVerifier({ store: otherStore });
      try {
        expect((await verifier.verify(`Bearer ${key}`)).ok).toBe(true);
        await keys.revoke(record.id);
        const elapsed = await pollUntil(
          async () => (await verifier.verify(`Bearer ${key}`)).ok === false,
          1000,
          'revocation seen by the other store',
        );
        expect(await verifier.verify(`Bearer ${key}`)).toMatchObject({
          status: 401,
          reason: 'revoked',
        });
        console.log(`in-process revocation propagation: ${elapsed.toFixed(1)} ms`);
      } finally {
        await verifier.close();
        await otherStore.close();
      }
    });

    it('is what storeFromEnv builds when VECTORCACHE_REDIS_URL is set', async () => {
      const fromEnv = storeFromEnv({
        VECTORCACHE_REDIS_URL: redisUrl,
        VECTORCACHE_REDIS_PREFIX: prefix,
      });
      try {
        expect(fromEnv).toBeInstanceOf(RedisKeyStore);
        const { key, record } = await createKeyManager({ store }).create({
          projectId: 'proj_env',
          name: 'env',
        });
        expect(await fromEnv.get(record.id)).toStrictEqual(await store.get(record.id));
        const verifier = createVerifier({ store: fromEnv });
        expect(await verifier.verify(`Bearer ${key}`)).toMatchObject({ ok: true });
        await verifier.close();
      } finally {
        await fromEnv.close();
      }
    });

    it('makes the verifier answer 503 for a corrupt record', async () => {
      const keys = createKeyManager({ store });
      const { key, record } = await keys.create({ projectId: 'proj_corrupt', name: 'corrupt' });
      await admin.hset(layout.record(record.hash), 'scopes', '{{{');
      const verifier = createVerifier({ store });
      try {
        expect(await verifier.verify(`Bearer ${key}`)).toMatchObject({
          ok: false,
          status: 503,
          reason: 'store_unavailable',
        });
      } finally {
        await verifier.close();
      }
    });
  });

  describe('connections', () => {
    it('uses a caller client as is and leaves it open on close()', async () => {
      const client = new Redis(redisUrl);
      const own = new RedisKeyStore({ client }, { keyPrefix: prefix });
      const record = makeRecord();
      await own.insert(record);
      await own.close();
      expect(await client.ping()).toBe('PONG');
      expect(await own.findByHash(record.hash).catch((e: VectorcacheAuthError) => e.code)).toBe(
        'store_unavailable',
      );
      const closing = new RedisKeyStore({ client }, { keyPrefix: prefix, closeClient: true });
      await closing.close();
      expect(client.status).toBe('end');
    });

    it('fails fast when Redis is unreachable at start-up', async () => {
      const errors: Error[] = [];
      const down = new RedisKeyStore(
        { url: `redis://127.0.0.1:${await closedPort()}` },
        { keyPrefix: prefix, onError: (e) => errors.push(e) },
      );
      try {
        const start = performance.now();
        await expect(down.findByHash('a'.repeat(64))).rejects.toThrow();
        expect(performance.now() - start).toBeLessThan(1500);
        expect(errors.length).toBeGreaterThan(0);
      } finally {
        await down.close();
      }
    });

    it.each([
      [{}, {}, /exactly one of/],
      [{ url: 'http://x' }, {}, /redis:\/\//],
      [{ url: redisUrl }, { commandTimeoutMs: 0 }, /commandTimeoutMs/],
      [{ url: redisUrl }, { idCacheMax: 1.5 }, /idCacheMax/],
    ])('refuses bad options with invalid_option (%j %j)', (connection, options, message) => {
      expect(() => new RedisKeyStore(connection as never, options as never)).toThrow(message);
      expect(() => new RedisKeyStore(connection as never, options as never)).toThrow(
        expect.objectContaining({ code: 'invalid_option' }),
      );
    });
  });

  describe('failed-attempt counts shared across instances', () => {
    it('counts per client in one window shared by every store, and expires with it', async () => {
      const other = new RedisKeyStore({ url: redisUrl }, { keyPrefix: prefix });
      expect(await store.countFailedAttempt('203.0.113.1', 60_000)).toBe(1);
      expect(await other.countFailedAttempt('203.0.113.1', 60_000)).toBe(2);
      expect(await store.countFailedAttempt('203.0.113.2', 60_000)).toBe(1);
      const ttl = await admin.pttl(layout.attempts('203.0.113.1'));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
      await other.close();
    });

    it('two verifiers on two connections stop a client that spreads its guesses', async () => {
      const a = createVerifier({ store, attemptLimit: { max: 4, windowMs: 60_000 } });
      const otherStore = new RedisKeyStore({ url: redisUrl }, { keyPrefix: prefix });
      const b = createVerifier({ store: otherStore, attemptLimit: { max: 4, windowMs: 60_000 } });
      const client = { client: '198.51.100.77' };
      const guess = (i: number): string => `Bearer vc_${i.toString(16).padStart(32, 'a')}`;
      for (let i = 0; i < 3; i++) await a.verify(guess(i), client);
      await b.verify(guess(3), client);
      const deadline = Date.now() + 2000;
      let status = 0;
      while (Date.now() < deadline) {
        const result = await b.verify(guess(4), client);
        status = result.ok ? 200 : result.status;
        if (status === 429) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(status).toBe(429);
      await a.close();
      await b.close();
      await otherStore.close();
    });
  });

  describe('no plaintext key in Redis', () => {
    it('detects a plaintext key when one is there (the check can fail)', async () => {
      const decoy = `${prefix}decoy`;
      await admin.set(decoy, `vc_${randomBytes(16).toString('hex')}`);
      expect(await findPlaintextKeys(admin, `${prefix}*`)).toEqual([decoy]);
      await admin.del(decoy);
    });

    it('finds none among every key and value this suite wrote', async () => {
      const keys = await admin.keys(`${prefix}*`);
      expect(keys.length).toBeGreaterThan(10);
      expect(await findPlaintextKeys(admin, `${prefix}*`)).toEqual([]);
    });
  });
});
