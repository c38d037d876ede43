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

  beforeAll(() => {
    store = new RedisKeyStore({ url: redisUrl }, { keyPrefix: uniquePrefix('rotation') });
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
});
