import { VectorcacheAuthError } from '@vectorcache/auth-core';
import type { FeedConnection } from './change-feed';
import {
  isCluster,
  nodeSubscriber,
  refreshSlots,
  serverMajorVersion,
  standaloneSubscriber,
  type Client,
  type RedisTimeouts,
} from './connection';

/** How the change feed is published: `SPUBLISH` on a Redis Cluster 7+, `PUBLISH` otherwise. */
export type PublishCommand = 'SPUBLISH' | 'PUBLISH';

interface FeedSourceOptions {
  /** The Redis Cluster slot of the feed's channel (the store's slot). */
  slot: number;
  /** Where the store connects, for messages. */
  description: string;
  timeouts: Required<RedisTimeouts>;
  /** Resolves once the client can take commands (or rejects). */
  ready: () => Promise<void>;
}

/**
 * Where the change feed lives on a deployment, and how it is published: a duplicate of a
 * standalone client with plain pub/sub; on a cluster, the master that serves the store's slot,
 * with sharded pub/sub when the servers have it. Writers and the feed's subscriber ask the same
 * object, so they always agree.
 */
export class FeedSource {
  private publish: Promise<PublishCommand> | null = null;
  private opens = 0;

  constructor(
    private readonly client: Client,
    private readonly options: FeedSourceOptions,
  ) {}

  /**
   * `SPUBLISH` where the channel is a shard channel (a Redis Cluster of version 7 or later, asked
   * once with INFO), else `PUBLISH`.
   */
  publishCommand(): Promise<PublishCommand> {
    const client = this.client;
    if (!isCluster(client)) return Promise.resolve('PUBLISH');
    this.publish ??= serverMajorVersion(client).then(
      (major): PublishCommand => (major >= 7 ? 'SPUBLISH' : 'PUBLISH'),
      (error: unknown) => {
        this.publish = null; // asked again next time
        throw error;
      },
    );
    return this.publish;
  }

  /**
   * A new subscriber connection: a duplicate of a standalone client, or a connection to the
   * cluster node that serves the slot now (after a failover, the promoted replica: from the
   * second connection on, the slot map is re-read first).
   */
  async open(): Promise<FeedConnection> {
    const client = this.client;
    const { slot, timeouts } = this.options;
    if (!isCluster(client)) {
      return { connection: standaloneSubscriber(client, timeouts), sharded: false };
    }
    await this.options.ready();
    const sharded = (await this.publishCommand()) === 'SPUBLISH';
    if (this.opens++ > 0) await refreshSlots(client, timeouts.connectTimeoutMs);
    const nodeKey = client.slots[slot]?.[0];
    if (nodeKey === undefined) {
      throw new VectorcacheAuthError(
        'store_unavailable',
        `${this.options.description}: no node serves the store's slot ${slot} yet.`,
      );
    }
    return {
      connection: nodeSubscriber(client, nodeKey, timeouts),
      sharded,
      current: () => (client.slots[slot]?.[0] ?? nodeKey) === nodeKey,
    };
  }
}
