import { DatabaseError, type Pool, type PoolClient, type QueryResultRow } from 'pg';
import { VectorcacheAuthError } from '@vectorcache/auth-core';
import { replaceRefused, withTimeout } from '@vectorcache/auth-core';
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
import { auditFromText, auditText } from './audit';
import { ListenChangeFeed } from './change-feed';
import { buildPool, checkout, feedConfig, release, storeError } from './connection';
import {
  describeConnection,
  quoteIdentifier,
  validateOptions,
  type ResolvedOptions,
} from './options';
import { KEY_COLUMNS, patchAssignments, recordFromRow, recordValues } from './record-rows';
import { migrate } from './schema';
import type { PostgresConnection, PostgresKeyStoreOptions } from './types';
import {
  flushStatement,
  pruneStatements,
  usageParameters,
  usageReadParameters,
  usageReadStatement,
  usageRow,
} from './usage';

const PRUNE_EVERY_MS = 60_000;
/** One audit append in this many trims its project's list to `auditLimit`. */
const TRIM_EVERY = 32;

/**
 * A `KeyStore` on PostgreSQL (through `pg`), shared by every instance of a service: key records
 * (looked up by hash through a unique index), usage counts and analytics written in one
 * statement per flush, the audit list and failed-attempt counts, all in a schema of its own that
 * it creates and migrates on first open. Every write announces the changed key with `NOTIFY` in
 * its own transaction, and the change feed `LISTEN`s on a connection of its own, so a revocation
 * on one instance evicts the key from every other instance's cache.
 *
 * @example
 * import { createVerifier } from '@vectorcache/auth-core';
 * import { PostgresKeyStore } from '@vectorcache/auth-postgres';
 *
 * const store = new PostgresKeyStore({ connectionString: process.env.DATABASE_URL! });
 * // or: new PostgresKeyStore({ pool }, { schema: 'vectorcache_staging' })
 * const verifier = createVerifier({ store });
 * // ... on shutdown:
 * await verifier.close();
 * await store.close();
 */
export class PostgresKeyStore implements KeyStore {
  /** Where the store connects, as `PostgreSQL host:port/database`: never credentials. */
  /** A rotation's two writes are one transaction (see `insert`). */
  readonly replacesAtomically = true;
  readonly description: string;
  /** The schema that holds the store's tables. */
  readonly schema: string;
  private readonly pool: Pool;
  private readonly ownsPool: boolean;
  private readonly options: ResolvedOptions;
  /** The schema, quoted for SQL. */
  private readonly s: string;
  private readonly channel: string;
  private readonly feed: ListenChangeFeed;
  private opening: Promise<void> | null = null;
  private opened = false;
  private closed = false;
  private lastPrune = 0;
  private pruning: Promise<void> = Promise.resolve();

  constructor(connection: PostgresConnection, options: PostgresKeyStoreOptions = {}) {
    this.options = validateOptions(connection, options);
    this.description = describeConnection(connection);
    this.schema = this.options.schema;
    this.s = quoteIdentifier(this.schema);
    this.channel = `${this.schema}_changes`;
    if ('pool' in connection) {
      this.pool = connection.pool;
      this.ownsPool = this.options.closePool;
    } else {
      this.pool = buildPool(connection, this.options);
      // Our own pool only: an idle connection's error must not crash the process.
      this.pool.on('error', (error) => this.options.onError(error));
      this.ownsPool = true;
    }
    this.feed = new ListenChangeFeed({
      channel: this.channel,
      config: () => feedConfig(connection, this.pool, this.options.feedConnectionString),
      connectTimeoutMs: this.options.connectTimeoutMs,
      heartbeatIntervalMs: this.options.heartbeatIntervalMs,
      heartbeatTimeoutMs: this.options.timeoutMs,
      onError: this.options.onError,
    });
  }

