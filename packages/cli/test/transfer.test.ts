import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  SqliteKeyStore,
  createKeyManager,
  createVerifier,
  type ApiKeyRecord,
  type IssuedKey,
  type KeyStore,
  type StoredKeyRecord,
} from '@vectorcache/auth-core';
import { PLAINTEXT_KEY, expectUsageError, makeTempDir, removeDir, runInProcess } from './helpers';

let dir: string;
const from = (): NodeJS.ProcessEnv => ({ VECTORCACHE_KEYS_FILE: join(dir, 'from.db') });
const to = (): NodeJS.ProcessEnv => ({ VECTORCACHE_KEYS_FILE: join(dir, 'to.db') });

beforeEach(async () => {
  dir = await makeTempDir('transfer');
});
afterEach(async () => {
  await removeDir(dir);
});

/** Creates keys through the CLI (some revoked, some used) and returns them. */
async function seed(env: NodeJS.ProcessEnv): Promise<IssuedKey[]> {
  const issued: IssuedKey[] = [];
  for (const [project, name, scopes] of [
    ['proj_a', 'one', 'cache:read'],
    ['proj_a', 'two', 'cache:*,analytics:read'],
    ['proj_b', 'three', 'keys:manage'],
  ]) {
    const result = await runInProcess(
      ['create', '--project', project!, '--name', name!, '--scopes', scopes!, '--json'],
      env,
    );
    expect(result).toMatchObject({ code: 0, stderr: '' });
    issued.push(JSON.parse(result.stdout) as IssuedKey);
  }
  expect((await runInProcess(['revoke', issued[1]!.record.id], env)).code).toBe(0);
  const store = new SqliteKeyStore({ path: env.VECTORCACHE_KEYS_FILE! });
  await store.recordUsage([
    { id: issued[0]!.record.id, count: 5, lastUsedAt: '2030-01-01T00:00:00.000Z' },
  ]);
  await store.close();
  return issued;
}

async function exportTo(env: NodeJS.ProcessEnv, file: string, ...args: string[]): Promise<string> {
  const result = await runInProcess(['export', ...args], env);
  expect(result.code).toBe(0);
  // What the export leaves behind is said on stderr (stdout is the JSON).
  expect(result.stderr).toMatch(
    /^Exported \d+ key records? \(hashes, request counts and last-used times; never a key\)\. Usage analytics \(requests per hour and outcome\) and the audit list are not exported: they stay in the store they were recorded in\.\n$/,
  );
  await writeFile(file, result.stdout);
  return result.stdout;
}

/** Every issued key answers in `store` as it did at the source: active ones pass, revoked ones not. */
async function expectSameAnswers(store: KeyStore, issued: IssuedKey[]): Promise<void> {
  const verifier = createVerifier({ store, usage: { enabled: false } });
  const reasons: Array<string | undefined> = [];
  for (const { key } of issued) {
    const result = await verifier.verify(`Bearer ${key}`);
    reasons.push(result.ok ? 'ok' : result.reason);
  }
  await verifier.close();
  expect(reasons).toEqual(['ok', 'revoked', 'ok']);
}

const withoutStatus = (records: ApiKeyRecord[]): StoredKeyRecord[] =>
  records.map(({ status: _status, ...record }) => record);

it('export prints every record with its hash and never a key; import adds them elsewhere, once', async () => {
  const issued = await seed(from());
  const file = join(dir, 'export.json');
  const text = await exportTo(from(), file);
  expect(text).not.toMatch(PLAINTEXT_KEY);
  const parsed = JSON.parse(text) as { version: number; keys: StoredKeyRecord[] };
  expect(parsed.version).toBe(1);
  const source = new SqliteKeyStore({ path: from().VECTORCACHE_KEYS_FILE! });
  expect(parsed.keys).toEqual(await source.list());
  await source.close();
  expect(parsed.keys.find((r) => r.id === issued[0]!.record.id)?.requestCount).toBe(5);

  const imported = await runInProcess(['import', file], to());
  expect(imported).toMatchObject({ code: 0, stderr: '' });
  expect(imported.stdout).toContain(`Imported 3 key records from ${file}.`);
  expect(imported.stdout).toContain(
    'Usage analytics (requests per hour and outcome) and the audit list are not exported',
  );
  expect(imported.stdout).toContain(`Key store: SQLite key database ${to().VECTORCACHE_KEYS_FILE}`);
  const target = new SqliteKeyStore({ path: to().VECTORCACHE_KEYS_FILE! });
  expect(await target.list()).toEqual(parsed.keys);
  await expectSameAnswers(target, issued);
  await target.close();

  // Again: everything is already there, nothing changes.
  const again = await runInProcess(['import', file, '--json'], to());
  expect(JSON.parse(again.stdout)).toEqual({ imported: 0, alreadyPresent: 3 });

  const projectOnly = JSON.parse(await exportTo(from(), file, '--project', 'proj_b')) as {
    keys: StoredKeyRecord[];
  };
  expect(projectOnly.keys.map((r) => r.name)).toEqual(['three']);
});

it('export accepts --json like every other command and prints the same JSON', async () => {
  await seed(from());
  const file = join(dir, 'export.json');
  const plain = await exportTo(from(), file);
  const withFlag = await exportTo(from(), file, '--json');
  expect(withFlag).toBe(plain);
  expect(withFlag).not.toMatch(PLAINTEXT_KEY);
});

it('imports an earlier version keys.json, and lists what it imported', async () => {
  const memory = createKeyManager({ store: new SqliteKeyStore({ path: join(dir, 'tmp.db') }) });
  const { record } = await memory.create({ projectId: 'old', name: 'legacy' });
  const legacy = join(dir, 'keys.json');
  await writeFile(legacy, JSON.stringify({ version: 1, keys: [record] }, null, 2));
  expect((await runInProcess(['import', legacy], to())).code).toBe(0);
  const listed = await runInProcess(['list', '--json'], to());
  const { hash: _hash, ...shown } = record;
  expect(withoutStatus(JSON.parse(listed.stdout) as ApiKeyRecord[])).toEqual(
    withoutStatus([shown as ApiKeyRecord]),
  );
});

it('imports a bare array of records too, and refuses JSON without records', async () => {
  const issued = await seed(from());
  const file = join(dir, 'bare.json');
  const exported = JSON.parse(await exportTo(from(), file)) as { keys: StoredKeyRecord[] };
  await writeFile(file, JSON.stringify(exported.keys));
  const result = await runInProcess(['import', file, '--json'], to());
  expect(JSON.parse(result.stdout)).toEqual({ imported: issued.length, alreadyPresent: 0 });
  await writeFile(file, JSON.stringify({ version: 1 }));
  expectUsageError(await runInProcess(['import', file], to()), /does not hold key records/);
});

it('refuses an unreadable, non-JSON or incomplete file, importing nothing', async () => {
  expectUsageError(await runInProcess(['import', join(dir, 'absent.json')], to()), /cannot read/);
  const bad = join(dir, 'bad.json');
  await writeFile(bad, 'not json');
  expectUsageError(await runInProcess(['import', bad], to()), /not valid JSON/);
  await writeFile(bad, JSON.stringify({ version: 1, keys: [{ id: 'key_1', hash: 'x' }] }));
  expectUsageError(
    await runInProcess(['import', bad], to()),
    /record 1 of .* nothing was imported/,
  );
  expectUsageError(await runInProcess(['import'], to()), /missing required argument 'file'/);
  expect((await runInProcess(['list', '--json'], to())).stdout).toBe('[]\n');
});
