import { Cluster } from 'ioredis';
import type { Redis, RedisOptions } from 'ioredis';

/** Durations that shape the recommended ioredis settings. */
export interface RedisTimeouts {
  /** @default 500 */
  commandTimeoutMs?: number;
  /** @default 1000 */
  connectTimeoutMs?: number;
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
 * The dedicated pub/sub connection, a duplicate of `client`. Its liveness is watched by the
 * change feed's heartbeat rather than a command timeout, and it resubscribes itself so that it
 * knows when a subscription is confirmed.
 */
export function subscriberConnection(
  client: Redis | Cluster,
  timeouts: RedisTimeouts,
): Redis | Cluster {
  const overrides = {
    ...recommendedRedisOptions(timeouts),
    commandTimeout: undefined,
    enableOfflineQueue: true,
    enableReadyCheck: false,
    autoResubscribe: false,
    lazyConnect: false,
    connectionName: 'vectorcache-feed',
  };
  if (client instanceof Cluster) {
    return client.duplicate(undefined, {
      redisOptions: { ...client.options.redisOptions, ...overrides },
    });
  }
  return client.duplicate(overrides);
}

/**
 * Without an offline queue, a command sent before the very first connection is up fails; this
 * waits for that connection (or its failure) at most `ms`. Later outages are not waited for.
 */
export async function firstConnection(client: Redis | Cluster, ms: number): Promise<void> {
  const status = client.status;
  if (status === 'wait') client.connect().catch(() => undefined);
  else if (status !== 'connecting' && status !== 'connect') return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      client.off('ready', done);
      client.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    client.once('ready', done);
    client.once('close', done);
  });
}

/** QUIT when connected, then disconnect; never waits longer than about `2 * ms`. */
export async function closeConnection(client: Redis | Cluster, ms: number): Promise<void> {
  const connected = ['connect', 'connecting', 'ready'].includes(client.status);
  const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
  if (client.status === 'ready') await bounded(client.quit(), ms);
  client.disconnect();
  // Without a socket (between reconnection attempts) there is nothing to wait for.
  if (connected) await bounded(ended, ms);
}

/** Waits for `promise` (its failure ignored) at most `ms`. */
async function bounded(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([promise.catch(() => undefined), timeout]);
  clearTimeout(timer);
}
