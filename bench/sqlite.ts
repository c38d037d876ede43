import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MemoryKeyStore,
  SqliteKeyStore,
  createVerifier,
  generateApiKey,
  hashApiKey,
  keyPrefix,
  type StoredKeyRecord,
  type UsageEntry,
} from '@vectorcache/auth-core';
import { median, quantile, sleep, type BenchRow } from './stats';

/**
 * The embedded SQLite store with 1,000,000 keys: how long a process takes to open it, what a
 * cache miss costs while other processes write (usage flushes every 50 ms, record updates), and
 * what a usage flush costs. Every figure is the built store on a real file.
 */

const FILLER = 1_000_000;
const REAL = 20_000;
const WRITERS = 2;
const WRITER = join(__dirname, 'sqlite-writer.ts');

/** The filler key ids, also computed by the writer processes. */
export const fillerId = (i: number): string => `key_${i.toString(16).padStart(24, '0')}`;

interface RawDatabase {
  exec(sql: string): void;
  prepare(sql: string): { run(...params: unknown[]): unknown };
  close(): void;
}

/**
 * A raw connection for the bulk fill only (a million single inserts through the store would be a
 * million fsyncs): node:sqlite where Node has it, else the better-sqlite3 core depends on.
 */
function rawDatabase(path: string): RawDatabase {
  const getBuiltin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  const builtIn = getBuiltin?.call(process, 'node:sqlite') as
    { DatabaseSync: new (path: string) => RawDatabase } | undefined;
  if (builtIn) return new builtIn.DatabaseSync(path);
  const fromCore = createRequire(require.resolve('@vectorcache/auth-core'));
  const Database = fromCore('better-sqlite3') as new (path: string) => RawDatabase;
  return new Database(path);
}

function record(id: string, key: string | null, createdAt: string): StoredKeyRecord {
  return {
    id,
    projectId: 'bench',
    name: id,
    prefix: key ? keyPrefix(key) : 'vc_0000',
    hash: key ? hashApiKey(key) : randomBytes(32).toString('hex'),
    scopes: ['cache:*', 'analytics:read'],
    createdAt,
    lastUsedAt: null,
    requestCount: 0,
    revokedAt: null,
    expiresAt: null,
  };
}

/** Creates the database through the store (schema), then fills it in one transaction. */
async function fill(path: string): Promise<{ keys: string[]; records: StoredKeyRecord[] }> {
  const createdAt = new Date().toISOString();
  const store = new SqliteKeyStore({ path });
  await store.insert(record('key_ffffffffffffffffffffffff', generateApiKey(), createdAt));
  await store.close();
  const keys = Array.from({ length: REAL }, () => generateApiKey());
  const records = keys.map((key, i) =>
    record(`key_real${i.toString(16).padStart(20, '0')}`, key, createdAt),
  );
  const db = rawDatabase(path);
  // The columns of the store's `keys` table (schema version 1).
  const insert = db.prepare(
    `INSERT INTO keys (id, hash, project_id, name, prefix, scopes, created_at, request_count)
     VALUES (?, ?, ?, ?, ?, ?, ?, 0)`,
  );
  db.exec('BEGIN');
  const add = (r: StoredKeyRecord): unknown =>
    insert.run(r.id, r.hash, r.projectId, r.name, r.prefix, JSON.stringify(r.scopes), r.createdAt);
  // Filler hashes in sorted order with ids in the same order: both indexes fill sequentially.
  const random = randomBytes(32 * FILLER);
  const hashes = Array.from({ length: FILLER }, (_, i) =>
    random.toString('hex', 32 * i, 32 * i + 32),
  ).sort();
  const filler = record(fillerId(0), null, createdAt);
  hashes.forEach((hash, i) => add({ ...filler, id: fillerId(i), name: fillerId(i), hash }));
  for (const r of records) add(r);
  db.exec('COMMIT');
  db.close();
  return { keys, records };
}

/** The writer processes, on CPU 1 where `taskset` exists (the measuring process is not pinned). */
function startWriters(path: string): ChildProcess[] {
  const pin = spawnSync('taskset', ['-c', '1', 'true']).status === 0;
  const command = [process.execPath, '--import', 'tsx', WRITER, path, String(FILLER)];
  return Array.from({ length: WRITERS }, () =>
    spawn(pin ? 'taskset' : command[0]!, pin ? ['-c', '1', ...command] : command.slice(1), {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: process.env,
    }),
  );
}

