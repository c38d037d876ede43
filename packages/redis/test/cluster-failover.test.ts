import { randomBytes } from 'node:crypto';
import { createKeyManager, type KeyManager } from '@vectorcache/auth-core';
import { RedisKeyStore } from '@vectorcache/auth-redis';
import { describeRedisServer } from '../../../test-utils/redis';
import type { PrivateRedis } from '../../../test-utils/redis-server';
import { pollUntil, startServerInstance, type ServerInstance } from './helpers';
import { REDIS_TARGETS, type StartedTarget } from './targets';
import { alternates, splitStoreWarnings } from '../../../test-utils/store-warnings';

/** The instances' verifier timeout: no request may wait on the store longer. */
const TIMEOUT_MS = 500;
/** Room for the HTTP hop and a busy 2-core machine on top of the timeout (a hang is far longer). */
const SLACK_MS = 1000;
const REVOCATION_BOUND_MS = 1000;
/** The whole failover phase must settle within this (node timeout 1 s, election, slot refresh). */
const FAILOVER_DEADLINE_MS = 20000;

interface Sample {
  instance: 'A' | 'B';
  key: 'valid' | 'revoked' | 'unknown';
  status: number;
  ms: number;
  /** performance.now() when the answer came. */
  at: number;
}

const cluster = REDIS_TARGETS.find((target) => target.cluster)!;

