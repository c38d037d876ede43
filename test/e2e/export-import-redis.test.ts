import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import {
  SqliteKeyStore,
  createVerifier,
  type IssuedKey,
  type KeyStore,
  type StoredKeyRecord,
} from '@vectorcache/auth-core';
import { RedisKeyStore } from '@vectorcache/auth-redis';
import { describeRedis, redisUrl, uniquePrefix } from '../../test-utils/redis';
import { PLAINTEXT_KEY, runCliProcess, type CliRun } from './processes';

// Real processes under a loaded 2-core machine: generous bounds, never relied on for speed.
jest.setTimeout(60_000);

// `vectorcache-keys export` from the embedded database and `import` into Redis (and back), as an
// operator moving to Redis runs them: the built CLI in its own processes. The same keys must work
// in the new store, with the same records.
describeRedis('export from the embedded database, import into Redis', () => {
  const prefix = uniquePrefix('cli-transfer');
  const redisEnv = { VECTORCACHE_REDIS_URL: redisUrl, VECTORCACHE_REDIS_PREFIX: prefix };
  let redis: Redis;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vc-transfer-'));
    redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
  });
  afterAll(async () => {
    let cursor = '0';
    do {
      const [next, names] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (names.length > 0) await redis.del(...names);
    } while (cursor !== '0');
    redis.disconnect();
    await rm(dir, { recursive: true, force: true });
  });

  const cli = async (env: NodeJS.ProcessEnv, ...args: string[]): Promise<CliRun> => {
    const result = await runCliProcess(args, dir, env);
    // `export` says on stderr what it leaves behind; nothing else writes there.
    const stderr =
      args[0] === 'export' ? result.stderr.replace(/^Exported .*\n$/, '') : result.stderr;
    expect({ args, code: result.code, stderr }).toEqual({ args, code: 0, stderr: '' });
    return result;
  };

  /** Every issued key answers in `store` as at the source: active ones pass, the revoked one not. */
  async function answers(store: KeyStore, issued: IssuedKey[]): Promise<Array<string | undefined>> {
    const verifier = createVerifier({ store, usage: { enabled: false } });
    const reasons: Array<string | undefined> = [];
    for (const { key } of issued) {
      const result = await verifier.verify(`Bearer ${key}`);
      reasons.push(result.ok ? 'ok' : result.reason);
    }
    await verifier.close();
    return reasons;
  }

  it('the same keys work there, with the same records; and back again', async () => {
    const sqliteEnv = { VECTORCACHE_KEYS_FILE: join(dir, 'from.db') };
    const issued: IssuedKey[] = [];
    for (const [name, scopes] of [
      ['one', 'cache:read'],
      ['two', 'cache:*,analytics:read'],
      ['three', 'keys:manage'],
    ]) {
      const created = await cli(
        sqliteEnv,
        'create',
        '--project',
        'p',
        '--name',
        name!,
        '--scopes',
        scopes!,
        '--json',
      );
      issued.push(JSON.parse(created.stdout) as IssuedKey);
    }
    await cli(sqliteEnv, 'revoke', issued[1]!.record.id);
    const source = new SqliteKeyStore({ path: sqliteEnv.VECTORCACHE_KEYS_FILE });
    await source.recordUsage([
      { id: issued[0]!.record.id, count: 5, lastUsedAt: '2030-01-01T00:00:00.000Z' },
    ]);
    await source.close();

    const exported = await cli(sqliteEnv, 'export');
    expect(exported.stdout).not.toMatch(PLAINTEXT_KEY);
    const records = (JSON.parse(exported.stdout) as { keys: StoredKeyRecord[] }).keys;
    expect(records.map((r) => r.id)).toEqual(issued.map((i) => i.record.id));
    expect(records[0]?.requestCount).toBe(5);
    const file = join(dir, 'export.json');
    await writeFile(file, exported.stdout);

    const imported = await cli(redisEnv, 'import', file);
    const where = new URL(redisUrl);
    expect(imported.stdout).toContain(
      `Key store: Redis at ${where.hostname}:${where.port || '6379'} (key prefix ${prefix})`,
    );
    const store = new RedisKeyStore({ url: redisUrl }, { keyPrefix: prefix });
    expect(await store.list()).toEqual(records);
    expect(await answers(store, issued)).toEqual(['ok', 'revoked', 'ok']);
    await store.close();
    // Importing again changes nothing.
    const again = await cli(redisEnv, 'import', file, '--json');
    expect(JSON.parse(again.stdout)).toEqual({ imported: 0, alreadyPresent: 3 });

    // Redis -> a new embedded database: still the same records.
    const back = join(dir, 'back.json');
    await writeFile(back, (await cli(redisEnv, 'export')).stdout);
    const targetEnv = { VECTORCACHE_KEYS_FILE: join(dir, 'to.db') };
    await cli(targetEnv, 'import', back);
    const target = new SqliteKeyStore({ path: targetEnv.VECTORCACHE_KEYS_FILE });
    expect(await target.list()).toEqual(records);
    expect(await answers(target, issued)).toEqual(['ok', 'revoked', 'ok']);
    await target.close();
    expect(await readFile(back, 'utf8')).not.toMatch(PLAINTEXT_KEY);
  });
});
