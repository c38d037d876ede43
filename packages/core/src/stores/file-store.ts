import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { unwatchFile, watchFile, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { VectorcacheAuthError } from '../errors';
import { isUsableRecord } from '../records';
import type {
  KeyRecordPatch,
  KeyStore,
  StoreChangeListener,
  StoredKeyRecord,
  UsageEntry,
} from '../types';
import { ChangeFeed, RecordTable } from './record-table';

/** Options of {@link FileKeyStore}. */
export interface FileKeyStoreOptions {
  /** Path of the JSON file of records; created (mode 0600) on the first write. */
  path: string;
  /** How often a subscribed store looks for changes made by other processes. @default 250 */
  pollIntervalMs?: number;
  /** How long a write waits for another process's lock before failing. @default 2000 */
  lockTimeoutMs?: number;
}

interface FileShape {
  version: 1;
  keys: StoredKeyRecord[];
}

const STALE_LOCK_MS = 10_000;

function signatureOf(stats: Stats | null): string {
  return stats ? `${stats.ino}:${stats.size}:${stats.mtimeMs}` : 'absent';
}

/** The fields whose change makes cached copies wrong (usage counters excluded). */
function identityOf(record: StoredKeyRecord): string {
  return JSON.stringify([
    record.hash,
    record.projectId,
    record.name,
    record.scopes,
    record.revokedAt,
    record.expiresAt,
  ]);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The embedded default store: a JSON file of records (hashes only), written atomically (temporary
 * file + rename) under a lock file, so the CLI and running servers can share it. A subscribed store
 * polls the file and publishes changes made by other processes (e.g. a revocation) within
 * `pollIntervalMs`.
 * @example const store = new FileKeyStore({ path: '.vectorcache/keys.json' });
 */
export class FileKeyStore implements KeyStore {
  /** Absolute path of the records file. */
  readonly path: string;
  private readonly pollIntervalMs: number;
  private readonly lockTimeoutMs: number;
  private table = new RecordTable();
  private signature: string | undefined;
  private readonly feed = new ChangeFeed();
  private watching = false;
  private writeChain: Promise<unknown> = Promise.resolve();

  constructor(options: FileKeyStoreOptions) {
    if (!options || typeof options.path !== 'string' || options.path.length === 0) {
      throw new VectorcacheAuthError(
        'invalid_option',
        'FileKeyStore needs a path, e.g. new FileKeyStore({ path: ".vectorcache/keys.json" }).',
      );
    }
    this.path = resolve(options.path);
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.lockTimeoutMs = options.lockTimeoutMs ?? 2000;
  }

  private async currentStats(): Promise<Stats | null> {
    try {
      return await stat(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new VectorcacheAuthError(
        'store_unreadable',
        `Cannot read the key file ${this.path}: ${(err as Error).message}.`,
        { cause: err },
      );
    }
  }

  private async readTable(): Promise<RecordTable> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new RecordTable();
      throw new VectorcacheAuthError(
        'store_unreadable',
        `Cannot read the key file ${this.path}: ${(err as Error).message}.`,
        { cause: err },
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new VectorcacheAuthError(
        'store_unreadable',
        `The key file ${this.path} is not valid JSON; restore it from a backup or remove it to start empty.`,
      );
    }
    const keys = (parsed as Partial<FileShape> | null)?.keys;
    if (!Array.isArray(keys) || !keys.every(isUsableRecord)) {
      throw new VectorcacheAuthError(
        'store_unreadable',
        `The key file ${this.path} does not hold key records ({ "version": 1, "keys": [...] }); restore it from a backup.`,
      );
    }
    return new RecordTable(keys);
  }

  /** Reloads the file when it changed since it was last read, and publishes what changed. */
  private async refresh(): Promise<void> {
    const signature = signatureOf(await this.currentStats());
    if (signature === this.signature) return;
    const next = await this.readTable();
    this.replaceTable(next, signature);
  }

  private replaceTable(next: RecordTable, signature: string): void {
    const previous = this.table;
    this.table = next;
    this.signature = signature;
    const seen = new Set<string>();
    for (const record of next.all()) {
      seen.add(record.id);
      const before = previous.get(record.id);
      if (!before || identityOf(before) !== identityOf(record)) {
        this.feed.emit({ type: 'changed', id: record.id, hash: record.hash });
      }
    }
    for (const record of previous.all()) {
      if (!seen.has(record.id))
        this.feed.emit({ type: 'changed', id: record.id, hash: record.hash });
    }
  }

  private async acquireLock(): Promise<() => Promise<void>> {
    const lockPath = `${this.path}.lock`;
    const deadline = Date.now() + this.lockTimeoutMs;
    for (;;) {
      try {
        const handle = await open(lockPath, 'wx', 0o600);
        await handle.close();
        return () => unlink(lockPath).catch(() => undefined);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new VectorcacheAuthError(
            'store_unreadable',
            `Cannot lock the key file ${this.path}: ${(err as Error).message}.`,
            { cause: err },
          );
        }
        const lockStats = await stat(lockPath).catch(() => null);
        if (lockStats && Date.now() - lockStats.mtimeMs > STALE_LOCK_MS) {
          await unlink(lockPath).catch(() => undefined);
          continue;
        }
        if (Date.now() > deadline) {
          throw new VectorcacheAuthError(
            'store_unavailable',
            `The key file ${this.path} is locked by another process (${lockPath}); retry, or remove the lock file if no process is writing.`,
          );
        }
        await sleep(10);
      }
    }
  }

  /** Read-modify-write under the lock: always applied to the file's latest content. */
  private mutate<T>(change: (table: RecordTable) => T): Promise<T> {
    const run = async (): Promise<T> => {
      await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
      const release = await this.acquireLock();
      try {
        await this.refresh();
        const result = change(this.table);
        const body: FileShape = { version: 1, keys: [...this.table.all()] };
        const tmp = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
        await writeFile(tmp, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
        await rename(tmp, this.path);
        this.signature = signatureOf(await this.currentStats());
        return result;
      } finally {
        await release();
      }
    };
    const result = this.writeChain.then(run, run);
    this.writeChain = result.catch(() => undefined);
    return result;
  }

  /** The record with this hash, or null; re-reads the file when another process changed it. */
  async findByHash(hash: string): Promise<StoredKeyRecord | null> {
    await this.refresh();
    return this.table.findByHash(hash);
  }

  /** Adds a record. */
  async insert(record: StoredKeyRecord): Promise<void> {
    await this.mutate((table) => table.insert(record));
    this.feed.emit({ type: 'changed', id: record.id, hash: record.hash });
  }

  /** The record with this id, or null. */
  async get(id: string): Promise<StoredKeyRecord | null> {
    await this.refresh();
    return this.table.get(id);
  }

  /** Every record, or a project's. */
  async list(filter?: { projectId?: string }): Promise<StoredKeyRecord[]> {
    await this.refresh();
    return this.table.list(filter);
  }

  /** Applies a patch and publishes the change. */
  async update(id: string, patch: KeyRecordPatch): Promise<StoredKeyRecord | null> {
    const updated = await this.mutate((table) => table.update(id, patch));
    if (updated) this.feed.emit({ type: 'changed', id: updated.id, hash: updated.hash });
    return updated;
  }

  /** Adds usage for many keys in one write. */
  async recordUsage(batch: UsageEntry[]): Promise<void> {
    if (batch.length === 0) return;
    await this.mutate((table) => table.recordUsage(batch));
  }

  /** Subscribes to changes, including those other processes make to the file. */
  subscribe(listener: StoreChangeListener): () => void {
    if (!this.watching) {
      this.watching = true;
      watchFile(this.path, { interval: this.pollIntervalMs, persistent: false }, () => {
        this.refresh().catch(() => undefined);
      });
    }
    return this.feed.subscribe(listener);
  }

  /** Stops watching the file and waits for pending writes. */
  async close(): Promise<void> {
    if (this.watching) unwatchFile(this.path);
    this.watching = false;
    this.feed.clear();
    await this.writeChain;
  }
}
