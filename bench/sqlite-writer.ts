import { SqliteKeyStore, type UsageEntry } from '@vectorcache/auth-core';

/**
 * Another process writing while `bench/sqlite.ts` measures lookups: like a busy server, a usage
 * flush of 200 keys every 50 ms, and like the CLI, a record update every 500 ms. Runs until
 * SIGTERM. Arguments: the database path and the number of filler keys.
 */
const [path, filler] = process.argv.slice(2);
const count = Number(filler);
const id = (i: number): string => `key_${i.toString(16).padStart(24, '0')}`;
const random = (): number => Math.floor(Math.random() * count);
const store = new SqliteKeyStore({ path: path as string });

const flush = setInterval(() => {
  const hour = new Date().toISOString();
  const batch: UsageEntry[] = Array.from({ length: 200 }, () => ({
    id: id(random()),
    count: 1,
    lastUsedAt: hour,
    projectId: 'bench',
    buckets: [{ hour, outcome: 'valid', count: 1 }],
  }));
  store.recordUsage(batch).catch((err: Error) => process.stderr.write(`writer: ${err.message}\n`));
}, 50);
const update = setInterval(() => {
  store
    .update(id(random()), { name: `renamed ${Date.now()}` })
    .catch((err: Error) => process.stderr.write(`writer: ${err.message}\n`));
}, 500);

process.on('SIGTERM', () => {
  clearInterval(flush);
  clearInterval(update);
  void store.close().finally(() => process.exit(0));
});
