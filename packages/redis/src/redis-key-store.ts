import {
  connectionFailureReason,
  replaceRefused,
  VectorcacheAuthError,
} from '@vectorcache/auth-core';
import type {
  AuditEntry,
  KeyRecordPatch,
  KeyStore,
  StoreChangeListener,
  StoredKeyRecord,
  UsageEntry,
  UsageQuery,
  UsageRow,
} from '@vectorcache/auth-core';
import { decodeAudit, encodeAudit } from './audit';
import { PubSubChangeFeed } from './change-feed';
import {
  buildClient,
  closeConnection,
  firstConnection,
  isCluster,
  type Client,
} from './connection';
import { FeedSource } from './feed-source';
import { IdCache } from './id-cache';
import { keyLayout, type KeyLayout } from './key-layout';
import { describeConnection, validateOptions, type ResolvedOptions } from './options';
import {
  corruptRecord,
  decodeRecord,
  encodePatch,
  encodeRecord,
  fieldsFromArray,
} from './record-codec';
import { awaitReplicas, lessValid } from './durability';
import { defineScripts, type ScriptCommands } from './scripts';
import type { RedisConnection, RedisKeyStoreOptions } from './types';
import { readUsageRows, writeUsage, type UsageContext } from './usage';

/**
 * A `KeyStore` on Redis (standalone, Sentinel or Cluster, through ioredis), shared by every
 * instance of a service: records by key hash, indexes by id and by project, usage counters and
 * analytics written in one pipeline per flush, the audit list, and a change feed over pub/sub
 * (sharded pub/sub on a Redis Cluster 7+) so that a revocation on one instance evicts the key
 * from every other instance's cache. Every key name carries one hash tag: on a cluster the whole
 * store lives in one slot.
 *
 * @example
 * import { createVerifier } from '@vectorcache/auth-core';
 * import { RedisKeyStore } from '@vectorcache/auth-redis';
 *
 * const store = new RedisKeyStore({ url: 'redis://127.0.0.1:6379' }, { keyPrefix: 'vc:' });
 * // or: new RedisKeyStore({ cluster: [{ host: '10.0.0.1', port: 6379 }] })
 * const verifier = createVerifier({ store });
 * // ... on shutdown:
 * await verifier.close();
 * await store.close();
 */
export class RedisKeyStore implements KeyStore {
  readonly replacesAtomically = true;
  /** Where the store connects, as `Redis host:port` or `Redis Cluster host:port,...`: never credentials. */
  readonly description: string;
  private readonly client: Client;
  private readonly scripts: ScriptCommands;
  private readonly keys: KeyLayout;
  private readonly options: ResolvedOptions;
  private readonly ownsClient: boolean;
  private readonly feed: PubSubChangeFeed;
  private readonly source: FeedSource;
  private readonly ids: IdCache;
  private readonly usage: UsageContext;
  /** Replicas that acknowledge a write making a key less valid (`durableReplicas`). */
  private readonly replicas: number;
  private lastError: Error | null = null;
  private everReady: boolean;
  private closed = false;

  constructor(connection: RedisConnection, options: RedisKeyStoreOptions = {}) {
    this.options = validateOptions(connection, options);
    this.description = describeConnection(connection);
    this.keys = keyLayout(this.options.keyPrefix);
    const onError = this.options.onError;
    if ('client' in connection) {
      this.client = connection.client;
      this.ownsClient = this.options.closeClient;
    } else {
      this.client = buildClient(connection, this.options);
      // Our own clients only: a listener on the caller's client would silence ioredis's warnings.
      const noted = (error: Error): void => {
        this.lastError = error;
        onError(error);
      };
      this.client.on('error', noted);
      if (isCluster(this.client)) this.client.on('node error', noted);
      this.ownsClient = true;
    }
    this.everReady = this.client.status === 'ready';
    this.client.once('ready', () => {
      this.everReady = true;
    });
    this.scripts = defineScripts(this.client);
    this.replicas = this.options.durableReplicas ?? (isCluster(this.client) ? 1 : 0);
    this.ids = new IdCache(this.options.idCacheMax);
    this.usage = { client: this.client, keys: this.keys, ids: this.ids, retention: this.options };
    this.source = new FeedSource(this.client, {
      slot: this.keys.slot,
      description: this.description,
      timeouts: this.options,
      ready: () => this.usable(),
    });
    this.feed = new PubSubChangeFeed({
      channel: this.keys.channel,
      open: () => this.source.open(),
      heartbeatIntervalMs: this.options.heartbeatIntervalMs,
      heartbeatTimeoutMs: this.options.heartbeatTimeoutMs,
      onError,
    });
  }

