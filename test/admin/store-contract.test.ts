import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryKeyStore, SqliteKeyStore } from '@vectorcache/auth-core';
import { RedisKeyStore } from '@vectorcache/auth-redis';
import { analyticsStoreContract } from '../../test-utils/analytics-contract';
import { describeRedis, redisUrl, uniquePrefix } from '../../test-utils/redis';

analyticsStoreContract('MemoryKeyStore', async () => {
  const store = new MemoryKeyStore();
  return { store, close: () => store.close() };
});

analyticsStoreContract('SqliteKeyStore', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vc-contract-'));
  const store = new SqliteKeyStore({ path: join(dir, 'keys.db') });
  return {
    store,
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describeRedis('on Redis', () => {
  analyticsStoreContract('RedisKeyStore', async () => {
    // A loaded CI machine can hold one of the 10,000 audit appends past the 500 ms default.
    const store = new RedisKeyStore(
      { url: redisUrl },
      { keyPrefix: uniquePrefix('contract'), commandTimeoutMs: 5000 },
    );
    return { store, close: () => store.close() };
  });
});
