import { Client, type ClientConfig } from 'pg';
import { withTimeout } from '@vectorcache/auth-core';
import type { StoreChange, StoreChangeListener } from '@vectorcache/auth-core';
import { quoteIdentifier } from './options';

interface ListenFeedOptions {
  /** The `LISTEN` channel (the store's schema name with `_changes`). */
  channel: string;
  /** Settings of the feed's own connection (never a pooled one: LISTEN needs its session). */
  config: () => ClientConfig;
  connectTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** Unanswered this long, a heartbeat makes the feed replace its connection. */
  heartbeatTimeoutMs: number;
  onError: (error: Error) => void;
}

/**
 * The change feed over `LISTEN`/`NOTIFY`, on a connection of its own. The feed is "up" only
 * between a confirmed `LISTEN` and the first sign of trouble (the connection ending or failing, or
 * a `SELECT 1` heartbeat unanswered for one `heartbeatIntervalMs`); listeners hear `feed_lost`
 * when it goes down and `feed_restored` when it is back, so nothing notified in between is
 * trusted missed. A heartbeat answered late on the same connection restores the feed (PostgreSQL
 * delivers every notification committed before the answer ahead of it); unanswered for
 * `heartbeatTimeoutMs`, the connection is dropped and a new one opened, retrying within 200 ms.
 */
export class ListenChangeFeed {
  private readonly listeners = new Set<StoreChangeListener>();
  private running = false;
  private client: Client | null = null;
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
  private overdue = false;
  private overdueTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: ListenFeedOptions) {}

  /** Registers a listener; it hears `feed_lost` at once (asynchronously) if the feed is not up. */
  subscribe(listener: StoreChangeListener): () => void {
    this.listeners.add(listener);
    if (!this.running) this.start();
    if (!this.up) {
      queueMicrotask(() => {
        if (this.listeners.has(listener) && !this.up) {
          // Before the feed was ever up it is still connecting (not reported as a loss).
          deliver(
            listener,
            this.everUp ? { type: 'feed_lost' } : { type: 'feed_lost', connecting: true },
          );
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
   * the instance that revokes a key refuses it at once, without waiting for the notification.
   */
  notifyLocal(id: string, hash: string): void {
    this.emit({ type: 'changed', id, hash });
  }

  /** Unsubscribes everyone and closes the feed's connection. */
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
    const client = this.client;
    this.client = null;
    if (client !== null) destroy(client);
  }

  private async connect(): Promise<void> {
    this.retryTimer = null;
    const generation = ++this.generation;
    const client = new Client({
      ...this.options.config(),
      connectionTimeoutMillis: this.options.connectTimeoutMs,
      keepAlive: true,
    });
    client.on('error', (error: Error) => {
      this.options.onError(error);
      if (this.client === client) this.drop(client);
    });
    client.on('end', () => {
      if (this.client === client) this.drop(client);
    });
    client.on('notification', (message) => {
      if (this.client === client && message.channel === this.options.channel) {
        this.onMessage(message.payload);
      }
    });
    try {
      await withTimeout(client.connect(), this.options.connectTimeoutMs, 'a feed connection');
      await withTimeout(
        client.query(`LISTEN ${quoteIdentifier(this.options.channel)}`),
        this.options.heartbeatTimeoutMs,
        'LISTEN',
      );
    } catch (error) {
      destroy(client);
      if (generation !== this.generation) return;
      this.options.onError(error as Error);
      this.retry();
      return;
    }
    if (generation !== this.generation) {
      destroy(client);
      return;
    }
    this.client = client;
    this.pingSentAt = null;
    this.pingSeq += 1;
    this.clearOverdue();
    this.attempts = 0;
    this.up = true;
    this.everUp = true;
    this.emit({ type: 'feed_restored' });
  }

  private retry(): void {
    if (!this.running || this.retryTimer !== null) return;
    this.attempts += 1;
    this.retryTimer = setTimeout(() => void this.connect(), Math.min(25 * this.attempts, 200));
    this.retryTimer.unref();
  }

  private onMessage(payload: string | undefined): void {
    let change: unknown;
    try {
      change = JSON.parse(payload ?? '');
    } catch {
      return;
    }
    const { id, hash } = (change ?? {}) as { id?: unknown; hash?: unknown };
    if (typeof id === 'string' && typeof hash === 'string') {
      this.emit({ type: 'changed', id, hash });
    }
  }

  private heartbeat(): void {
    const client = this.client;
    if (client === null) return;
    const now = Date.now();
    if (this.pingSentAt !== null) {
      if (now - this.pingSentAt < this.options.heartbeatTimeoutMs) return;
      // PostgreSQL stopped answering without closing the socket (hung, frozen, partitioned).
      this.drop(client);
      return;
    }
    this.pingSentAt = now;
    const seq = ++this.pingSeq;
    // Unanswered after one interval: stop trusting the cache now, long before the timeout.
    this.overdueTimer = setTimeout(() => {
      this.overdueTimer = null;
      if (seq !== this.pingSeq || this.client !== client || !this.up) return;
      this.overdue = true;
      this.lose();
    }, this.options.heartbeatIntervalMs);
    this.overdueTimer.unref();
    client.query('SELECT 1').then(
      () => {
        if (seq !== this.pingSeq) return;
        this.pingSentAt = null;
        if (this.overdueTimer !== null) clearTimeout(this.overdueTimer);
        this.overdueTimer = null;
        if (this.overdue && this.client === client) {
          // Late, not lost: every notification committed before the answer has arrived.
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

  /** Stops trusting the feed, drops its connection and opens a new one. */
  private drop(client: Client): void {
    this.lose();
    this.clearOverdue();
    this.pingSentAt = null;
    this.pingSeq += 1;
    this.client = null;
    destroy(client);
    this.retry();
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

/** Ends a connection at once, even one whose server no longer answers. */
function destroy(client: Client): void {
  client.removeAllListeners('notification');
  client.on('error', () => undefined);
  client.end().catch(() => undefined);
  (
    client as unknown as { connection?: { stream?: { destroy(): void } } }
  ).connection?.stream?.destroy();
}

function deliver(listener: StoreChangeListener, change: StoreChange): void {
  try {
    listener(change);
  } catch {
    // A throwing listener must not break the feed for the others.
  }
}