const micros = (ms: number): string => `${(ms * 1000).toFixed(0)} µs`;

interface Percentiles {
  p50: number;
  p99: number;
}

/**
 * p50/p99 of verify() for keys a verifier has never seen, one call at a time, on the SQLite store
 * and on a MemoryKeyStore holding the same records, call by call in turn: the memory store is the
 * control (the verifier's own cost, and this machine's scheduling noise at that moment).
 */
async function misses(
  sqlite: SqliteKeyStore,
  records: StoredKeyRecord[],
  keys: string[],
): Promise<{ sqlite: Percentiles; memory: Percentiles }> {
  const memory = new MemoryKeyStore();
  for (const r of records) await memory.insert(r);
  const verifiers = [sqlite, memory].map((store) =>
    createVerifier({ store, usage: { enabled: false } }),
  );
  const samples: number[][] = [[], []];
  for (let i = 0; i < keys.length; i++) {
    for (const which of i % 2 === 0 ? [0, 1] : [1, 0]) {
      const started = performance.now();
      const result = await verifiers[which]!.verify(`Bearer ${keys[i]}`);
      samples[which]!.push(performance.now() - started);
      if (!result.ok) throw new Error(`bench: a stored key was refused (${result.reason})`);
    }
  }
  await Promise.all(verifiers.map((verifier) => verifier.close()));
  // The first calls warm the JIT and the page cache.
  const [forSqlite, forMemory] = samples.map((xs) => {
    const measured = xs.slice(500);
    return { p50: quantile(measured, 0.5), p99: quantile(measured, 0.99) };
  });
  return { sqlite: forSqlite!, memory: forMemory! };
}

/** The SQLite rows of the results table. */
export async function benchSqlite(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'vc-bench-sqlite-'));
  const path = join(dir, 'keys.db');
  let writers: ChildProcess[] = [];
  try {
    const filled = Date.now();
    const { keys, records } = await fill(path);
    const fillSeconds = (Date.now() - filled) / 1000;
    const megabytes = statSync(path).size / 1e6;

    const opens: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const store = new SqliteKeyStore({ path });
      await store.findByHash(records[i]!.hash);
      opens.push(performance.now() - started);
      await store.close();
    }

    writers = startWriters(path);
    await sleep(1000); // the writers are flushing
    const store = new SqliteKeyStore({ path });
    const { sqlite, memory: control } = await misses(store, records, keys);

    const flushes: number[] = [];
    for (let round = 0; round < 10; round++) {
      const hour = new Date().toISOString();
      const batch: UsageEntry[] = Array.from({ length: 1000 }, (_, i) => ({
        id: fillerId((round * 1000 + i) * 97),
        count: 3,
        lastUsedAt: hour,
        projectId: 'bench',
        buckets: [{ hour, outcome: 'valid', count: 3 }],
      }));
      const started = performance.now();
      await store.recordUsage(batch, `bench-${round}`);
      flushes.push(performance.now() - started);
    }
    await store.close();

    return [
      {
        name: `SQLite store, 1M keys: open (first lookup included)`,
        figure: `${median(opens).toFixed(1)} ms median of 5 (file ${megabytes.toFixed(0)} MB, filled in ${fillSeconds.toFixed(0)} s)`,
        target: 'independent of the key count (no table read)',
      },
      {
        name: `SQLite store, 1M keys: cache-miss verify, ${WRITERS} processes writing`,
        figure: `p50 ${micros(sqlite.p50)}, p99 ${micros(sqlite.p99)} (MemoryKeyStore miss: p50 ${micros(control.p50)}, p99 ${micros(control.p99)})`,
        target: 'p99 < 100 µs',
        met: sqlite.p99 < 0.1,
        note: 'a p99 over 100 µs on a shared machine comes from scheduling (the writers run on the same cores); compare with the MemoryKeyStore control of the same run',
      },
      {
        name: 'SQLite store, 1M keys: usage flush of 1,000 keys (one transaction)',
        figure: `${median(flushes).toFixed(1)} ms median of 10 (max ${Math.max(...flushes).toFixed(1)} ms)`,
        target: 'a few row updates per key, no file rewrite',
      },
    ];
  } finally {
    for (const writer of writers) writer.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}
