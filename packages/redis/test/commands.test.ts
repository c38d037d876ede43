import type { Redis } from 'ioredis';
import { createKeyManager, createVerifier, type UsageEntry } from '@vectorcache/auth-core';
import { RedisKeyStore } from '@vectorcache/auth-redis';
import { pollUntil } from './helpers';
import { waitFor } from '../../../test-utils/wait';
import { REDIS_TARGETS, type StartedTarget } from './targets';

/** `INFO commandstats` summed over `servers`, as command -> calls. */
async function commandCalls(servers: Redis[]): Promise<Record<string, number>> {
  const calls: Record<string, number> = {};
  for (const server of servers) {
    const info = await server.info('commandstats');
    for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
      calls[match[1]!] = (calls[match[1]!] ?? 0) + Number(match[2]);
    }
  }
  return calls;
}

/** What was called between two snapshots, leaving out the test's own INFO. */
function delta(
  after: Record<string, number>,
  before: Record<string, number>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, calls] of Object.entries(after)) {
    const d = calls - (before[name] ?? 0);
    if (d > 0 && name !== 'info') out[name] = d;
  }
  return out;
}

// A deployment of the suite's own (a private redis-server, or the private cluster), so that
// INFO commandstats counts only this test's commands.
for (const target of REDIS_TARGETS) {
  target.describe(`commands a verifier sends to ${target.name}`, () => {
    let t: StartedTarget;
    let servers: Redis[];
    let store: RedisKeyStore;
    let probe: () => void;

    beforeAll(async () => {
      t = await target.start('commands', { exclusive: true });
      servers = await t.masters();
      store = new RedisKeyStore(t.connection, { keyPrefix: t.prefix });
      // The feed up first, so that its start-up (lost, then restored) does not reread keys.
      let feedUp = false;
      probe = store.subscribe((change) => {
        if (change.type === 'feed_restored') feedUp = true;
      });
      await pollUntil(() => feedUp, 5000, 'feed up');
    }, 60000);

    afterAll(async () => {
      probe?.();
      await store?.close();
      await t?.stop();
    });

    it('one HGETALL per cold key, none for cached keys, one usage pipeline per flush, < 0.01 per request', async () => {
      const keys = createKeyManager({ store });
      const issued = await Promise.all(
        [1, 2, 3].map((n) => keys.create({ projectId: 'proj', name: `k${n}` })),
      );
      // Flushing is driven by hand (a long interval), so the count does not depend on timing.
      const verifier = createVerifier({ store, usage: { flushIntervalMs: 60_000 } });
      try {
        // The change feed's first subscription clears the caches when it is confirmed: counted
        // from then on, so a slow start (a loaded machine) cannot re-read the cold keys.
        // (Its "still connecting" is delivered a microtask after the verifier subscribes.)
        await new Promise((resolve) => setImmediate(resolve));
        await waitFor(
          'the change feed',
          () => (verifier.stats().feed === 'up' ? true : undefined),
          10_000,
        );
        const before = await commandCalls(servers);
        for (const { key } of issued) {
          expect((await verifier.verify(`Bearer ${key}`)).ok).toBe(true);
        }
        const cold = delta(await commandCalls(servers), before);
        expect(cold.hgetall).toBe(3);

        const requests = 3000;
        const warm = await commandCalls(servers);
        for (let i = 0; i < requests; i++) {
          expect((await verifier.verify(`Bearer ${issued[i % 3]!.key}`)).ok).toBe(true);
        }
        await verifier.flush();
        const used = delta(await commandCalls(servers), warm);
        // Not per request but per second: the change feed's heartbeat and, on a cluster, the
        // slot-map refresh and the replicas' acknowledgements (the bench counts them too).
        for (const name of Object.keys(used)) {
          if (/^(ping|cluster|replconf)(\||$)/.test(name)) delete used[name];
        }
        // One script call for the whole flush (counts of every key and their analytics), so a
        // retried flush is applied once; the script runs with EVALSHA (or EVAL once).
        expect((used.evalsha ?? 0) + (used.eval ?? 0)).toBe(1);
        expect(used.hgetall ?? 0).toBe(0);
        const perRequest = Object.values(used).reduce((a, b) => a + b, 0) / requests;
        console.log(
          `${target.name}: commands for ${requests} cached verifies + 1 flush: ` +
            `${JSON.stringify(used)} (${perRequest.toFixed(4)} per request)`,
        );
        expect(perRequest).toBeLessThan(0.01);
      } finally {
        await verifier.close();
      }
      const records = await store.list({ projectId: 'proj' });
      expect(records.reduce((sum, r) => sum + r.requestCount, 0)).toBe(3003);
    });

    it('writes a flush with analytics in one script call, whatever the buckets', async () => {
      const keys = createKeyManager({ store });
      const issued = await Promise.all(
        [1, 2, 3].map((n) => keys.create({ projectId: 'proj_a', name: `a${n}` })),
      );
      const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000).toISOString();
      const batch: UsageEntry[] = issued.map(({ record }, n) => ({
        id: record.id,
        count: 100,
        lastUsedAt: hour,
        projectId: 'proj_a',
        buckets: [
          { hour, outcome: 'valid', count: 100 },
          { hour, outcome: 'insufficient_scope', count: n + 1 },
        ],
      }));
      const before = await commandCalls(servers);
      await store.recordUsage(batch, 'flush-commands-test');
      const used = delta(await commandCalls(servers), before);
      expect((used.evalsha ?? 0) + (used.eval ?? 0)).toBe(1);
      // Nothing but the script (and what runs inside it) was sent.
      expect(Object.keys(used).sort()).toEqual(
        expect.arrayContaining(['hincrby', 'hmget', 'pexpireat', 'set']),
      );
      for (const name of ['hget', 'hgetall', 'multi', 'exec', 'publish', 'spublish']) {
        expect(used[name] ?? 0).toBe(0);
      }
      // 1 hourly + 1 daily hash, 6 fields each: 12 HINCRBY and 2 PEXPIREAT for analytics.
      expect(used.pexpireat).toBe(2);
      expect(used.hincrby).toBe(3 + 12);
      const rows = await store.readUsage({
        projectId: 'proj_a',
        from: hour,
        to: new Date(Date.parse(hour) + 3_600_000).toISOString(),
        granularity: 'hour',
      });
      expect(rows.reduce((sum, row) => sum + row.count, 0)).toBe(306);
    });
  });
}
