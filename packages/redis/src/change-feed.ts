import type { Redis } from 'ioredis';
import type { StoreChange, StoreChangeListener } from '@vectorcache/auth-core';

/** A subscriber connection, opened where the feed's messages arrive now. */
export interface FeedConnection {
  connection: Redis;
  /** `SSUBSCRIBE` (a shard channel, Redis Cluster 7+) rather than `SUBSCRIBE`. */
  sharded: boolean;
  /** False once the connection's node no longer serves the channel (a cluster's slot moved). */
  current?: () => boolean;
}

interface PubSubChangeFeedOptions {
  channel: string;
  /** Opens a new subscriber connection (called when the first listener comes, and after a loss). */
  open: () => Promise<FeedConnection>;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  onError: (error: Error) => void;
}

/**
 * The change feed over pub/sub (sharded pub/sub on a Redis Cluster 7+), on a connection of its
 * own. The feed is "up" only between a confirmed subscription and the first sign of trouble (the
 * socket closing, a PING unanswered for one `heartbeatIntervalMs`, the subscription dropped by the
 * server, or the channel's slot served by another node); listeners hear `feed_lost` when it goes
 * down and `feed_restored` when a new subscription is confirmed, so no message published in
 * between is trusted missed. An overdue PING only distrusts the feed: answered late, on the same
 * connection (so after every message published before it), the feed is restored; unanswered for
 * `heartbeatTimeoutMs`, the connection is replaced. A frozen link is thus distrusted at most two
 * intervals after it froze (500 ms by default), not when the timeout declares it dead. After a
 * loss the feed opens a new connection, to wherever the channel lives then (a promoted replica
 * after a failover), retrying within 200 ms.
 */
const FEED_LOST: StoreChange = { type: 'feed_lost' };
const CONNECTING: StoreChange = { type: 'feed_lost', connecting: true };