// SIGKILL the master that holds the store's slot while two server instances serve a bounded
// loop of requests with a valid, a revoked and an unknown key.
describeRedisServer('failover of the store’s master under load (private Redis Cluster)', () => {
  let t: StartedTarget;
  let store: RedisKeyStore;
  let keys: KeyManager;
  let a: ServerInstance;
  let b: ServerInstance;
  const presented = { valid: '', revoked: '', unknown: `vc_${randomBytes(16).toString('hex')}` };
  const samples: Sample[] = [];
  let killed: PrivateRedis;
  let killedAt = 0;

  const feedEvents = (instance: ServerInstance): string[] =>
    instance.stdout
      .map((line) => (JSON.parse(line) as { feed?: string }).feed)
      .filter((feed): feed is string => feed !== undefined);

  beforeAll(async () => {
    t = await cluster.start('failover');
    store = new RedisKeyStore(t.connection, { keyPrefix: t.prefix });
    keys = createKeyManager({ store });
    [a, b] = await Promise.all([
      startServerInstance(t.env, { timeoutMs: TIMEOUT_MS }),
      startServerInstance(t.env, { timeoutMs: TIMEOUT_MS }),
    ]);
    await pollUntil(
      () => [a, b].every((s) => feedEvents(s).includes('feed_restored')),
      10000,
      'both instances subscribed',
      20,
    );
    presented.valid = (await keys.create({ projectId: 'proj_f', name: 'valid' })).key;
    const revoked = await keys.create({ projectId: 'proj_f', name: 'revoked' });
    presented.revoked = revoked.key;
    for (const instance of [a, b]) expect(await instance.verify(presented.revoked)).toBe(200);
    await keys.revoke(revoked.record.id);
    await pollUntil(
      async () =>
        (await a.verify(presented.revoked)) === 401 && (await b.verify(presented.revoked)) === 401,
      REVOCATION_BOUND_MS,
      'the revoked key refused by both instances',
    );
  }, 60000);

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await store?.close();
    await t?.stop();
  });

  it('misses no revocation published while the feed connections were killed', async () => {
    const { key, record } = await keys.create({ projectId: 'proj_f', name: 'gap' });
    for (const instance of [a, b]) expect(await instance.verify(key)).toBe(200); // cached
    const before = [a, b].map((instance) => feedEvents(instance).length);
    const node = await t.storeNode();
    expect(Number(await node.client('KILL', 'TYPE', 'pubsub'))).toBeGreaterThanOrEqual(2);
    await keys.revoke(record.id); // published while no instance is subscribed
    for (const instance of [a, b]) {
      await pollUntil(
        async () => (await instance.verify(key)) === 401,
        REVOCATION_BOUND_MS + 500,
        'the key revoked during the gap refused',
      );
    }
    await pollUntil(
      () =>
        [a, b].every(
          (instance, i) =>
            feedEvents(instance).slice(before[i]).join() === 'feed_lost,feed_restored',
        ),
      2000,
      'both feeds lost and restored',
    );
  });

  it('never answers 200 for the revoked or unknown key, 503 at worst for the valid one, and 200 again without a restart', async () => {
    let stopped = false;
    let eventsBefore: number[] = [];
    const firstBack: Partial<Record<'A' | 'B', number>> = {};
    const serve = async (name: 'A' | 'B', instance: ServerInstance): Promise<void> => {
      let sawFailure = false;
      let okAfterBack = 0;
      while (!stopped) {
        for (const key of ['valid', 'revoked', 'unknown'] as const) {
          const start = performance.now();
          const status = await instance.verify(presented[key]);
          const at = performance.now();
          samples.push({ instance: name, key, status, ms: at - start, at });
          if (key !== 'valid' || killedAt === 0) continue;
          if (status !== 200) sawFailure = true;
          else if (sawFailure) {
            firstBack[name] ??= at - killedAt;
            okAfterBack += 1;
          }
        }
        // Enough 200s after the promotion on this instance: its loop is done.
        if (okAfterBack >= 20) return;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    const loops = Promise.all([serve('A', a), serve('B', b)]);
    const deadline = setTimeout(() => {
      stopped = true;
    }, FAILOVER_DEADLINE_MS);
    try {
      // A moment of normal traffic, then the kill.
      await pollUntil(() => samples.length >= 30, 10000, 'traffic before the kill');
      eventsBefore = [a, b].map((instance) => feedEvents(instance).length);
      killed = await t.cluster!.masterOf(t.layout.ids);
      killedAt = performance.now();
      killed.kill('SIGKILL');
      await loops;
    } finally {
      stopped = true;
      clearTimeout(deadline);
      await loops;
    }

    const after = samples.filter((s) => s.at > killedAt);
    const statuses = (key: Sample['key']): number[] => [
      ...new Set(after.filter((s) => s.key === key).map((s) => s.status)),
    ];
    console.log(
      `cluster failover: kill -> first 200 again: A ${firstBack.A?.toFixed(0)} ms, ` +
        `B ${firstBack.B?.toFixed(0)} ms; ${after.length} requests after the kill; ` +
        `answers valid ${JSON.stringify(statuses('valid'))}, revoked ${JSON.stringify(statuses('revoked'))}, ` +
        `unknown ${JSON.stringify(statuses('unknown'))}; slowest ${Math.max(...after.map((s) => s.ms)).toFixed(0)} ms`,
    );
    // The master is really gone and its replica took the slot over.
    const promoted = await t.cluster!.masterOf(t.layout.ids);
    expect(promoted.port).not.toBe(killed.port);
    // Never a 200 for a key that must be refused, at any moment.
    expect(samples.filter((s) => s.key !== 'valid' && s.status === 200)).toEqual([]);
    // The valid key: 200 or 503, never anything else, never a hang past the timeout.
    expect(samples.filter((s) => s.key === 'valid' && ![200, 503].includes(s.status))).toEqual([]);
    expect(after.filter((s) => s.ms > TIMEOUT_MS + SLACK_MS)).toEqual([]);
    // Both instances answered 200 again after failing, without a restart.
    expect(firstBack.A).toBeDefined();
    expect(firstBack.B).toBeDefined();
    expect(a.alive() && b.alive()).toBe(true);
    // Each instance lost its feed with the master, once, and subscribed again on the promoted one.
    for (const [i, instance] of [a, b].entries()) {
      expect(feedEvents(instance).slice(eventsBefore[i])).toEqual(['feed_lost', 'feed_restored']);
    }
  });

  it('honours a revocation made after the promotion on both instances', async () => {
    // The killed master back, as the promoted one's replica: a revocation is durable again.
    await killed.restart();
    await t.cluster!.waitHealthy();
    // A revocation waits for a replica's acknowledgement: the restarted node must have caught up
    // with the promoted master first (a full resync, slow on a loaded machine).
    const master = await t.storeNode();
    try {
      await pollUntil(
        async () => /^slave\d+:.*state=online/m.test(await master.info('replication')),
        30_000,
        'the restarted node online as the promoted master replica',
        100,
      );
    } finally {
      master.disconnect();
    }
    for (const [by, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const { key, id } = await by.create('proj_f');
      expect(await by.verify(key)).toBe(200);
      expect(await other.verify(key)).toBe(200); // cached there
      const start = performance.now();
      // Not yet durable (500 from this fixture) while the new replica catches up under load: the
      // documented answer is to repeat the revocation until a replica acknowledges it.
      let revoked = await by.revoke(id);
      for (let i = 0; revoked === 500 && i < 40; i++) revoked = await by.revoke(id);
      expect(revoked).toBe(200);
      expect(await by.verify(key)).toBe(401);
      const elapsed = await pollUntil(
        async () => (await other.verify(key)) === 401,
        REVOCATION_BOUND_MS,
        'the other instance refuses the key revoked after the failover',
      );
      console.log(
        `after the failover: revocation seen by the other instance in ${elapsed.toFixed(1)} ms ` +
          `(${(performance.now() - start).toFixed(1)} ms from the revoke request)`,
      );
    }
    // Nothing but the store's transitions (the failover), one line each.
    for (const instance of [a, b]) {
      const { rest, transitions } = splitStoreWarnings(instance.stderr());
      expect(rest).toBe('');
      expect(alternates(transitions)).toBe(true);
      expect(transitions.length).toBeLessThanOrEqual(10);
    }
  }, 60_000);
});
