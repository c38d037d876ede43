import { randomBytes } from 'node:crypto';
import { createKeyManager, createVerifier, type Verifier } from '@vectorcache/auth-core';
import { RedisKeyStore, type RedisConnection } from '@vectorcache/auth-redis';
// The key layout is the store's own business, not its API: the bench reads it from source.
import { keyLayout } from '../packages/redis/src/key-layout';
import { Redis } from 'ioredis';
import { startPrivateCluster } from '../test-utils/redis-cluster';
import { startPrivateRedis } from '../test-utils/redis-server';
import { quantile, type BenchRow } from './stats';

const SHARED_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

const ms = (n: number): string => (n < 1 ? `${(n * 1000).toFixed(0)} µs` : `${n.toFixed(2)} ms`);

function percentiles(samples: number[]): { p50: number; p99: number; max: number } {
  return { p50: quantile(samples, 0.5), p99: quantile(samples, 0.99), max: Math.max(...samples) };
}

/** Deletes every key under `pattern` (SCAN + UNLINK), so a run leaves nothing behind. */
async function deleteKeys(url: string, pattern: string): Promise<number> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await client.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
  return deleted;
}

/** A store on a fresh, unique prefix of the shared Redis. */
function uniquePrefix(): string {
  return `vcbench:${process.pid}:${randomBytes(4).toString('hex')}:`;
}

/** Waits until the verifier's change feed is up (a verify of a cached key then needs no store). */
async function feedUp(store: RedisKeyStore): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 2000);
    const off = store.subscribe((change) => {
      if (change.type === 'feed_restored') {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  });
}

/**
 * p50/p99 of verify() for keys the verifier has never seen: one HGETALL on the shared Redis per
 * call, measured one call at a time. A plain HGETALL on a separate connection, timed alternately
 * with it, is the control: the floor any Redis-backed check pays on this machine.
 */
async function cacheMiss(count = 2000): Promise<BenchRow> {
  const keyPrefix = uniquePrefix();
  const store = new RedisKeyStore({ url: SHARED_URL }, { keyPrefix });
  const manager = createKeyManager({ store });
  const verifier = createVerifier({ store, usage: { enabled: false } });
  const control = new Redis(SHARED_URL);
  try {
    const keys: Array<{ key: string; hash: string }> = [];
    for (let i = 0; i < count + 50; i++) {
      const { key, record } = await manager.create({ projectId: 'bench', name: `miss ${i}` });
      keys.push({ key, hash: record.hash });
    }
    const recordKey = keyLayout(keyPrefix).record(keys[0]!.hash);
    await feedUp(store);
    for (const { key } of keys.slice(count)) {
      await verifier.verify(`Bearer ${key}`); // warm both paths
      await control.hgetall(recordKey);
    }
    const samples: number[] = [];
    const floor: number[] = [];
    const timeVerify = async (key: string): Promise<void> => {
      const t = performance.now();
      const result = await verifier.verify(`Bearer ${key}`);
      samples.push(performance.now() - t);
      if (!result.ok)
        throw new Error(`cache miss bench: a fresh key was refused (${result.reason})`);
    };
    const timeControl = async (): Promise<void> => {
      const t = performance.now();
      await control.hgetall(recordKey);
      floor.push(performance.now() - t);
    };
    for (const [i, { key }] of keys.slice(0, count).entries()) {
      if (i % 2 === 0) {
        await timeVerify(key);
        await timeControl();
      } else {
        await timeControl();
        await timeVerify(key);
      }
    }
    const { p50, p99, max } = percentiles(samples);
    const c = percentiles(floor);
    console.log(
      `cache miss: p50 ${ms(p50)}, p99 ${ms(p99)}, max ${ms(max)} over ${count} keys; ` +
        `plain HGETALL p50 ${ms(c.p50)}, p99 ${ms(c.p99)}`,
    );
    return {
      name: `Redis: verify() of a key not yet cached (${count} keys, one at a time, shared Redis)`,
      figure:
        `p50 ${ms(p50)}, p99 ${ms(p99)} (max ${ms(max)}); control, a plain HGETALL timed ` +
        `alternately: p50 ${ms(c.p50)}, p99 ${ms(c.p99)}`,
      target: 'p99 <= 1 ms',
      met: p99 <= 1,
      note:
        p99 <= 1
          ? undefined
          : `A miss is one HGETALL round trip on loopback, and the p99 of a bare HGETALL measured in the ` +
            `same loop is ${ms(c.p99)}: the tail is the shared 2-core machine (Redis, the benchmark and ` +
            `other developers' processes queue for CPU), not the verifier, whose p50 is within ` +
            `${ms(Math.max(0, p50 - c.p50))} of the bare command. A host where Redis has a core to ` +
            `itself closes it.`,
    };
  } finally {
    control.disconnect();
    await verifier.close();
    await store.close();
    await deleteKeys(SHARED_URL, `${keyPrefix}*`);
  }
}