  /** The record whose hash is `hash`, or `null`; rejects on a record that does not parse. */
  async findByHash(hash: string): Promise<StoredKeyRecord | null> {
    const { rows } = await this.query(
      `SELECT ${KEY_COLUMNS} FROM ${this.s}.keys WHERE hash = $1`,
      [hash],
      'a key lookup',
    );
    return rows[0] === undefined ? null : recordFromRow(rows[0]);
  }

  /** The record with this id, or `null`. */
  async get(id: string): Promise<StoredKeyRecord | null> {
    const { rows } = await this.query(
      `SELECT ${KEY_COLUMNS} FROM ${this.s}.keys WHERE id = $1`,
      [id],
      'a key read',
    );
    return rows[0] === undefined ? null : recordFromRow(rows[0]);
  }

  /** Every record, or those of one project, oldest first; a corrupt row never hides the others. */
  async list(filter: { projectId?: string } = {}): Promise<StoredKeyRecord[]> {
    const { projectId } = filter ?? {};
    const { rows } = await this.query(
      `SELECT ${KEY_COLUMNS} FROM ${this.s}.keys
       WHERE $1::text IS NULL OR project_id = $1 ORDER BY created_at, id`,
      [projectId ?? null],
      'a key list',
    );
    return rows.flatMap((row) => {
      try {
        return [recordFromRow(row)];
      } catch {
        return [];
      }
    });
  }

  /**
   * Adds a record and announces it on the change feed; rejects on a duplicate id or hash. With
   * `replacing` (a rotation), the replaced record's patch is applied in the same transaction:
   * both writes happen or neither does.
   */
  async insert(
    record: StoredKeyRecord,
    replacing?: { id: string; patch: KeyRecordPatch },
  ): Promise<void> {
    const values = recordValues(record);
    const insert = `INSERT INTO ${this.s}.keys (${KEY_COLUMNS})
      VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')})`;
    let replaced: { id: string; hash: string } | null = null;
    await this.transaction('a key insert', async (client) => {
      if (replacing !== undefined) {
        // Checked under the row's lock: of concurrent rotations of one key exactly one wins, and
        // a rotation racing a revocation never leaves a live successor of a revoked key.
        const { rows: held } = await client.query<{
          revoked_at: string | null;
          rotated_to: string | null;
        }>(`SELECT revoked_at, rotated_to FROM ${this.s}.keys WHERE id = $1 FOR UPDATE`, [
          replacing.id,
        ]);
        if (held[0] === undefined) throw replacedMissing(replacing.id);
        if (held[0].rotated_to !== null) throw replaceRefused(replacing.id, 'rotated');
        if (held[0].revoked_at !== null) throw replaceRefused(replacing.id, 'revoked');
        const { sql, values: set } = patchAssignments(replacing.patch, 2);
        const { rows } = await client.query<{ id: string; hash: string }>(
          sql === ''
            ? `SELECT id, hash FROM ${this.s}.keys WHERE id = $1 FOR UPDATE`
            : `UPDATE ${this.s}.keys SET ${sql} WHERE id = $1 RETURNING id, hash`,
          [replacing.id, ...set],
        );
        if (rows[0] === undefined) throw replacedMissing(replacing.id);
        if (sql !== '') replaced = rows[0];
      }
      try {
        await client.query(insert, values);
      } catch (error) {
        if (error instanceof DatabaseError && error.code === '23505') throw duplicate(record.id);
        throw error;
      }
      for (const changed of replaced === null ? [record] : [record, replaced]) {
        await client.query('SELECT pg_notify($1, $2)', [this.channel, changeMessage(changed)]);
      }
    });
    this.feed.notifyLocal(record.id, record.hash);
    const other = replaced as { id: string; hash: string } | null;
    if (other !== null) this.feed.notifyLocal(other.id, other.hash);
  }