  /** The record whose hash is `hash`, or `null`; rejects on a record that does not parse. */
  async findByHash(hash: string): Promise<StoredKeyRecord | null> {
    await this.usable();
    const record = decodeRecord(await this.client.hgetall(this.keys.record(hash)), { hash });
    if (record !== null) this.ids.remember(record);
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

  /**
   * Adds a record atomically and announces it on the change feed; rejects on a duplicate. With
   * `replacing` (a rotation), the replaced record's patch is applied by the same Lua script:
   * both writes happen or neither does.
   */
  async insert(
    record: StoredKeyRecord,
    replacing?: { id: string; patch: KeyRecordPatch },
  ): Promise<void> {
    await this.usable();
    const keys = [
      this.keys.record(record.hash),
      this.keys.ids,
      this.keys.project(record.projectId),
    ];
    const fields = encodeRecord(record);
    const args = [
      await this.source.publishCommand(),
      this.keys.channel,
      changeMessage(record),
      record.id,
      record.hash,
      String(fields.length),
      ...fields,
    ];
    let replaced: { id: string; hash: string; changes: boolean } | null = null;
    if (replacing !== undefined) {
      const hash = await this.hashOf(replacing.id);
      if (hash === null) throw replaceRefused(replacing.id, 'missing');
      const { set, del } = encodePatch(replacing.patch);
      replaced = { id: replacing.id, hash, changes: set.length + del.length > 0 };
      keys.push(this.keys.record(hash));
      args.push(replacing.id, changeMessage(replaced), String(set.length / 2), ...set, ...del);
    }
    const written = await this.scripts.vectorcacheInsertV2(keys.length, ...keys, ...args);
    const refusal = REFUSALS[String(written)];
    if (refusal !== undefined && replaced !== null) throw replaceRefused(replaced.id, refusal);
    if (written !== 1) {
      throw new VectorcacheAuthError(
        'duplicate_key',
        `A key with id ${record.id} or the same hash already exists; generate a new key.`,
      );
    }
    this.ids.remember(record);
    this.feed.notifyLocal(record.id, record.hash);
    if (replaced?.changes) this.feed.notifyLocal(replaced.id, replaced.hash);
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
      reply = await this.scripts.vectorcacheUpdateV2(
        this.keys.record(hash),
        await this.source.publishCommand(),
        this.keys.channel,
        changeMessage({ id, hash }),
        id,
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
    const record = decodeRecord(fieldsFromArray(reply), { hash, id });
    if (lessValid(patch))
      await awaitReplicas(this.client, this.keys.ids, this.replicas, this.options.durableWaitMs);
    return record;
  }

  /**
   * Adds the counts and keeps the later `lastUsedAt` of every key, and adds the entries'
   * analytics buckets to their hourly and daily counters, in one script call: one round trip per
   * flush, applied atomically. With a `flushId`, a flush already applied under this id (a write
   * that timed out but landed, then retried) is applied no second time.
   */
  async recordUsage(batch: UsageEntry[], flushId?: string): Promise<void> {
    if (batch.length === 0) return;
    await this.usable();
    await writeUsage(this.usage, batch, flushId);
  }

  /**
   * Stored analytics of a project (or one of its keys) over `[from, to)`, hourly or daily: one
   * row per key, bucket and outcome with a count. Points older than the retention have expired.
   */
  async readUsage(query: UsageQuery): Promise<UsageRow[]> {
    return readUsageRows(this.usage, query, () => this.usable());
  }

  /** Adds a management action to its project's audit list, which keeps the newest `auditLimit`. */
  async appendAudit(entry: AuditEntry): Promise<void> {
    const text = encodeAudit(entry);
    await this.usable();
    const key = this.keys.audit(entry.projectId);
    const replies = await this.client
      .multi()
      .lpush(key, text)
      .ltrim(key, 0, this.options.auditLimit - 1)
      .exec();
    const failed = (replies ?? [[new Error('Redis did not write the audit entry.')]]).find(
      ([error]) => error,
    );
    if (failed?.[0]) throw failed[0];
  }

  /** A project's audit entries, newest first, at most `limit`. */
  async listAudit(filter: { projectId: string; limit: number }): Promise<AuditEntry[]> {
    const { projectId, limit } = filter ?? {};
    if (
      typeof projectId !== 'string' ||
      projectId === '' ||
      !Number.isInteger(limit) ||
      limit < 1
    ) {
      throw new VectorcacheAuthError(
        'invalid_input',
        'listAudit needs { projectId: a non-empty string, limit: a positive integer }.',
      );
    }
    await this.usable();
    const count = Math.min(limit, this.options.auditLimit);
    const texts = await this.client.lrange(this.keys.audit(projectId), 0, count - 1);
    return texts.map(decodeAudit).filter((entry): entry is AuditEntry => entry !== null);
  }

  /**
   * Change feed: `changed` for every insert and update, `feed_lost` when the subscriber
   * connection closes, misses its heartbeat or its node stops serving the channel,
   * `feed_restored` once it is subscribed again (on a promoted replica after a failover).
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
    const known = this.ids.get(id);
    if (known !== undefined) return known.hash;
    const hash = await this.client.hget(this.keys.ids, id);
    if (hash !== null) this.ids.remember({ id, hash });
    return hash;
  }

  /**
   * Without an offline queue a command sent before the first connection is up fails; the first
   * commands after start-up wait for it (bounded by `connectTimeoutMs`), then fail with an error
   * that names the server. After that, a command during an outage fails at once, so the verifier
   * answers 503 without waiting.
   */
  private async usable(): Promise<void> {
    if (this.closed) throw closedError();
    if (this.everReady || this.client.status === 'ready') return;
    await firstConnection(this.client, this.options.connectTimeoutMs);
    if (this.everReady || (this.client.status as string) === 'ready') return;
    throw unreachable(this.description, this.lastError);
  }
}

/**
 * `Cannot connect to Redis at 127.0.0.1:6390 (connection refused)`: the address without
 * credentials, and the reason in words rather than the driver's internals.
 */
function unreachable(description: string, error: Error | null): VectorcacheAuthError {
  const space = description.lastIndexOf(' ');
  const kind = description.slice(0, space);
  const address = description.slice(space + 1);
  const reason = connectionFailureReason(error) ?? 'no answer';
  return new VectorcacheAuthError(
    'store_unavailable',
    `Cannot connect to ${kind === 'Redis' ? 'Redis' : `the ${kind}`} at ${address} (${reason}); check that it runs and that the address is right.`,
    { cause: error ?? undefined },
  );
}

function changeMessage(record: { id: string; hash: string }): string {
  return JSON.stringify({ id: record.id, hash: record.hash });
}

/** The insert script's answers that refuse a rotation, by why (see `INSERT_SCRIPT`). */
const REFUSALS: Record<string, Parameters<typeof replaceRefused>[1]> = {
  '-1': 'missing',
  '-2': 'rotated',
  '-3': 'revoked',
};

function closedError(): VectorcacheAuthError {
  return new VectorcacheAuthError('store_unavailable', 'This RedisKeyStore is closed.');
}
