import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { MemoryKeyStore, SqliteKeyStore } from '@vectorcache/auth-core';
import { PostgresKeyStore } from '@vectorcache/auth-postgres';
import { RedisKeyStore } from '@vectorcache/auth-redis';
import { analyticsStoreContract } from '../../test-utils/analytics-contract';
import { createTestDatabase, describePostgres, type TestDatabase } from '../../test-utils/postgres';
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

describePostgres('on PostgreSQL', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('contract');
  });
  afterAll(() => db?.drop());
  analyticsStoreContract(
    'PostgresKeyStore',
    async () => {
      // A schema of its own per case, in the suite's own database.
      const store = new PostgresKeyStore(
        { connectionString: db.url },
        { schema: `contract_${randomBytes(4).toString('hex')}`, timeoutMs: 5000 },
      );
      return { store, close: () => store.close() };
    },
    undefined,
    // Each of the 10,000 audit appends is a committed transaction (about 1 ms on loopback).
    60_000,
  );
});
