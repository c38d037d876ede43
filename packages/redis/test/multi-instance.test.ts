import type { Redis } from 'ioredis';
import { createKeyManager } from '@vectorcache/auth-core';
import { RedisKeyStore } from '@vectorcache/auth-redis';
import { findPlaintextKeys, pollUntil, startServerInstance, type ServerInstance } from './helpers';
import { REDIS_TARGETS, type StartedTarget } from './targets';

/** The revocation bound: a key revoked through one instance is refused by the others within it. */
const REVOCATION_BOUND_MS = 1000;

// Two server processes, each with its own verifier and RedisKeyStore connections built from the
// zero-configuration environment, share one deployment under a prefix of their own.
for (const target of REDIS_TARGETS) {
  target.describe(`two server instances sharing one ${target.name}`, () => {
    let t: StartedTarget;
    let store: RedisKeyStore;
    let a: ServerInstance;
    let b: ServerInstance;

    beforeAll(async () => {
      t = await target.start('redis-multi');
      store = new RedisKeyStore(t.connection, { keyPrefix: t.prefix });
      [a, b] = await Promise.all([startServerInstance(t.env), startServerInstance(t.env)]);
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
      await store?.close();
      await t?.stop();
    });

    it('a key created through one instance is accepted by the other at once', async () => {
      for (const [maker, other] of [
        [a, b],
        [b, a],
      ] as const) {
        const { key } = await maker.create('proj_multi');
        expect(await other.verify(key)).toBe(200);
        expect(await maker.verify(key)).toBe(200);
      }
    });

    it(`a key revoked through one instance is refused by the other within ${REVOCATION_BOUND_MS} ms`, async () => {
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
          await pollUntil(
            async () => (await b.verify(key)) === 401,
            REVOCATION_BOUND_MS,
            'B rejects the key',
          ),
        );
        samples.push(performance.now() - start);
        expect(await a.verify(key)).toBe(401);
      }
      console.log(
        `${target.name}: revocation through A, seen by B: ${summary(samples)} from the revoke ` +
          `request; ${summary(afterRevoke)} after A answered it`,
      );
    });

    it('a key revoked, or expired, then changed back in the store is accepted again by both instances', async () => {
      const keys = createKeyManager({ store });
      const both = async (key: string, status: number): Promise<boolean> =>
        (await a.verify(key)) === status && (await b.verify(key)) === status;
      // Revoked through A, refused (and cached as revoked) by both, then un-revoked by an operator.
      const revoked = await keys.create({ projectId: 'proj_multi', name: 'unrevoked' });
      expect(await both(revoked.key, 200)).toBe(true);
      expect(await a.revoke(revoked.record.id)).toBe(200);
      await pollUntil(() => both(revoked.key, 401), REVOCATION_BOUND_MS, 'both refuse the key');
      expect(await both(revoked.key, 401)).toBe(true); // from each instance's revoked cache
      await store.update(revoked.record.id, { revokedAt: null });
      await pollUntil(() => both(revoked.key, 200), REVOCATION_BOUND_MS, 'both accept it again');
      // Expired on both, then its expiry moved later.
      const soon = new Date(Date.now() + 300).toISOString();
      const expiring = await keys.create({ projectId: 'proj_multi', name: 'x', expiresAt: soon });
      expect(await both(expiring.key, 200)).toBe(true);
      await pollUntil(() => both(expiring.key, 401), 5000, 'both refuse the expired key');
      const later = new Date(Date.now() + 3_600_000).toISOString();
      await store.update(expiring.record.id, { expiresAt: later });
      await pollUntil(() => both(expiring.key, 200), REVOCATION_BOUND_MS, 'both accept it again');
    });

    it('counts usage from both instances in the same counters after a graceful close', async () => {
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
      const node: Redis = await t.storeNode();
      expect((await node.keys(`${t.prefix}*`)).length).toBeGreaterThan(5);
      expect(await findPlaintextKeys(node, `${t.prefix}*`)).toEqual([]);
    });
  });
}

function summary(values: number[]): string {
  const sorted = [...values].sort((x, y) => x - y);
  const at = (q: number): string => sorted[Math.floor(q * (sorted.length - 1))]!.toFixed(1);
  return `min ${at(0)} / median ${at(0.5)} / max ${at(1)} ms`;
}
