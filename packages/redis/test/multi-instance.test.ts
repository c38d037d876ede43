import { Redis } from 'ioredis';
import { createKeyManager } from '@vectorcache/auth-core';
import { RedisKeyStore } from '@vectorcache/auth-redis';
import { describeRedis, redisUrl, uniquePrefix } from '../../../test-utils/redis';
import {
  deleteKeys,
  findPlaintextKeys,
  pollUntil,
  startServerInstance,
  type ServerInstance,
} from './helpers';

// Two server processes, each with its own verifier and RedisKeyStore connections, share the
// test Redis under a prefix of their own.
describeRedis('two server instances sharing one Redis', () => {
  const prefix = uniquePrefix('redis-multi');
  let admin: Redis;
  let store: RedisKeyStore;
  let a: ServerInstance;
  let b: ServerInstance;

  beforeAll(async () => {
    admin = new Redis(redisUrl);
    store = new RedisKeyStore({ url: redisUrl }, { keyPrefix: prefix });
    [a, b] = await Promise.all([
      startServerInstance(redisUrl, prefix),
      startServerInstance(redisUrl, prefix),
    ]);
    // Both feeds are subscribed before any test relies on them.
    await pollUntil(
      () => [a, b].every((s) => s.stdout.some((line) => line.includes('feed_restored'))),
      10000,
      'both instances subscribed',
      20,
    );
  }, 60000);

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await store.close();
    await deleteKeys(admin, `${prefix}*`);
    await admin.quit();
  });

  it('a key revoked through one instance is rejected by the other within 1 s', async () => {
    const keys = createKeyManager({ store });
    const samples: number[] = [];
    const afterRevoke: number[] = [];
    for (let round = 0; round < 5; round++) {
      const { key, record } = await keys.create({ projectId: 'proj_multi', name: `k${round}` });
      expect(await a.verify(key)).toBe(200);
      expect(await b.verify(key)).toBe(200); // now cached in B
      const start = performance.now();
      expect(await a.revoke(record.id)).toBe(200);
      afterRevoke.push(
        await pollUntil(async () => (await b.verify(key)) === 401, 1000, 'B rejects the key'),
      );
      samples.push(performance.now() - start);
      expect(await a.verify(key)).toBe(401);
    }
    console.log(
      `revocation through A, seen by B: ${summary(samples)} from the revoke request; ` +
        `${summary(afterRevoke)} after A answered it`,
    );
  });

  it('counts usage from both instances in the same Redis counters after a graceful close', async () => {
    const keys = createKeyManager({ store });
    const { key, record } = await keys.create({ projectId: 'proj_multi', name: 'usage' });
    for (let i = 0; i < 30; i++) {
      expect(await (i % 2 === 0 ? a : b).verify(key)).toBe(200);
    }
    await Promise.all([a.close(), b.close()]);
    expect((await keys.get(record.id))?.requestCount).toBe(30);
    expect(a.stderr()).toBe('');
    expect(b.stderr()).toBe('');
  });

  it('leaves no plaintext key in Redis', async () => {
    expect((await admin.keys(`${prefix}*`)).length).toBeGreaterThan(5);
    expect(await findPlaintextKeys(admin, `${prefix}*`)).toEqual([]);
  });
});

function summary(values: number[]): string {
  const sorted = [...values].sort((x, y) => x - y);
  const at = (q: number): string => sorted[Math.floor(q * (sorted.length - 1))]!.toFixed(1);
  return `min ${at(0)} / median ${at(0.5)} / max ${at(1)} ms`;
}