/** Keeps a verifier busy with cached verifies of `keys` until stopped (a server under load). */
function serveLoad(verifier: Verifier, keys: string[]): { stop(): Promise<number> } {
  let running = true;
  let served = 0;
  const loop = (async () => {
    while (running) {
      const batch: Array<Promise<unknown>> = [];
      for (let i = 0; i < 200; i++)
        batch.push(verifier.verify(`Bearer ${keys[(served + i) % keys.length]}`));
      await Promise.all(batch);
      served += batch.length;
      await new Promise((r) => setImmediate(r));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return served;
    },
  };
}

/**
 * Revocation propagation between two instances with their own RedisKeyStore connections on one
 * deployment (the shared standalone Redis, or a private cluster): A
 * revokes, and the time until B's store delivers the change to B's verifier (its cache entry is
 * evicted) is measured; B's next verify must then refuse the key.
 */
async function propagation(deployment: Deployment, samplesPerMode = 200): Promise<BenchRow[]> {
  const keyPrefix = uniquePrefix();
  const storeA = new RedisKeyStore(deployment.connection, { keyPrefix });
  const storeB = new RedisKeyStore(deployment.connection, { keyPrefix });
  const managerA = createKeyManager({ store: storeA });
  const verifierA = createVerifier({ store: storeA });
  const verifierB = createVerifier({ store: storeB });
  const rows: BenchRow[] = [];
  try {
    await Promise.all([feedUp(storeA), feedUp(storeB)]);
    const loadKeys: string[] = [];
    for (let i = 0; i < 50; i++) {
      loadKeys.push((await managerA.create({ projectId: 'bench', name: `load ${i}` })).key);
    }
    for (const mode of ['idle', 'under load'] as const) {
      const load = mode === 'under load' ? serveLoad(verifierB, loadKeys) : undefined;
      const samples: number[] = [];
      for (let i = 0; i < samplesPerMode; i++) {
        const { key, record } = await managerA.create({ projectId: 'bench', name: `rev ${i}` });
        const header = `Bearer ${key}`;
        if (!(await verifierB.verify(header)).ok || !(await verifierA.verify(header)).ok) {
          throw new Error('propagation bench: a fresh key was refused');
        }
        let arrived = 0;
        const seen = new Promise<void>((resolve) => {
          const off = storeB.subscribe((change) => {
            if (change.type === 'changed' && change.id === record.id) {
              arrived = performance.now();
              off();
              resolve();
            }
          });
        });
        const t = performance.now();
        await managerA.revoke(record.id);
        await seen;
        samples.push(arrived - t);
        const after = await verifierB.verify(header);
        if (after.ok || after.reason !== 'revoked') {
          throw new Error('propagation bench: instance B still accepts a revoked key');
        }
      }
      const served = load ? await load.stop() : 0;
      const { p50, p99, max } = percentiles(samples);
      console.log(
        `${deployment.name}: revocation ${mode}: p50 ${ms(p50)}, p99 ${ms(p99)}, max ${ms(max)}` +
          (load ? ` (B served ${served} verifies meanwhile)` : ''),
      );
      rows.push({
        name: `${deployment.name}: revocation on A seen by B's verifier, ${mode} (${samplesPerMode} revocations)`,
        figure: `p50 ${ms(p50)}, p99 ${ms(p99)}, max ${ms(max)}`,
        target: 'p99 <= 100 ms',
        met: p99 <= 100,
      });
    }
  } finally {
    await verifierA.close();
    await verifierB.close();
    await storeA.close();
    await storeB.close();
    await deployment.clean(keyPrefix);
  }
  return rows;
}

/** Where a benchmark runs: a Redis deployment, the servers that execute its commands, cleanup. */
interface Deployment {
  name: string;
  connection: RedisConnection;
  /** Every server that runs clients' commands (the masters of a cluster). */
  masters(): Promise<Redis[]>;
  /** Deletes what a run wrote under `keyPrefix` (a private deployment is simply stopped). */
  clean(keyPrefix: string): Promise<void>;
  stop(): Promise<void>;
}

/** The shared Redis the other benchmarks use (other clients' commands share its counters). */
function sharedDeployment(): Deployment {
  return {
    name: 'Redis',
    connection: { url: SHARED_URL },
    masters: async () => [],
    clean: async (keyPrefix) => {
      await deleteKeys(SHARED_URL, `${keyPrefix}*`);
    },
    stop: async () => undefined,
  };
}

/** A private redis-server, so that INFO commandstats counts only this benchmark. */
async function privateDeployment(): Promise<Deployment> {
  const server = await startPrivateRedis();
  const admin = new Redis(server.url);
  return {
    name: 'Redis',
    connection: { url: server.url },
    masters: async () => [admin],
    clean: async () => undefined,
    stop: async () => {
      admin.disconnect();
      await server.stop();
    },
  };
}

/** A private Redis Cluster of 3 masters with 1 replica each, on loopback. */
async function clusterDeployment(): Promise<Deployment> {
  const cluster = await startPrivateCluster();
  const clients: Redis[] = [];
  return {
    name: 'Redis Cluster',
    connection: { cluster: cluster.startupNodes },
    masters: async () => {
      const masters: Redis[] = [];
      for (const node of cluster.nodes) {
        const client = new Redis(node.url);
        clients.push(client);
        if (((await client.call('ROLE')) as unknown[])[0] === 'master') masters.push(client);
      }
      return masters;
    },
    clean: async () => undefined,
    stop: async () => {
      for (const client of clients) client.disconnect();
      await cluster.stop();
    },
  };
}

function commandCounts(info: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of info.split('\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

/**
 * Redis commands per authenticated request at steady state: `keyCount` cached keys verified
 * round-robin for `seconds`, with usage tracking, usage analytics and the change feed on (one
 * round in ten is refused for a missing scope, so every key has two outcomes),
 * counting every command the server saw (INFO commandstats delta, minus the INFO calls themselves).
 */
async function commandsPerRequest(
  deployment: Deployment,
  keyCount = 100,
  seconds = 3,
): Promise<BenchRow> {
  const keyPrefix = uniquePrefix();
  const store = new RedisKeyStore(deployment.connection, { keyPrefix });
  // Counts the analytics buckets each flush hands the store, to show analytics are written.
  let buckets = 0;
  const recordUsage = store.recordUsage.bind(store);
  store.recordUsage = (batch, ...rest) => {
    for (const entry of batch) buckets += entry.buckets?.length ?? 0;
    return recordUsage(batch, ...rest);
  };
  const manager = createKeyManager({ store });
  const verifier = createVerifier({ store });
  const servers = await deployment.masters();
  const counts = async (): Promise<Map<string, number>> => {
    const total = new Map<string, number>();
    for (const server of servers) {
      for (const [name, calls] of commandCounts(await server.info('commandstats'))) {
        total.set(name, (total.get(name) ?? 0) + calls);
      }
    }
    return total;
  };
  const readOnly = { scopes: ['cache:read'] };
  const manage = { scopes: ['keys:manage'] };
  try {
    const headers: string[] = [];
    for (let i = 0; i < keyCount; i++) {
      headers.push(
        `Bearer ${(await manager.create({ projectId: 'bench', name: `steady ${i}` })).key}`,
      );
    }
    await feedUp(store);
    for (const h of headers) await verifier.verify(h); // every key cached: steady state
    await verifier.flush();
    buckets = 0;
    const before = await counts();
    const started = performance.now();
    let requests = 0;
    while (performance.now() - started < seconds * 1000) {
      const batch: Array<Promise<unknown>> = [];
      let expected = 0;
      for (let i = 0; i < 500; i++) {
        const n = requests + i;
        // Every tenth round over the keys asks for a scope they lack: two outcomes per key.
        const refuse = Math.floor(n / keyCount) % 10 === 9;
        if (refuse) expected++;
        batch.push(verifier.verify(headers[n % keyCount]!, refuse ? manage : readOnly));
      }
      const results = await Promise.all(batch);
      const refused = results.filter((r) => !(r as { ok: boolean }).ok).length;
      if (refused !== expected)
        throw new Error(`steady state: ${refused} refusals, expected ${expected}`);
      requests += batch.length;
      await new Promise((r) => setImmediate(r));
    }
    const elapsed = (performance.now() - started) / 1000;
    await verifier.flush();
    const after = await counts();
    const delta = new Map<string, number>();
    for (const [name, calls] of after) {
      const d = calls - (before.get(name) ?? 0) - (name === 'info' ? servers.length : 0);
      if (d > 0) delta.set(name, d);
    }
    const total = [...delta.values()].reduce((a, b) => a + b, 0);
    const perRequest = total / requests;
    const breakdown = [...delta].map(([n, c]) => `${n} ${c}`).join(', ') || 'none';
    const where =
      deployment.name === 'Redis Cluster'
        ? 'private cluster, 3 masters + 3 replicas, counted on the masters'
        : 'private redis-server';
    console.log(
      `${deployment.name}: commands per request: ${perRequest.toExponential(2)} (${total} commands [${breakdown}] for ${requests} ` +
        `requests in ${elapsed.toFixed(1)} s, ${keyCount} keys, ${buckets} analytics buckets written, ${where})`,
    );
    return {
      name: `${deployment.name}: commands per authenticated request at steady state, usage analytics on (${keyCount} cached keys, ${where})`,
      figure:
        `${perRequest.toFixed(5)} (${total} commands: ${breakdown}; ${buckets} analytics buckets ` +
        `in the flushes; ${requests.toLocaleString('en-US')} requests ` +
        `in ${elapsed.toFixed(1)} s = ${Math.round(requests / elapsed).toLocaleString('en-US')}/s)`,
      target: '<= 0.01',
      met: perRequest <= 0.01,
      note:
        'Counted server-side, commands run inside the usage script included. At steady state ' +
        'Redis sees no read per request: per second, 4 heartbeat PINGs on the change feed and ' +
        'one usage script call per flush, whose commands grow with the keys used in that second ' +
        'and their analytics buckets (outcomes per hour), not with the requests. The ' +
        'per-request figure is therefore (4 + c x active keys) / requests per second: ' +
        'at or below 0.01 while each active key makes about 400 requests a second or more; a ' +
        'service with many slow keys sees more, bounded by the flush interval (usage.flushIntervalMs). ' +
        'On a cluster the client also re-reads the slot map once a second (CLUSTER SLOTS). A ' +
        'flush is one EVALSHA: its SET NX of the flush id, per key HMGET and HINCRBY (HSET for ' +
        'a later last use), two HINCRBY per key and outcome (hourly and daily) and one PEXPIREAT ' +
        'per analytics hash.',
    };
  } finally {
    await verifier.close();
    await store.close();
    await deployment.clean(keyPrefix);
  }
}

/** Runs `work` on a deployment started for it, and stops the deployment afterwards. */
async function on<T>(
  start: () => Promise<Deployment>,
  work: (d: Deployment) => Promise<T>,
): Promise<T> {
  const deployment = await start();
  try {
    return await work(deployment);
  } finally {
    await deployment.stop();
  }
}

/**
 * Every Redis benchmark; a row per target. `pnpm bench -- redis cluster` runs only the cluster
 * rows (beside which the standalone rows of a full run are the comparison).
 */
export async function benchRedis(only?: 'cluster'): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  if (only !== 'cluster') {
    rows.push(await cacheMiss());
    rows.push(...(await propagation(sharedDeployment())));
    rows.push(await on(privateDeployment, (d) => commandsPerRequest(d)));
  }
  await on(clusterDeployment, async (d) => {
    rows.push(...(await propagation(d)));
    rows.push(await commandsPerRequest(d));
  });
  return rows;
}
