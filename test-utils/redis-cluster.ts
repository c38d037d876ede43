import { execFile } from 'node:child_process';
import { Redis } from 'ioredis';
import { startPrivateRedis, tryPort, type PrivateRedis } from './redis-server';

/** A throw-away Redis Cluster on 127.0.0.1: 3 masters with 1 replica each. */
export interface PrivateCluster {
  /** Every node, in creation order (the first three start as masters; roles change on failover). */
  nodes: PrivateRedis[];
  /** Seeds for an ioredis `Cluster` (every node). */
  startupNodes: Array<{ host: string; port: number }>;
  /** `127.0.0.1:p1,127.0.0.1:p2,...`, the form `VECTORCACHE_REDIS_CLUSTER` takes. */
  env: string;
  /** The node that is master of `key`'s slot now, as the live nodes report it. */
  masterOf(key: string): Promise<PrivateRedis>;
  /** Resolves once every slot is served, every node agrees, and every master has a synced replica. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Kills every node and deletes their working directories. */
  stop(): Promise<void>;
}

/** How to start a {@link startPrivateCluster}. */
export interface PrivateClusterOptions {
  /**
   * `cluster-node-timeout`: how long a master may be unreachable before its replica takes over.
   * Small, so a failover test stays short.
   * @default 1000
   */
  nodeTimeoutMs?: number;
}

const MASTERS = 3;
const NODES = MASTERS * 2;

/**
 * A port whose cluster-bus port (port + 10000) is free too, below the OS's ephemeral range so
 * that neither collides with outgoing connections. Works with every redis-server version.
 */
async function clusterPort(taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 10000 + Math.floor(Math.random() * 12000);
    if (taken.has(port) || taken.has(port + 10000)) continue;
    if ((await tryPort(port)) !== null && (await tryPort(port + 10000)) !== null) {
      taken.add(port);
      taken.add(port + 10000);
      return port;
    }
  }
  throw new Error('no free pair of ports (port, port + 10000) for a cluster node on 127.0.0.1');
}

function run(command: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error)
        reject(new Error(`${command} ${args.join(' ')} failed: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

/** A short-lived connection to one node that never retries or queues. */
async function withNode<T>(port: number, work: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 500,
    commandTimeout: 1000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await work(client);
  } finally {
    client.disconnect();
  }
}

/** Why the cluster is not healthy yet, or `null` when it is (asked of every live node). */
async function healthProblem(nodes: PrivateRedis[]): Promise<string | null> {
  let replicasUp = 0;
  for (const node of nodes) {
    const problem = await withNode(node.port, async (client) => {
      const info = await client.cluster('INFO');
      if (!/cluster_state:ok/.test(info)) return `node ${node.port} reports cluster_state:fail`;
      if (!info.includes(`cluster_known_nodes:${NODES}`)) {
        return `node ${node.port} does not know every node yet`;
      }
      const role = (await client.call('ROLE')) as unknown[];
      if (role[0] === 'slave') {
        if (role[3] !== 'connected') return `replica ${node.port} is not synced`;
        replicasUp += 1;
      }
      return null;
    }).catch((error: Error) => `node ${node.port} does not answer (${error.message})`);
    if (problem !== null) return problem;
  }
  return replicasUp === MASTERS ? null : `${replicasUp} of ${MASTERS} replicas connected`;
}

/**
 * Starts 6 `redis-server --cluster-enabled yes` on free loopback ports, joins them with
 * `redis-cli --cluster create ... --cluster-replicas 1 --cluster-yes` (3 masters, 1 replica
 * each) and resolves once every node reports `cluster_state:ok` and every replica is synced.
 * Call `stop()` in `afterAll`; the processes are killed at exit as a last resort.
 *
 * @example
 * const cluster = await startPrivateCluster();
 * try { const store = new RedisKeyStore({ cluster: cluster.startupNodes }); ... }
 * finally { await cluster.stop(); }
 */
export async function startPrivateCluster(
  options: PrivateClusterOptions = {},
): Promise<PrivateCluster> {
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 1000;
  const taken = new Set<number>();
  const ports: number[] = [];
  for (let i = 0; i < NODES; i++) ports.push(await clusterPort(taken));
  const args = [
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    'nodes.conf',
    '--cluster-node-timeout',
    String(nodeTimeoutMs),
    // A replica takes over however long its master has been gone (the default refuses after a
    // while, which only makes sense with real replication lag).
    '--cluster-replica-validity-factor',
    '0',
    // Replicas sync at once instead of after the default 5 s wait for more replicas.
    '--repl-diskless-sync-delay',
    '0',
  ];
  const t0 = Date.now();
  const started = await Promise.allSettled(ports.map((port) => startPrivateRedis({ port, args })));
  const nodes = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((node) => node.stop()));
  };
  try {
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((port) => `127.0.0.1:${port}`),
        '--cluster-replicas',
        '1',
        '--cluster-yes',
      ],
      30000,
    );
    const cluster: PrivateCluster = {
      nodes,
      startupNodes: ports.map((port) => ({ host: '127.0.0.1', port })),
      env: ports.map((port) => `127.0.0.1:${port}`).join(','),
      async masterOf(key) {
        for (const node of nodes) {
          const port = await withNode(node.port, async (client) => {
            const slot = Number(await client.cluster('KEYSLOT', key));
            const ranges = await client.cluster('SLOTS');
            const range = ranges.find(([from, to]) => slot >= from && slot <= to);
            return range?.[2]?.[1];
          }).catch(() => undefined);
          const master = nodes.find((candidate) => candidate.port === port);
          if (master) return master;
        }
        throw new Error(`no live node of the cluster knows the master of "${key}"`);
      },
      async waitHealthy(timeoutMs = 20000) {
        const deadline = Date.now() + timeoutMs;
        let problem = await healthProblem(nodes);
        while (problem !== null) {
          if (Date.now() > deadline) {
            throw new Error(`the cluster is not healthy after ${timeoutMs} ms: ${problem}`);
          }
          await new Promise((resolve) => setTimeout(resolve, 50));
          problem = await healthProblem(nodes);
        }
      },
      stop,
    };
    if (process.env.VC_CLUSTER_TIMING) console.error('created', Date.now() - t0);
    await cluster.waitHealthy();
    return cluster;
  } catch (error) {
    await stop();
    throw error;
  }
}
