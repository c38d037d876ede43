import { Redis } from 'ioredis';
import { RedisKeyStore } from '@vectorcache/auth-redis';
import { describeRedis, redisUrl, uniquePrefix } from '../../../test-utils/redis';

// Jest's `ioredis-6` project runs the store's suites again with every `ioredis` import mapped to
// ioredis 6; this file runs in both and tells which major it got, so a mapping that silently
// stopped applying (both runs on v5) fails here. The project sets the global `IOREDIS_MAJOR`.
const expected = (globalThis as { IOREDIS_MAJOR?: string }).IOREDIS_MAJOR ?? '5';

describeRedis('the ioredis the store runs on', () => {
  it(`is ioredis ${expected} in this project, and the store round-trips a record on it`, async () => {
    const client = new Redis(redisUrl, { lazyConnect: true });
    // ioredis 6 speaks RESP3 unless told otherwise; ioredis 5 has no `protocol` option at all.
    const protocol = (client.options as { protocol?: number }).protocol;
    client.disconnect();
    expect(protocol === 3 ? '6' : '5').toBe(expected);

    const store = new RedisKeyStore({ url: redisUrl }, { keyPrefix: uniquePrefix('major') });
    try {
      await expect(store.list({ projectId: 'nothing-here' })).resolves.toEqual([]);
    } finally {
      await store.close();
    }
  });
});
