import { createKeyManager, type KeyStore } from '@vectorcache/auth-core';
import { RedisKeyStore } from '@vectorcache/auth-redis';
import { describeRedis, redisUrl, uniquePrefix } from '../../../test-utils/redis';

/** The store, with every `update` failing: a rotation must not need one. */
function failingUpdates(store: RedisKeyStore): KeyStore {
  return new Proxy(store, {
    get(target, name, receiver) {
      if (name === 'update') return () => Promise.reject(new Error('connection lost'));
      const value: unknown = Reflect.get(target, name, receiver);
      return typeof value === 'function'
        ? (value as (...args: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}

describeRedis('rotation on Redis', () => {
  let store: RedisKeyStore;
  const prefix = uniquePrefix('rotation');

  beforeAll(() => {
    store = new RedisKeyStore({ url: redisUrl }, { keyPrefix: prefix });
  });

  afterAll(async () => {
    await store?.close();
  });

  it('is one atomic write: the new key, the old one revoked and the links both ways, no update', async () => {
    const keys = createKeyManager({ store });
    const old = await keys.create({ projectId: 'proj_rot', name: 'svc' });
    const next = await createKeyManager({ store: failingUpdates(store) }).rotate(old.record.id);
    expect(await keys.get(old.record.id)).toMatchObject({
      status: 'revoked',
      rotatedTo: next.record.id,
    });
    expect(await keys.get(next.record.id)).toMatchObject({
      status: 'active',
      rotatedFrom: old.record.id,
    });
  });

  it('twelve parallel rotations of one key on two connections: exactly one wins', async () => {
    const other = new RedisKeyStore({ url: redisUrl }, { keyPrefix: prefix });
    try {
      const managers = [createKeyManager({ store }), createKeyManager({ store: other })];
      const old = await managers[0]!.create({ projectId: 'proj_rot', name: 'svc' });
      const outcomes = await Promise.allSettled(
        Array.from({ length: 12 }, (_, i) => managers[i % 2]!.rotate(old.record.id)),
      );
      const codes = outcomes.map((o) => (o.status === 'rejected' ? o.reason.code : 'ok'));
      expect(codes.sort()).toEqual(['key_rotated', ...Array(10).fill('key_rotated'), 'ok'].sort());
      const successors = (await store.list()).filter((r) => r.rotatedFrom === old.record.id);
      expect(successors).toHaveLength(1);
    } finally {
      await other.close();
    }
  });
});
