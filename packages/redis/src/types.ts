import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import type { UsageRetention } from '@vectorcache/auth-core';

/** One seed node of a Redis Cluster. */
export interface ClusterNode {
  host: string;
  port: number;
}

/**
 * Where a {@link RedisKeyStore} connects: a Redis URL, the seed nodes of a Redis Cluster, or an
 * ioredis client you built.
 */
export type RedisConnection =
  | {
      /** `redis://[user:password@]host:port[/db]` or `rediss://...` for TLS. */
      url: string;
      /** Extra ioredis options, applied over the recommended ones (see the README). */
      redisOptions?: RedisOptions;
    }
  | {
      /**
       * Some nodes of a Redis Cluster (one reachable node is enough: the others are discovered).
       * The store builds an ioredis `Cluster` with the recommended settings.
       */
      cluster: ClusterNode[];
      /**
       * Extra ioredis `Cluster` options, applied over the recommended ones; per-node settings
       * (password, TLS) go in its `redisOptions`.
       */
      clusterOptions?: ClusterOptions;
    }
  | {
      /**
       * Your ioredis client (standalone, Sentinel or Cluster), used as it is. Configure it with
       * `recommendedRedisOptions(...)` so that no request waits on Redis longer than the
       * verifier's timeout. It is not closed by `close()` unless `closeClient` is set.
       */
      client: Redis | Cluster;
    };

/** Options of {@link RedisKeyStore}. Every duration is in milliseconds. */
export interface RedisKeyStoreOptions {
  /**
   * Prefix of every key name and of the change-feed channel. Give each environment its own
   * (`vc:prod:`, `vc:test:`), so that stores sharing a Redis never see each other's keys.
   * @default 'vc:'
   */
  keyPrefix?: string;
  /**
   * A command that gets no answer within this time is rejected (ioredis `commandTimeout`), so
   * a hung Redis cannot pile up requests. Keep it at or below the verifier's `timeoutMs`.
   * Applies to the connection the store builds from `url` only.
   * @default 500
   */
  commandTimeoutMs?: number;
  /**
   * Replicas that must acknowledge (Redis `WAIT`) a write that makes a key less valid (a
   * revocation, new scopes, an expiry) before it is reported done; fewer within `durableWaitMs`
   * rejects with `not_durable` (the write is on the master, but a failover could undo it). Pair
   * it with `min-replicas-to-write` on the servers (see the README).
   * @default 1 on a Redis Cluster, 0 (no wait) on a standalone Redis
   */
  durableReplicas?: number;
  /** How long such a write waits for the acknowledgement; keep it under `commandTimeoutMs`. @default 250 */
  durableWaitMs?: number;
  /**
   * Bound on establishing a connection, and on how long a command issued before the very
   * first connection is ready waits for it (there is no offline queue afterwards).
   * @default 1000
   */
  connectTimeoutMs?: number;
  /**
   * The subscriber connection is pinged this often. A PING unanswered for one interval makes
   * the verifiers distrust their caches until it is answered (a frozen link is distrusted at most
   * two intervals after it froze); unanswered for `heartbeatTimeoutMs`, the connection is replaced
   * (Redis hung without closing the socket).
   * @default 250
   */
  heartbeatIntervalMs?: number;
  /** @default 1000 */
  heartbeatTimeoutMs?: number;
  /** With `{ client }`: let `close()` quit your client too. @default false */
  closeClient?: boolean;
  /**
   * Receives connection errors of the store's own connections (they are otherwise swallowed,
   * so a Redis failure never crashes the process or floods the log; requests get 503).
   */
  onError?: (error: Error) => void;
  /**
   * Bound of the in-memory id -> hash map that lets usage flushes go out as one pipeline
   * (ids never change their hash, so the map is never stale).
   * @default 10000
   */
  idCacheMax?: number;
  /**
   * How long usage analytics are kept (Redis key expiry): hourly points 35 days, daily points
   * 400 days by default.
   */
  retention?: UsageRetention;
  /**
   * Entries kept in each project's audit list (the oldest are dropped).
   * @default 10000
   */
  auditLimit?: number;
}