  /**
   * Applies `patch` atomically and returns the updated record (`null` for an unknown id). Every
   * update that changes something is announced in the same statement, so revocations, new or
   * earlier expiries and narrowed scopes reach every instance's cache.
   */
  async update(id: string, patch: KeyRecordPatch): Promise<StoredKeyRecord | null> {
    const { sql, values } = patchAssignments(patch ?? {}, 3);
    if (sql === '') return this.get(id);
    const { rows } = await this.query(
      `WITH updated AS (
         UPDATE ${this.s}.keys SET ${sql} WHERE id = $1 RETURNING ${KEY_COLUMNS}
       )
       SELECT *, pg_notify($2, json_build_object('id', id, 'hash', hash)::text) AS notified
       FROM updated`,
      [id, this.channel, ...values],
      'a key update',
    );
    if (rows[0] === undefined) return null;
    const record = recordFromRow(rows[0]);
    this.feed.notifyLocal(record.id, record.hash);
    return record;
  }

  /**
   * Adds the counts and keeps the later `lastUsedAt` of every key, and adds the entries'
   * analytics to their hourly and daily rows, in one statement: one round trip per flush,
   * applied atomically. With a `flushId`, a flush already applied under this id (a write that
   * timed out but landed, then retried) is applied no second time.
   */
  async recordUsage(batch: UsageEntry[], flushId?: string): Promise<void> {
    if (batch.length === 0) return;
    const now = Date.now();
    const { counts, hourly, daily } = usageParameters(batch, this.options, now);
    if (counts.length + hourly.length === 0) return;
    await this.query(
      flushStatement(this.s),
      [flushId ?? null, JSON.stringify(counts), JSON.stringify(hourly), JSON.stringify(daily)],
      'a usage flush',
    );
    if (now - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = now;
      this.pruning = this.prune(now);
    }
  }

  /**
   * Stored analytics of a project (or one of its keys) over `[from, to)`, hourly or daily: one
   * row per key, bucket and outcome with a count. Points past the retention are never returned.
   */
  async readUsage(query: UsageQuery): Promise<UsageRow[]> {
    const { table, values } = usageReadParameters(query, this.options, Date.now());
    const { rows } = await this.query(usageReadStatement(this.s, table), values, 'a usage read');
    return rows.map(usageRow).filter((row): row is UsageRow => row !== null);
  }

  /** Adds a management action to its project's audit list, which keeps the newest `auditLimit`. */
  async appendAudit(entry: AuditEntry): Promise<void> {
    const text = auditText(entry);
    // Newest first means by the entry's own time (appends made at once may land in any order),
    // then by arrival. Trimming walks the project's newest `auditLimit` rows, so it runs on one
    // append in TRIM_EVERY (a few dozen rows more may wait for it; reads never show them). The
    // DELETE sees the rows from before this INSERT: it keeps `auditLimit - 1` of them.
    await this.query(
      `WITH added AS (
         INSERT INTO ${this.s}.audit (project_id, at, entry) VALUES ($1, $2, $3) RETURNING seq
       )
       DELETE FROM ${this.s}.audit
       WHERE (SELECT seq FROM added) % $5 = 0 AND project_id = $1 AND (at, seq) <= (
         SELECT at, seq FROM ${this.s}.audit WHERE project_id = $1
         ORDER BY at DESC, seq DESC OFFSET $4 LIMIT 1)`,
      [
        entry.projectId,
        new Date(entry.at).toISOString(),
        text,
        this.options.auditLimit - 1,
        TRIM_EVERY,
      ],
      'an audit append',
    );
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
    const { rows } = await this.query(
      `SELECT entry FROM ${this.s}.audit WHERE project_id = $1
       ORDER BY at DESC, seq DESC LIMIT $2`,
      [projectId, Math.min(limit, this.options.auditLimit)],
      'an audit read',
    );
    return rows.map((row) => auditFromText(row.entry)).filter((e): e is AuditEntry => e !== null);
  }

