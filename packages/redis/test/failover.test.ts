import { Redis } from 'ioredis';
import { createKeyManager, createVerifier, type KeyManager } from '@vectorcache/auth-core';
import { RedisKeyStore } from '@vectorcache/auth-redis';
import { describeRedisServer } from '../../../test-utils/redis';
import { startPrivateRedis, type PrivateRedis } from '../../../test-utils/redis-server';
import { findPlaintextKeys, pollUntil, startServerInstance, type ServerInstance } from './helpers';
import { alternates, splitStoreWarnings } from '../../../test-utils/store-warnings';

/** Time one verify through the instance: [status, milliseconds]. */
async function timedVerify(instance: ServerInstance, key: string): Promise<[number, number]> {
  const start = performance.now();
  const status = await instance.verify(key);
  return [status, performance.now() - start];
}

// A private redis-server that the tests kill, freeze and restart; one server instance (a child
// process with the default verifier timeout, 500 ms) and a key manager with its own store.
describeRedisServer('RedisKeyStore when Redis fails (private redis-server)', () => {
  const prefix = 'vc:';
  let redis: PrivateRedis;
  let admin: Redis;
  let store: RedisKeyStore;
  let keys: KeyManager;
  let server: ServerInstance;
  const figures: string[] = [];

  const feedEvents = (): string[] =>
    server.stdout
      .map((line) => (JSON.parse(line) as { feed?: string }).feed)
      .filter((feed): feed is string => feed !== undefined);

  beforeAll(async () => {
    redis = await startPrivateRedis();
    admin = new Redis(redis.url, { maxRetriesPerRequest: 0, enableOfflineQueue: false });
    admin.on('error', () => undefined);
    store = new RedisKeyStore({ url: redis.url }, { keyPrefix: prefix });
    keys = createKeyManager({ store });
    server = await startServerInstance({
      VECTORCACHE_REDIS_URL: redis.url,
      VECTORCACHE_REDIS_PREFIX: prefix,
    });
    await pollUntil(() => feedEvents().includes('feed_restored'), 10000, 'subscribed', 20);
  }, 60000);

  afterAll(async () => {
    await server?.close();
    await store?.close();
    admin?.disconnect();
    await redis?.stop();
    if (figures.length > 0) console.log(figures.join('\n'));
  });

  it('rejects a key revoked while the subscriber connection was killed, within 1.5 s', async () => {
    const { key, record } = await keys.create({ projectId: 'proj_f', name: 'pubsub' });
    expect(await server.verify(key)).toBe(200); // cached by the instance
    const lostBefore = feedEvents().filter((e) => e === 'feed_lost').length;
    const killed = await admin.client('KILL', 'TYPE', 'pubsub');
    expect(Number(killed)).toBeGreaterThanOrEqual(1);
    const start = performance.now();
    await keys.revoke(record.id); // published while the subscriber is gone
    const elapsed = await pollUntil(
      async () => (await server.verify(key)) === 401,
      1500,
      'revoked key rejected after CLIENT KILL TYPE pubsub',
    );
    figures.push(
      `pubsub killed + revoke: rejected after ${(performance.now() - start).toFixed(1)} ms`,
    );
    expect(elapsed).toBeLessThanOrEqual(1500);
    await pollUntil(
      () => feedEvents().filter((e) => e === 'feed_lost').length > lostBefore,
      1000,
      'feed_lost reported',
    );
    await pollUntil(() => feedEvents().at(-1) === 'feed_restored', 2000, 'feed restored');
  });

  it('answers 503 at once when Redis is killed, and 200 again within 1 s of its restart', async () => {
    const cached = await keys.create({ projectId: 'proj_f', name: 'cached' });
    const uncached = await keys.create({ projectId: 'proj_f', name: 'uncached' });
    expect(await server.verify(cached.key)).toBe(200);
    await admin.save(); // so that the restarted server has the records back
    redis.kill('SIGKILL');

    const [status, ms] = await timedVerify(server, uncached.key);
    expect(status).toBe(503);
    expect(ms).toBeLessThan(500); // failed fast: did not wait for the 500 ms timeout
    figures.push(`SIGKILL: uncached key answered 503 in ${ms.toFixed(1)} ms`);
    const untrusted = await pollUntil(
      async () => (await server.verify(cached.key)) === 503,
      1000,
      'cached key no longer trusted after the subscriber lost its connection',
    );
    figures.push(`SIGKILL: cached key answered 503 after ${untrusted.toFixed(1)} ms`);

    await redis.restart();
    const back = await pollUntil(
      async () =>
        (await server.verify(cached.key)) === 200 && (await server.verify(uncached.key)) === 200,
      1000,
      '200 again after the restart',
    );
    figures.push(`restart: 200 again after ${back.toFixed(1)} ms`);
    expect(server.alive()).toBe(true);
    expectOnlyStoreTransitions(server.stderr());
  });

  it('answers 503 within the timeout + 100 ms when Redis hangs, and 200 within 1 s of thawing', async () => {
    // After the previous test's restart, the key manager's own connection may still be
    // reconnecting (there is no offline queue to hide that).
    await pollUntil(
      () =>
        store.findByHash('0'.repeat(64)).then(
          () => true,
          () => false,
        ),
      2000,
      'key manager store reconnected',
      20,
    );
    const cached = await keys.create({ projectId: 'proj_f', name: 'cached2' });
    const uncached = await keys.create({ projectId: 'proj_f', name: 'uncached2' });
    await pollUntil(() => feedEvents().at(-1) === 'feed_restored', 2000, 'feed up');
    expect(await server.verify(cached.key)).toBe(200);
    redis.freeze();
    try {
      const [status, ms] = await timedVerify(server, uncached.key);
      expect(status).toBe(503);
      expect(ms).toBeLessThanOrEqual(600);
      figures.push(`SIGSTOP: uncached key answered 503 in ${ms.toFixed(1)} ms`);
      const untrusted = await pollUntil(
        async () => (await server.verify(cached.key)) === 503,
        3000,
        'cached key no longer trusted once the heartbeat missed',
      );
      figures.push(`SIGSTOP: cached key answered 503 after ${untrusted.toFixed(1)} ms`);
      await pollUntil(() => feedEvents().at(-1) === 'feed_lost', 1000, 'feed_lost reported');
    } finally {
      redis.thaw();
    }
    const back = await pollUntil(
      async () =>
        (await server.verify(cached.key)) === 200 && (await server.verify(uncached.key)) === 200,
      1000,
      '200 again after thawing',
    );
    figures.push(`SIGCONT: 200 again after ${back.toFixed(1)} ms`);
    await pollUntil(() => feedEvents().at(-1) === 'feed_restored', 2000, 'feed restored');
    expect(server.alive()).toBe(true);
    expectOnlyStoreTransitions(server.stderr());
  });

  it('leaves no plaintext key anywhere in the private Redis', async () => {
    await pollUntil(async () => admin.status === 'ready', 2000, 'admin reconnected');
    expect((await admin.keys('*')).length).toBeGreaterThan(3);
    expect(await findPlaintextKeys(admin, '*')).toEqual([]);
  });
});

