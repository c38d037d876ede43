import { MemoryKeyStore } from '@vectorcache/auth-core';
import { RedisKeyStore } from '@vectorcache/auth-redis';
import { analyticsStoreContract } from '../../test-utils/analytics-contract';
import { describeRedis, redisUrl, uniquePrefix } from '../../test-utils/redis';

analyticsStoreContract('MemoryKeyStore', async () => {
  const store = new MemoryKeyStore();
  return { store, close: () => store.close() };
});

describeRedis('on Redis', () => {
  analyticsStoreContract('RedisKeyStore', async () => {
    const store = new RedisKeyStore({ url: redisUrl }, { keyPrefix: uniquePrefix('contract') });
    return { store, close: () => store.close() };
  });
});