  /**
   * Counts a failed verification of `client` in a window shared by every instance (the window
   * starts with the first failure and ends `windowMs` later); returns the count so far.
   */
  async countFailedAttempt(client: string, windowMs: number): Promise<number> {
    const { rows } = await this.query<{ count: number }>(
      `INSERT INTO ${this.s}.attempts AS a (client, expires_at, count)
       VALUES ($1, now() + $2 * interval '1 millisecond', 1)
       ON CONFLICT (client) DO UPDATE SET
         count = CASE WHEN a.expires_at <= now() THEN 1 ELSE a.count + 1 END,
         expires_at = CASE WHEN a.expires_at <= now() THEN EXCLUDED.expires_at ELSE a.expires_at END
       RETURNING count`,
      [client, Math.max(1, Math.floor(windowMs))],
      'an attempt count',
    );
    return Number(rows[0]?.count);
  }

  /**
   * Change feed: `changed` for every insert and update, `feed_lost` when the `LISTEN`
   * connection ends or misses its heartbeat, `feed_restored` once it listens again.
   */
  subscribe(listener: StoreChangeListener): () => void {
    if (this.closed) throw closedError();
    return this.feed.subscribe(listener);
  }

  /** Closes the feed's connection, and the pool when the store built it (or `closePool` is set). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.feed.close();
    await this.pruning;
    if (!this.ownsPool) return;
    await withTimeout(this.pool.end(), this.options.connectTimeoutMs, 'close').catch(
      () => undefined,
    );
  }

  /** One statement on a pooled connection, within `timeoutMs`, once the schema is ready. */
  private async query<R extends QueryResultRow = Record<string, unknown>>(
    text: string,
    values: unknown[],
    what: string,
  ) {
    await this.ready();
    try {
      return await withTimeout(this.pool.query<R>(text, values), this.options.timeoutMs, what);
    } catch (error) {
      throw storeError(error, this.description);
    }
  }

  /** `work` in one transaction on one pooled connection, within `timeoutMs`. */
  private async transaction(what: string, work: (client: PoolClient) => Promise<void>) {
    await this.ready();
    const run = async (): Promise<void> => {
      const client = await checkout(this.pool, this.options.connectTimeoutMs);
      let failure: unknown;
      try {
        await client.query('BEGIN');
        await work(client);
        await client.query('COMMIT');
      } catch (error) {
        failure = error;
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        release(client, failure);
      }
    };
    try {
      await withTimeout(run(), this.options.timeoutMs, what);
    } catch (error) {
      throw storeError(error, this.description);
    }
  }

  /**
   * Creates or migrates the schema once, before the first statement; a failed attempt (the
   * server down at start-up) is tried again by the next call, so the store recovers by itself.
   */
  private ready(): Promise<void> {
    if (this.closed) return Promise.reject(closedError());
    if (this.opened) return Promise.resolve();
    this.opening ??= this.open().then(
      () => {
        this.opened = true;
      },
      (error: unknown) => {
        this.opening = null;
        throw storeError(error, this.description);
      },
    );
    return this.opening;
  }

  private async open(): Promise<void> {
    const client = await checkout(this.pool, this.options.connectTimeoutMs);
    let failure: unknown;
    try {
      await withTimeout(
        migrate(client, this.schema, this.options.migrationTimeoutMs),
        this.options.migrationTimeoutMs,
        'the schema migration',
        'migrationTimeoutMs',
      );
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      release(client, failure);
    }
  }

  private async prune(now: number): Promise<void> {
    for (const [text, values] of pruneStatements(this.s, this.options, now)) {
      await this.query(text, values, 'pruning').catch((error: unknown) =>
        this.options.onError(error as Error),
      );
    }
  }
}

function changeMessage(record: { id: string; hash: string }): string {
  return JSON.stringify({ id: record.id, hash: record.hash });
}

function duplicate(id: string): VectorcacheAuthError {
  return new VectorcacheAuthError(
    'duplicate_key',
    `A key with id ${id} or the same hash already exists; generate a new key.`,
  );
}

function replacedMissing(id: string): VectorcacheAuthError {
  return new VectorcacheAuthError(
    'key_not_found',
    `The key being replaced (${id}) does not exist; nothing was written.`,
  );
}

function closedError(): VectorcacheAuthError {
  return new VectorcacheAuthError('store_unavailable', 'This PostgresKeyStore is closed.');
}
