import { Redis } from 'ioredis';
import { RedisKeyStore, recommendedRedisOptions } from '@vectorcache/auth-redis';
import { describeRedis, redisUrl, uniquePrefix } from '../../../test-utils/redis';

// Commands sent together before the store's first connection is up wait for it together: one
// pair of listeners on the client, however many commands (a hundred parallel audit appends once
// printed MaxListenersExceededWarning, "11 ready listeners added", in a full test run).
describeRedis('commands before the first connection', () => {
  it('share one wait: a hundred parallel commands add one ready and one close listener', async () => {
    const client = new Redis(redisUrl, recommendedRedisOptions());
    const store = new RedisKeyStore({ client }, { keyPrefix: uniquePrefix('first') });
    try {
      expect(client.status).toBe('connecting');
      const before = { ready: client.listenerCount('ready'), close: client.listenerCount('close') };
      const reads = Array.from({ length: 100 }, () => store.get('key_000000000000000000000000'));
      expect({
        ready: client.listenerCount('ready') - before.ready,
        close: client.listenerCount('close') - before.close,
      }).toEqual({ ready: 1, close: 1 });
      expect(await Promise.all(reads)).toEqual(Array.from({ length: 100 }, () => null));
      // And the wait's listeners are gone once the connection is up.
      expect(client.listenerCount('ready')).toBeLessThanOrEqual(before.ready);
    } finally {
      await store.close();
      client.disconnect();
    }
  });
});