// Usage writes are idempotent: a flush whose write times out against a frozen Redis is applied
// by Redis when it resumes, and the retry under the same flush id is not counted again.
describeRedisServer('usage counts when Redis freezes during a flush (private redis-server)', () => {
  let redis: PrivateRedis;
  let store: RedisKeyStore;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    store = new RedisKeyStore({ url: redis.url }, { keyPrefix: 'vc:' });
  }, 60000);

  afterAll(async () => {
    await store?.close();
    await redis?.stop();
  });

  it('counts every served request once: the late write and its retry are one flush', async () => {
    const keys = createKeyManager({ store });
    const { key, record } = await keys.create({ projectId: 'proj_u', name: 'frozen flush' });
    // Flushes are driven by hand; a short store timeout makes the frozen write time out quickly.
    const verifier = createVerifier({
      store,
      timeoutMs: 300,
      usage: { flushIntervalMs: 3_600_000 },
    });
    let served = 0;
    const serve = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) {
        if ((await verifier.verify(`Bearer ${key}`)).ok) served++;
      }
    };
    try {
      await serve(40);
      expect(served).toBe(40);
      redis.freeze();
      try {
        // The script is sent, Redis holds it unread, and the write times out on our side.
        await expect(verifier.flush()).rejects.toThrow();
      } finally {
        redis.thaw();
      }
      await pollUntil(
        () =>
          store.findByHash('0'.repeat(64)).then(
            () => true,
            () => false,
          ),
        5000,
        'Redis answers again',
        20,
      );
      await pollUntil(
        async () => {
          await serve(1);
          return served > 40;
        },
        5000,
        'the key verifies again',
        20,
      );
      await serve(9);
      // Sends the timed-out batch again under its flush id, then the newer counts.
      await verifier.flush();
      const stored = await store.get(record.id);
      expect(stored?.requestCount).toBe(served);
      const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
      const rows = await store.readUsage({
        projectId: 'proj_u',
        from: new Date(hour.getTime() - 3_600_000).toISOString(),
        to: new Date(hour.getTime() + 3_600_000).toISOString(),
        granularity: 'hour',
      });
      expect(rows.reduce((sum, row) => sum + (row.outcome === 'valid' ? row.count : 0), 0)).toBe(
        served,
      );
    } finally {
      await verifier.close();
    }
  }, 30000);
});

/** Nothing on stderr but the store's transition lines, one per transition, never per request. */
function expectOnlyStoreTransitions(stderr: string): void {
  const { rest, transitions } = splitStoreWarnings(stderr);
  expect(rest).toBe('');
  expect(alternates(transitions)).toBe(true);
  expect(transitions.length).toBeLessThanOrEqual(10);
}
