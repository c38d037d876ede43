import { Cluster, Redis } from 'ioredis';
import type { RedisConnection } from '@vectorcache/auth-redis';
import { keyLayout, type KeyLayout } from '../src/key-layout';
import {
  describeRedis,
  describeRedisServer,
  redisUrl,
  uniquePrefix,
} from '../../../test-utils/redis';
import { startPrivateCluster, type PrivateCluster } from '../../../test-utils/redis-cluster';
import { startPrivateRedis } from '../../../test-utils/redis-server';
import { deleteKeys } from './helpers';

/** One Redis deployment the store's suites run against, started for one suite. */
export interface StartedTarget {
  /** The suite's own key prefix, and the names under it. */
  prefix: string;
  layout: KeyLayout;
  /** What `new RedisKeyStore(connection, { keyPrefix: prefix })` takes. */
  connection: RedisConnection;
  /** The zero-configuration environment for it (`VECTORCACHE_REDIS_URL` or `_CLUSTER`, prefix). */
  env: Record<string, string>;
  /** A client of the deployment for the test itself (routes by slot on a cluster). */
  admin: Redis | Cluster;
  /** A new client of the deployment (not closed by the suite unless it says so). */
  newClient(): Redis | Cluster;
  /**
   * A connection to the one server that holds the store's keys (the master of its slot on a
   * cluster): SCAN, MONITOR and INFO see the whole store there.
   */
  storeNode(): Promise<Redis>;
  /** Connections to every server that executes commands for clients (the masters of a cluster). */
  masters(): Promise<Redis[]>;
  /** The private cluster, when the target is one (failover tests kill its nodes). */
  cluster?: PrivateCluster;
  /** Removes what the suite wrote, and the servers it started. */
  stop(): Promise<void>;
}

/** A row of the table of deployments. */
export interface RedisTarget {
  name: string;
  cluster: boolean;
  /** `describe`, or `describe.skip` with the reason when the deployment cannot run here. */
  describe: jest.Describe;
  /**
   * Starts the deployment for one suite. `exclusive`: a server of the suite's own (so that
   * `INFO commandstats` counts only its commands) rather than the shared test Redis.
   */
  start(label: string, options?: { exclusive?: boolean }): Promise<StartedTarget>;
}

function standaloneTarget(
  url: string,
  prefix: string,
  stopServer?: () => Promise<void>,
): StartedTarget {
  const admin = new Redis(url);
  return {
    prefix,
    layout: keyLayout(prefix),
    connection: { url },
    env: { VECTORCACHE_REDIS_URL: url, VECTORCACHE_REDIS_PREFIX: prefix },
    admin,
    newClient: () => new Redis(url),
    storeNode: async () => admin,
    masters: async () => [admin],
    async stop() {
      if (stopServer === undefined) await deleteKeys(admin, `${prefix}*`);
      admin.disconnect();
      await stopServer?.();
    },
  };
}

/** The deployments every Redis suite runs against: one table, so no suite exists in two copies. */
export const REDIS_TARGETS: RedisTarget[] = [
  {
    name: 'standalone Redis',
    cluster: false,
    describe: describeRedis,
    async start(label, options = {}) {
      const prefix = uniquePrefix(label);
      if (!options.exclusive) return standaloneTarget(redisUrl, prefix);
      const server = await startPrivateRedis();
      return standaloneTarget(server.url, prefix, () => server.stop());
    },
  },
  {
    name: 'Redis Cluster (3 masters, 1 replica each)',
    cluster: true,
    describe: describeRedisServer,
    async start(label) {
      const cluster = await startPrivateCluster();
      const prefix = uniquePrefix(label);
      const layout = keyLayout(prefix);
      const newClient = (): Cluster => new Cluster(cluster.startupNodes);
      const admin = newClient();
      const nodes: Redis[] = [];
      return {
        prefix,
        layout,
        connection: { cluster: cluster.startupNodes },
        env: { VECTORCACHE_REDIS_CLUSTER: cluster.env, VECTORCACHE_REDIS_PREFIX: prefix },
        admin,
        newClient,
        cluster,
        async storeNode() {
          const master = await cluster.masterOf(layout.ids);
          const node = new Redis(master.url);
          nodes.push(node);
          return node;
        },
        async masters() {
          const masters: Redis[] = [];
          for (const member of cluster.nodes) {
            const client = new Redis(member.url);
            nodes.push(client);
            const role = (await client.call('ROLE')) as unknown[];
            if (role[0] === 'master') masters.push(client);
          }
          return masters;
        },
        async stop() {
          for (const node of nodes) node.disconnect();
          admin.disconnect();
          await cluster.stop();
        },
      };
    },
  },
];
