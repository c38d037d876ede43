import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { hashApiKey } from '@vectorcache/auth-core';
import type { ApiKeyRecord, IssuedKey } from '@vectorcache/auth-core';
import {
  PLAINTEXT_KEY,
  expectUsageError,
  makeTempDir,
  readOrNull,
  removeDir,
  runChild,
  type CliRun,
} from './helpers';

// Real processes under a loaded 2-core machine: generous bounds, never relied on for speed.
jest.setTimeout(60_000);

// The real binary in child processes: argument parsing, exit codes, streams and a prompt exit.
let dir: string;
const run = (...args: string[]): Promise<CliRun> => runChild(args, {}, dir);

beforeAll(async () => {
  dir = await makeTempDir('bin');
});

afterAll(async () => {
  await removeDir(dir);
});

it('creates, lists, rotates and revokes keys in .vectorcache/keys.json of the working directory', async () => {
  const created = await run(
    'create',
    '--project',
    'proj_bin',
    '--name',
    'ci',
    '--scopes',
    'cache:read',
  );
  expect(created).toMatchObject({ code: 0, stderr: '' });
  const key = (created.stdout.match(PLAINTEXT_KEY) ?? [])[0] as string;
  expect(created.stdout.match(PLAINTEXT_KEY)).toHaveLength(1);
  expect(created.stdout).toMatch(/will not be shown again/);

  const storeFile = join(dir, '.vectorcache', 'keys.json');
  expect(await readFile(storeFile, 'utf8')).toContain(hashApiKey(key));

  const json = await run('create', '--project', 'proj_bin', '--name', 'second', '--json');
  expect(json).toMatchObject({ code: 0, stderr: '' });
  const second = JSON.parse(json.stdout) as IssuedKey;
  expect(second.record).toMatchObject({ projectId: 'proj_bin', name: 'second', status: 'active' });

  const table = await run('list');
  expect(table).toMatchObject({ code: 0, stderr: '' });
  expect(table.stdout).toMatch(
    /^ID\s+PREFIX\s+NAME\s+PROJECT\s+SCOPES\s+CREATED\s+LAST USED\s+REQUESTS\s+STATUS\n/,
  );
  expect(table.stdout).toContain(`${key.slice(0, 7)}...`);
  expect(table.stdout).not.toMatch(PLAINTEXT_KEY);

  const rotated = await run('rotate', second.record.id, '--grace', '1h', '--json');
  expect(rotated).toMatchObject({ code: 0, stderr: '' });
  const next = JSON.parse(rotated.stdout) as IssuedKey;
  expect(next.key).not.toBe(second.key);

  const revoked = await run('revoke', next.record.id, '--json');
  expect(revoked).toMatchObject({ code: 0, stderr: '' });
  expect(JSON.parse(revoked.stdout)).toMatchObject({ id: next.record.id, status: 'revoked' });

  const listed = await run('list', '--json');
  const records = JSON.parse(listed.stdout) as ApiKeyRecord[];
  expect(records.map((record) => [record.name, record.status])).toEqual(
    expect.arrayContaining([
      ['ci', 'active'],
      ['second', 'active'],
      ['second', 'revoked'],
    ]),
  );
  expect(listed.stdout).not.toMatch(PLAINTEXT_KEY);

  // No file of the store holds any plaintext key.
  for (const name of await readdir(join(dir, '.vectorcache'))) {
    const content = await readFile(join(dir, '.vectorcache', name), 'utf8');
    for (const plain of [key, second.key, next.key]) expect(content).not.toContain(plain.slice(3));
  }
});

it('honours VECTORCACHE_KEYS_FILE', async () => {
  const file = join(dir, 'elsewhere.json');
  const result = await runChild(
    ['create', '--project', 'p', '--name', 'n', '--json'],
    { VECTORCACHE_KEYS_FILE: file },
    dir,
  );
  expect(result.code).toBe(0);
  const { record } = JSON.parse(result.stdout) as IssuedKey;
  expect(await readFile(file, 'utf8')).toContain(record.hash);
});

it('--help exits 0 on stdout', async () => {
  const result = await run('rotate', '--help');
  expect(result).toMatchObject({ code: 0, stderr: '' });
  expect(result.stdout).toContain('Usage: vectorcache-keys rotate');
});

describe('bad input exits 2 with one line on stderr and no stack trace', () => {
  it.each<[string, string[]]>([
    ['no command', []],
    ['unknown command', ['delete', 'key_1']],
    ['unknown option', ['list', '--all']],
    ['invalid scope', ['create', '--project', 'p', '--name', 'n', '--scopes', 'cache']],
    ['bad duration', ['create', '--project', 'p', '--name', 'n', '--expires-in', '1y']],
    ['unknown id', ['revoke', 'key_ffffffffffffffffffffffff']],
  ])('%s', async (_label, args) => {
    const before = await readOrNull(join(dir, '.vectorcache', 'keys.json'));
    expectUsageError(await run(...args));
    expect(await readOrNull(join(dir, '.vectorcache', 'keys.json'))).toBe(before);
  });

  it('an unreachable Redis (VECTORCACHE_REDIS_URL)', async () => {
    const port = await new Promise<number>((resolvePort) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as AddressInfo;
        probe.close(() => resolvePort(free));
      });
    });
    const result = await runChild(
      ['create', '--project', 'p', '--name', 'n'],
      { VECTORCACHE_REDIS_URL: `redis://127.0.0.1:${port}` },
      dir,
    );
    expectUsageError(result, /Redis key store/);
  });

  it('a corrupt store file', async () => {
    const other = await makeTempDir('corrupt');
    try {
      const file = join(other, 'keys.json');
      await writeFile(file, 'garbage');
      expectUsageError(
        await runChild(['list'], { VECTORCACHE_KEYS_FILE: file }, other),
        /key file/,
      );
      expect(await readFile(file, 'utf8')).toBe('garbage');
    } finally {
      await removeDir(other);
    }
  });
});