export class PubSubChangeFeed {
  private readonly listeners = new Set<StoreChangeListener>();
  private running = false;
  private feed: FeedConnection | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private attempts = 0;
  /** Bumped whenever a connection is opened or the feed stops, so stale callbacks do nothing. */
  private generation = 0;
  private up = false;
  /** The feed has been up once: before that, a listener hears that it is still connecting. */
  private everUp = false;
  private pingSentAt: number | null = null;
  private pingSeq = 0;
  /** The feed was distrusted because a PING is overdue, on a connection still open. */
  private overdue = false;
  private overdueTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: PubSubChangeFeedOptions) {}

  /** Registers a listener; it hears `feed_lost` at once (asynchronously) if the feed is not up. */
  subscribe(listener: StoreChangeListener): () => void {
    this.listeners.add(listener);
    if (!this.running) this.start();
    if (!this.up) {
      queueMicrotask(() => {
        if (this.listeners.has(listener) && !this.up) {
          deliver(listener, this.everUp ? FEED_LOST : CONNECTING);
        }
      });
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  /**
   * Tells this store's own listeners about a change it just wrote, before the write resolves:
   * the instance that revokes a key refuses it at once, without waiting for the pub/sub echo.
   */
  notifyLocal(id: string, hash: string): void {
    this.emit({ type: 'changed', id, hash });
  }

  /** Unsubscribes everyone and closes the subscriber connection. */
  close(): void {
    this.listeners.clear();
    this.stop();
  }

  private start(): void {
    this.running = true;
    this.heartbeatTimer = setInterval(() => this.heartbeat(), this.options.heartbeatIntervalMs);
    this.heartbeatTimer.unref();
    void this.connect();
  }

  private stop(): void {
    this.running = false;
    this.generation += 1;
    if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer);
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.heartbeatTimer = null;
    this.retryTimer = null;
    this.up = false;
    this.attempts = 0;
    this.clearOverdue();
    const sub = this.feed?.connection;
    this.feed = null;
    if (sub !== undefined) {
      sub.removeAllListeners();
      sub.on('error', () => undefined);
      sub.disconnect();
    }
  }

  private async connect(): Promise<void> {
    this.retryTimer = null;
    const generation = ++this.generation;
    let opened: FeedConnection;
    try {
      opened = await this.options.open();
    } catch (error) {
      if (generation !== this.generation) return;
      this.options.onError(error as Error);
      this.retry();
      return;
    }
    const sub = opened.connection;
    if (generation !== this.generation) {
      sub.on('error', () => undefined);
      sub.disconnect();
      return;
    }
    this.feed = opened;
    this.pingSentAt = null;
    this.pingSeq += 1;
    this.clearOverdue();
    sub.on('error', (error: Error) => this.options.onError(error));
    sub.on('close', () => {
      if (this.feed?.connection === sub) this.lose();
    });
    // The connection never reconnects by itself: once it ends, open a new one.
    sub.once('end', () => {
      if (this.feed?.connection !== sub) return;
      this.feed = null;
      this.retry();
    });
    // ioredis's answer to a MOVED reply to SSUBSCRIBE: this node does not serve the slot (yet).
    sub.on('moved', () => sub.disconnect());
    sub.on(opened.sharded ? 'smessage' : 'message', (channel: string, message: string) => {
      if (channel === this.options.channel && this.feed?.connection === sub)
        this.onMessage(message);
    });
    sub.once('ready', () => this.subscribeOn(opened));
  }

  private subscribeOn(opened: FeedConnection): void {
    const sub = opened.connection;
    const channel = this.options.channel;
    // A subscription that is never confirmed (a frozen server) is replaced like a missed PING.
    const timer = setTimeout(() => sub.disconnect(), this.options.heartbeatTimeoutMs);
    timer.unref();
    (opened.sharded ? sub.ssubscribe(channel) : sub.subscribe(channel)).then(
      () => {
        clearTimeout(timer);
        if (this.feed?.connection !== sub || sub.status !== 'ready' || this.up) return;
        this.up = true;
        this.everUp = true;
        this.attempts = 0;
        this.emit({ type: 'feed_restored' });
      },
      (error: unknown) => {
        clearTimeout(timer);
        this.options.onError(error as Error);
        sub.disconnect();
      },
    );
  }

  private retry(): void {
    if (!this.running || this.retryTimer !== null) return;
    this.attempts += 1;
    this.retryTimer = setTimeout(() => void this.connect(), Math.min(25 * this.attempts, 200));
    this.retryTimer.unref();
  }

  private onMessage(message: string): void {
    let change: unknown;
    try {
      change = JSON.parse(message);
    } catch {
      return;
    }
    const { id, hash } = (change ?? {}) as { id?: unknown; hash?: unknown };
    if (typeof id === 'string' && typeof hash === 'string') {
      this.emit({ type: 'changed', id, hash });
    }
  }

  private heartbeat(): void {
    const feed = this.feed;
    const sub = feed?.connection;
    if (feed === null || sub === undefined || sub.status !== 'ready') return;
    if (this.up && feed.current !== undefined && !feed.current()) {
      // The channel's slot is served by another node now (failover, resharding).
      this.replace(sub);
      return;
    }
    const now = Date.now();
    if (this.pingSentAt !== null) {
      if (now - this.pingSentAt < this.options.heartbeatTimeoutMs) return;
      // Redis stopped answering without closing the socket (hung, frozen, network partition).
      this.pingSentAt = null;
      this.replace(sub);
      return;
    }
    this.pingSentAt = now;
    const seq = ++this.pingSeq;
    // Unanswered after one interval: stop trusting the cache now, long before the timeout.
    this.overdueTimer = setTimeout(() => {
      this.overdueTimer = null;
      if (seq !== this.pingSeq || this.feed?.connection !== sub || !this.up) return;
      this.overdue = true;
      this.lose();
    }, this.options.heartbeatIntervalMs);
    this.overdueTimer.unref();
    sub.ping().then(
      (reply: unknown) => {
        if (seq !== this.pingSeq) return;
        this.pingSentAt = null;
        if (this.overdueTimer !== null) clearTimeout(this.overdueTimer);
        this.overdueTimer = null;
        // A subscribed connection answers PING with ["pong", ""]; anything else means the server
        // dropped the subscription (a node that lost the channel's slot unsubscribes its clients).
        const current = this.feed?.connection === sub;
        if ((this.up || this.overdue) && current && !Array.isArray(reply)) this.replace(sub);
        else if (this.overdue && current && sub.status === 'ready') {
          // Late, not lost: every message published before the PING has arrived before its answer.
          this.overdue = false;
          this.up = true;
          this.everUp = true;
          this.emit({ type: 'feed_restored' });
        }
      },
      () => undefined,
    );
  }

  private clearOverdue(): void {
    this.overdue = false;
    if (this.overdueTimer !== null) clearTimeout(this.overdueTimer);
    this.overdueTimer = null;
  }

  /** Stops trusting the feed and drops its connection; a new one is opened once it has ended. */
  private replace(sub: Redis): void {
    this.lose();
    this.clearOverdue();
    sub.disconnect();
  }

  private lose(): void {
    if (!this.up) return;
    this.up = false;
    this.emit({ type: 'feed_lost' });
  }

  private emit(change: StoreChange): void {
    for (const listener of [...this.listeners]) deliver(listener, change);
  }
}

function deliver(listener: StoreChangeListener, change: StoreChange): void {
  try {
    listener(change);
  } catch {
    // A throwing listener must not break the feed for the others.
  }
}
