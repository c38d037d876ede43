import { Redis } from 'ioredis';
import type { Cluster } from 'ioredis';
import { VectorcacheAuthError } from '@vectorcache/auth-core';
import type {
  KeyRecordPatch,
  KeyStore,
  StoreChangeListener,
  StoredKeyRecord,
  UsageEntry,
} from '@vectorcache/auth-core';
import { ChangeFeed } from './change-feed';
import {
  closeConnection,
  firstConnection,
  recommendedRedisOptions,
  subscriberConnection,
} from './connection';
import { keyLayout, type KeyLayout } from './key-layout';
import {
  corruptRecord,
  decodeRecord,
  encodePatch,
  encodeRecord,
  fieldsFromArray,
} from './record-codec';
import { INSERT_SCRIPT, UPDATE_SCRIPT, USAGE_SCRIPT } from './scripts';
import type { RedisConnection, RedisKeyStoreOptions } from './types';
import { validateOptions, type ResolvedOptions } from './options';

type Client = Redis | Cluster;

/** The scripts, registered on the client with `defineCommand` under names unlikely to clash. */
interface ScriptCommands {
  vectorcacheInsertV1(...args: string[]): Promise<number>;
  vectorcacheUpdateV1(...args: string[]): Promise<unknown>;
  vectorcacheUsageV1(...args: string[]): Promise<number>;
}

/**
 * A `KeyStore` on Redis (standalone, Sentinel or Cluster, through ioredis), shared by every
 * instance of a service: records by key hash, indexes by id and by project, usage counters
 * updated in one pipeline per flush, and a change feed over pub/sub so that a revocation on
 * one instance evicts the key from every other instance's cache.
 *
 * @example
 * import { createVerifier } from '@vectorcache/auth-core';
 * import { RedisKeyStore } from '@vectorcache/auth-redis';
 *
 * const store = new RedisKeyStore({ url: 'redis://127.0.0.1:6379' }, { keyPrefix: 'vc:' });
 * const verifier = createVerifier({ store });
 * // ... on shutdown:
 * await verifier.close();
 * await store.close();
 */
export class RedisKeyStore implements KeyStore {
  private readonly client: Client;
  private readonly scripts: ScriptCommands;
  private readonly keys: KeyLayout;
  private readonly options: ResolvedOptions;
  private readonly ownsClient: boolean;
  private readonly feed: ChangeFeed;
  /** id -> hash; ids never change hash, so entries are never stale, only evicted. */
  private readonly idToHash = new Map<string, string>();
  private everReady: boolean;
  private closed = false;

  constructor(connection: RedisConnection, options: RedisKeyStoreOptions = {}) {
    this.options = validateOptions(connection, options);
    this.keys = keyLayout(this.options.keyPrefix);
    const onError = this.options.onError;
    if ('client' in connection) {
      this.client = connection.client;
      this.ownsClient = this.options.closeClient;
    } else {
      this.client = new Redis(connection.url, {
        ...recommendedRedisOptions(this.options),
        ...connection.redisOptions,
      });
      this.client.on('error', onError);
      this.ownsClient = true;
    }
    this.everReady = this.client.status === 'ready';
    this.client.once('ready', () => {
      this.everReady = true;
    });
    this.client.defineCommand('vectorcacheInsertV1', { numberOfKeys: 3, lua: INSERT_SCRIPT });
    this.client.defineCommand('vectorcacheUpdateV1', { numberOfKeys: 1, lua: UPDATE_SCRIPT });
    this.client.defineCommand('vectorcacheUsageV1', { numberOfKeys: 1, lua: USAGE_SCRIPT });
    this.scripts = this.client as unknown as ScriptCommands;
    this.feed = new ChangeFeed({
      channel: this.keys.channel,
      connect: () => subscriberConnection(this.client, this.options),
      heartbeatIntervalMs: this.options.heartbeatIntervalMs,
      heartbeatTimeoutMs: this.options.heartbeatTimeoutMs,
      onError,
    });
  }

  /** The record whose hash is `hash`, or `null`; rejects on a record that does not parse. */
  async findByHash(hash: string): Promise<StoredKeyRecord | null> {
    await this.usable();
    const record = decodeRecord(await this.client.hgetall(this.keys.record(hash)), { hash });
    if (record !== null) this.rememberId(record.id, record.hash);
    return record;
  }

  /**
   * Counts a failed verification of `client` in a window shared by every instance (the window
   * starts with the first failure and the counter expires with it); returns the count so far.
   */
  async countFailedAttempt(client: string, windowMs: number): Promise<number> {
    await this.usable();
    const key = this.keys.attempts(client);
    const replies = await this.client.multi().set(key, '0', 'PX', windowMs, 'NX').incr(key).exec();
    const counted = replies?.[1];
    if (!counted || counted[0]) {
      throw new VectorcacheAuthError(
        'store_unavailable',
        'Redis did not count the failed attempt.',
      );
    }
    return Number(counted[1]);
  }

  /** Adds a record atomically and announces it on the change feed; rejects on a duplicate. */
  async insert(record: StoredKeyRecord): Promise<void> {
    await this.usable();
    const written = await this.scripts.vectorcacheInsertV1(
      this.keys.record(record.hash),
      this.keys.ids,
      this.keys.project(record.projectId),
      record.id,
      record.hash,
      this.keys.channel,
      changeMessage(record),
      ...encodeRecord(record),
    );
    if (written !== 1) {
      throw new VectorcacheAuthError(
        'duplicate_key',
        `A key with id ${record.id} or the same hash already exists; generate a new key.`,
      );
    }
    this.rememberId(record.id, record.hash);
    this.feed.notifyLocal(record.id, record.hash);
  }

