import { Cluster, Redis } from 'ioredis';
import type { ClusterOptions, RedisOptions } from 'ioredis';
import type { RedisConnection } from './types';
import { withTimeout } from '@vectorcache/auth-core';

/** Durations that shape the recommended ioredis settings. */
export interface RedisTimeouts {
  /** @default 500 */
  commandTimeoutMs?: number;
  /** @default 1000 */
  connectTimeoutMs?: number;
}

/** A standalone (or Sentinel) client, or a Cluster client. */
export type Client = Redis | Cluster;

/** Whether `client` is an ioredis `Cluster` (asked of the object, so any copy of ioredis works). */
export function isCluster(client: Client): client is Cluster {
  return (client as { isCluster?: boolean }).isCluster === true;
}

/**
 * The ioredis settings under which no request waits on Redis longer than the verifier's
 * timeout: no offline queue, a command timeout, no retry of a command on another connection,
 * and reconnects within 200 ms. `RedisKeyStore` uses them for the clients it builds; pass them
 * to `new Redis(...)` when you bring your own client.
 *
 * @example
 * const client = new Redis(process.env.REDIS_URL!, recommendedRedisOptions());
 * client.on('error', (err) => logger.warn({ err }, 'redis'));
 * const store = new RedisKeyStore({ client });
 */
export function recommendedRedisOptions(timeouts: RedisTimeouts = {}): RedisOptions {
  return {
    enableOfflineQueue: false,
    commandTimeout: timeouts.commandTimeoutMs ?? 500,
    connectTimeout: timeouts.connectTimeoutMs ?? 1000,
    // A command in flight when the connection drops fails at once instead of being replayed:
    // replaying a usage increment whose reply was lost would count it twice.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (attempt: number) => Math.min(25 * attempt, 200),
    // How long a closing socket may linger before it is destroyed (ioredis waits 2 s).
    disconnectTimeout: 500,
  };
}

/**
 * The same bounds for an ioredis `Cluster`: no offline queue, the per-node settings of
 * {@link recommendedRedisOptions}, commands re-routed after a failover, and the slot map re-read
 * every second so a promotion is noticed quickly. `RedisKeyStore` uses them for `{ cluster }`; pass them to `new Cluster(...)`
 * when you bring your own.
 *
 * @example
 * const client = new Cluster([{ host: '10.0.0.1', port: 6379 }], recommendedClusterOptions());
 * const store = new RedisKeyStore({ client });
 */
export function recommendedClusterOptions(timeouts: RedisTimeouts = {}): ClusterOptions {
  const {
    enableOfflineQueue: _queue,
    retryStrategy: _retry,
    ...redisOptions
  } = recommendedRedisOptions(timeouts);
  return {
    enableOfflineQueue: false,
    redisOptions,
    clusterRetryStrategy: (attempt: number) => Math.min(25 * attempt, 200),
    // A command whose node went away is sent again, 100 ms later, to wherever the re-read slot
    // map says (the promoted replica): a write right after a failover, from an instance that
    // has not used the cluster since, succeeds instead of failing once. The verifier's timeout
    // still bounds every request.
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    slotsRefreshTimeout: timeouts.connectTimeoutMs ?? 1000,
    slotsRefreshInterval: 1000,
  };
}

/** The client the store builds for `{ url }` or `{ cluster }` (not for `{ client }`). */
export function buildClient(
  connection: Exclude<RedisConnection, { client: unknown }>,
  timeouts: RedisTimeouts,
): Client {
  if ('cluster' in connection) {
    const recommended = recommendedClusterOptions(timeouts);
    const given = connection.clusterOptions ?? {};
    return new Cluster(connection.cluster, {
      ...recommended,
      ...given,
      redisOptions: { ...recommended.redisOptions, ...given.redisOptions },
    });
  }
  return new Redis(connection.url, {
    ...recommendedRedisOptions(timeouts),
    ...connection.redisOptions,
  });
}

/**
 * Settings of a change-feed subscriber connection: it never reconnects by itself (the feed opens
 * a new one, to wherever the channel lives then, and so knows when a subscription is confirmed),
 * and its liveness is watched by the feed's heartbeat rather than a command timeout.
 */
const SUBSCRIBER_OVERRIDES = {
  commandTimeout: undefined,
  enableOfflineQueue: true,
  enableReadyCheck: false,
  autoResubscribe: false,
  lazyConnect: false,
  retryStrategy: () => null,
  connectionName: 'vectorcache-feed',
};

/** A new subscriber connection like `client` (standalone or Sentinel). */
export function standaloneSubscriber(client: Redis, timeouts: RedisTimeouts): Redis {
  return client.duplicate({
    ...recommendedRedisOptions(timeouts),
    ...SUBSCRIBER_OVERRIDES,
  });
}

/** A new subscriber connection to the cluster node `host:port`, with the cluster's node settings. */
export function nodeSubscriber(cluster: Cluster, nodeKey: string, timeouts: RedisTimeouts): Redis {
  const colon = nodeKey.lastIndexOf(':');
  return new Redis({
    ...recommendedRedisOptions(timeouts),
    ...cluster.options.redisOptions,
    ...SUBSCRIBER_OVERRIDES,
    host: nodeKey.slice(0, colon),
    port: Number(nodeKey.slice(colon + 1)),
  });
}

/** Re-reads the cluster's slot map (best effort: the old map stays if no node answers). */
export function refreshSlots(cluster: Cluster, ms: number): Promise<void> {
  return bounded(new Promise<void>((resolve) => cluster.refreshSlotsCache(() => resolve())), ms);
}

/** The major version of the Redis server behind `client` (a random node of a cluster). */
export async function serverMajorVersion(client: Client): Promise<number> {
  const info = await client.info('server');
  const version = /^redis_version:(\d+)/m.exec(info)?.[1];
  return version === undefined ? 0 : Number(version);
}

/**
 * Without an offline queue, a command sent before the very first connection is up fails; this
 * waits for that connection (or its failure) at most `ms`. Later outages are not waited for.
 */
export async function firstConnection(client: Client, ms: number): Promise<void> {
  const status = client.status;
  if (status === 'wait') client.connect().catch(() => undefined);
  else if (status !== 'connecting' && status !== 'connect') return;
  // Commands sent together before the first connection share one wait (one pair of listeners,
  // not one per command: a hundred parallel writes would trip MaxListenersExceededWarning).
  let waiting = firstConnections.get(client);
  if (!waiting) {
    waiting = new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        client.off('ready', done);
        client.off('close', done);
        firstConnections.delete(client);
        resolve();
      };
      const timer = setTimeout(done, ms);
      client.once('ready', done);
      client.once('close', done);
    });
    firstConnections.set(client, waiting);
  }
  await waiting;
}

/** The wait of {@link firstConnection} in progress, per client. */
const firstConnections = new WeakMap<Client, Promise<void>>();

/** QUIT when connected, then disconnect; never waits longer than about `2 * ms`. */
export async function closeConnection(client: Client, ms: number): Promise<void> {
  const connected = ['connect', 'connecting', 'ready'].includes(client.status);
  const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
  if (client.status === 'ready') await bounded(client.quit(), ms);
  client.disconnect();
  // Without a socket (between reconnection attempts) there is nothing to wait for.
  if (connected) await bounded(ended, ms);
}

/** Waits for `promise` (its failure ignored) at most `ms`. */
async function bounded(promise: Promise<unknown>, ms: number): Promise<void> {
  await withTimeout(promise, ms, 'the close').catch(() => undefined);
}
