import { Redis } from 'ioredis';
import { createKeyManager, createVerifier } from '@vectorcache/auth-core';
import { RedisKeyStore } from '@vectorcache/auth-redis';
import { startPrivateRedis, type PrivateRedis } from '../../../test-utils/redis-server';
import { pollUntil } from './helpers';

/** `INFO commandstats` as command -> calls. */
async function commandCalls(admin: Redis): Promise<Record<string, number>> {
  const info = await admin.info('commandstats');
  const calls: Record<string, number> = {};
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    calls[match[1]!] = Number(match[2]);
  }
  return calls;
}

function delta(
  after: Record<string, number>,
  before: Record<string, number>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, calls] of Object.entries(after)) {
    const d = calls - (before[name] ?? 0);
    if (d > 0) out[name] = d;
  }
  return out;
}

// A private Redis, so that INFO commandstats counts only this test's commands.
describe('commands a verifier sends to Redis (private redis-server)', () => {
  let redis: PrivateRedis;
  let admin: Redis;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    admin = new Redis(redis.url);
  });

  afterAll(async () => {
    admin?.disconnect();
    await redis?.stop();
  });

  it('one HGETALL per cold key, none for cached keys, one usage pipeline per flush', async () => {
    const store = new RedisKeyStore({ url: redis.url });
    const keys = createKeyManager({ store });
    const issued = await Promise.all(
      [1, 2, 3].map((n) => keys.create({ projectId: 'proj', name: `k${n}` })),
    );
    // The feed up first, so that its start-up (lost, then restored) does not reread keys.
    let feedUp = false;
    const probe = store.subscribe((change) => {
      if (change.type === 'feed_restored') feedUp = true;
    });
    await pollUntil(() => feedUp, 3000, 'feed up');
    // Flushing is driven by hand (a long interval), so the count does not depend on timing.
    const verifier = createVerifier({ store, usage: { flushIntervalMs: 60_000 } });
    try {
      const before = await commandCalls(admin);
      for (const { key } of issued) expect((await verifier.verify(`Bearer ${key}`)).ok).toBe(true);
      const cold = delta(await commandCalls(admin), before);
      expect(cold.hgetall).toBe(3);

      const warm = await commandCalls(admin);
      for (let i = 0; i < 300; i++) {
        expect((await verifier.verify(`Bearer ${issued[i % 3]!.key}`)).ok).toBe(true);
      }
      await verifier.flush();
      const used = delta(await commandCalls(admin), warm);
      delete used.ping; // the change feed's heartbeat
      delete used.info; // this test's own INFO
      // One script call per key in one pipeline; the scripts run with EVALSHA (or EVAL once).
      const scriptCalls = (used.evalsha ?? 0) + (used.eval ?? 0);
      expect(scriptCalls).toBe(3);
      expect(used.hgetall ?? 0).toBe(0);
      console.log(
        `commands for 300 cached verifies + 1 flush: ${JSON.stringify(used)} ` +
          `(${(Object.values(used).reduce((a, b) => a + b, 0) / 300).toFixed(3)} per request)`,
      );
    } finally {
      await verifier.close();
      probe();
      await store.close();
    }
    const records = await new RedisKeyStore({ client: admin }).list();
    expect(records.reduce((sum, r) => sum + r.requestCount, 0)).toBe(303);
  });
});
