import type { Cluster, Redis } from 'ioredis';
import type { StoreChange, StoreChangeListener } from '@vectorcache/auth-core';

interface ChangeFeedOptions {
  channel: string;
  /** Builds the dedicated subscriber connection (called once, when the first listener comes). */
  connect: () => Redis | Cluster;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  onError: (error: Error) => void;
}

/**
 * The change feed over pub/sub, on a connection of its own. The feed is "up" only between a
 * confirmed SUBSCRIBE and the first sign of trouble (the socket closing, or a PING unanswered
 * for `heartbeatTimeoutMs`); listeners hear `feed_lost` when it goes down and `feed_restored`
 * when a new subscription is confirmed, so no message published in between is trusted missed.
 */
export class ChangeFeed {
  private readonly listeners = new Set<StoreChangeListener>();
  private subscriber: Redis | Cluster | null = null;
  private timer: NodeJS.Timeout | null = null;
  private up = false;
  private pingSentAt: number | null = null;
  private pingSeq = 0;

  constructor(private readonly options: ChangeFeedOptions) {}

  /** Registers a listener; it hears `feed_lost` at once (asynchronously) if the feed is not up. */
  subscribe(listener: StoreChangeListener): () => void {
    this.listeners.add(listener);
    if (this.subscriber === null) this.start();
    if (!this.up) {
      queueMicrotask(() => {
        if (this.listeners.has(listener) && !this.up) deliver(listener, { type: 'feed_lost' });
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
    const sub = this.options.connect();
    this.subscriber = sub;
    sub.on('error', (error: Error) => this.options.onError(error));
    sub.on('close', () => this.lose());
    sub.on('ready', () => this.onReady(sub));
    sub.on('message', (channel: string, message: string) => {
      if (channel === this.options.channel) this.onMessage(message);
    });
    this.timer = setInterval(() => this.heartbeat(sub), this.options.heartbeatIntervalMs);
    this.timer.unref();
  }

  private stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    const sub = this.subscriber;
    this.subscriber = null;
    this.up = false;
    if (sub !== null) {
      sub.removeAllListeners('ready');
      sub.removeAllListeners('message');
      sub.removeAllListeners('close');
      sub.disconnect();
    }
  }

  private onReady(sub: Redis | Cluster): void {
    this.pingSentAt = null;
    this.pingSeq += 1;
    sub.subscribe(this.options.channel).then(
      () => {
        if (this.subscriber !== sub || sub.status !== 'ready' || this.up) return;
        this.up = true;
        this.emit({ type: 'feed_restored' });
      },
      (error: unknown) => {
        this.options.onError(error as Error);
        if (this.subscriber === sub) sub.disconnect(true);
      },
    );
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

  private heartbeat(sub: Redis | Cluster): void {
    if (this.subscriber !== sub || sub.status !== 'ready') return;
    const now = Date.now();
    if (this.pingSentAt !== null) {
      if (now - this.pingSentAt < this.options.heartbeatTimeoutMs) return;
      // Redis stopped answering without closing the socket (hung, frozen, network partition):
      // stop trusting the feed and replace the connection.
      this.pingSentAt = null;
      this.lose();
      sub.disconnect(true);
      return;
    }
    this.pingSentAt = now;
    const seq = ++this.pingSeq;
    sub.ping().then(
      () => {
        if (seq === this.pingSeq) this.pingSentAt = null;
      },
      () => undefined,
    );
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