  /** The record with this id, or `null`. */
  async get(id: string): Promise<StoredKeyRecord | null> {
    const hash = await this.hashOf(id);
    if (hash === null) return null;
    return decodeRecord(await this.client.hgetall(this.keys.record(hash)), { hash, id });
  }

  /** Every record, or those of one project, oldest first. */
  async list(filter: { projectId?: string } = {}): Promise<StoredKeyRecord[]> {
    await this.usable();
    const { projectId } = filter;
    const hashes =
      projectId === undefined
        ? await this.client.hvals(this.keys.ids)
        : await this.client.smembers(this.keys.project(projectId));
    if (hashes.length === 0) return [];
    const pipeline = this.client.pipeline();
    for (const hash of hashes) pipeline.hgetall(this.keys.record(hash));
    const replies = (await pipeline.exec()) ?? [];
    const records: StoredKeyRecord[] = [];
    replies.forEach(([error, fields], index) => {
      if (error) throw error;
      const record = decodeRecord(fields as Record<string, string>, { hash: hashes[index] });
      if (record !== null && (projectId === undefined || record.projectId === projectId)) {
        records.push(record);
      }
    });
    return records.sort(
      (a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id),
    );
  }

  /**
   * Applies `patch` atomically and returns the updated record (`null` for an unknown id). Every
   * update that changes something is published on the change feed, so revocations, new or
   * earlier expiries and narrowed scopes reach every instance's cache.
   */
  async update(id: string, patch: KeyRecordPatch): Promise<StoredKeyRecord | null> {
    const hash = await this.hashOf(id);
    if (hash === null) return null;
    const { set, del } = encodePatch(patch);
    let reply: unknown;
    try {
      reply = await this.scripts.vectorcacheUpdateV1(
        this.keys.record(hash),
        id,
        this.keys.channel,
        changeMessage({ id, hash }),
        String(set.length / 2),
        ...set,
        ...del,
      );
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('CORRUPT')) {
        throw corruptRecord(`Corrupt key record "${id}": ${error.message.slice(8)}.`);
      }
      throw error;
    }
    if (reply === null) return null;
    if (set.length + del.length > 0) this.feed.notifyLocal(id, hash);
    return decodeRecord(fieldsFromArray(reply), { hash, id });
  }

  /**
   * Adds the counts and keeps the later `lastUsedAt`, for the whole batch in one pipeline
   * (one script call per key: HINCRBY, then a compare-and-set of the last-used time).
   */
  async recordUsage(batch: UsageEntry[]): Promise<void> {
    if (batch.length === 0) return;
    await this.usable();
    const unknownIds = batch.map((entry) => entry.id).filter((id) => !this.idToHash.has(id));
    if (unknownIds.length > 0) {
      const hashes = await this.client.hmget(this.keys.ids, ...unknownIds);
      unknownIds.forEach((id, index) => {
        const hash = hashes[index];
        if (typeof hash === 'string') this.rememberId(id, hash);
      });
    }
    const pipeline = this.client.pipeline();
    let queued = 0;
    for (const entry of batch) {
      const hash = this.idToHash.get(entry.id);
      if (hash === undefined || !(entry.count > 0)) continue;
      const lastUsed = Date.parse(entry.lastUsedAt);
      void (pipeline as unknown as ScriptCommands).vectorcacheUsageV1(
        this.keys.record(hash),
        entry.id,
        String(Math.floor(entry.count)),
        Number.isNaN(lastUsed) ? '' : new Date(lastUsed).toISOString(),
      );
      queued += 1;
    }
    if (queued === 0) return;
    const replies = (await pipeline.exec()) ?? [];
    const failed = replies.find(([error]) => error);
    if (failed?.[0]) throw failed[0];
  }

  /**
   * Change feed: `changed` for every insert and update, `feed_lost` when the subscriber
   * connection closes or misses its heartbeat, `feed_restored` once it is subscribed again.
   */
  subscribe(listener: StoreChangeListener): () => void {
    if (this.closed) throw closedError();
    return this.feed.subscribe(listener);
  }

  /** Closes the subscriber, and the client when the store built it (or `closeClient` is set). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.feed.close();
    if (!this.ownsClient) return;
    await closeConnection(this.client, this.options.commandTimeoutMs);
  }

  private async hashOf(id: string): Promise<string | null> {
    await this.usable();
    const known = this.idToHash.get(id);
    if (known !== undefined) return known;
    const hash = await this.client.hget(this.keys.ids, id);
    if (hash !== null) this.rememberId(id, hash);
    return hash;
  }

  private rememberId(id: string, hash: string): void {
    if (this.idToHash.has(id)) return;
    if (this.idToHash.size >= this.options.idCacheMax) {
      const oldest = this.idToHash.keys().next();
      if (!oldest.done) this.idToHash.delete(oldest.value);
    }
    this.idToHash.set(id, hash);
  }

  /**
   * Without an offline queue a command sent before the first connection is up fails; the first
   * commands after start-up wait for it (bounded by `connectTimeoutMs`). After that, a command
   * during an outage fails at once, so the verifier answers 503 without waiting.
   */
  private async usable(): Promise<void> {
    if (this.closed) throw closedError();
    if (this.everReady || this.client.status === 'ready') return;
    await firstConnection(this.client, this.options.connectTimeoutMs);
  }
}

function changeMessage(record: { id: string; hash: string }): string {
  return JSON.stringify({ id: record.id, hash: record.hash });
}

function closedError(): VectorcacheAuthError {
  return new VectorcacheAuthError('store_unavailable', 'This RedisKeyStore is closed.');
}
