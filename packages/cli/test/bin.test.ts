import { access, cp, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { hashApiKey } from '@vectorcache/auth-core';
import type { ApiKeyRecord, IssuedKey } from '@vectorcache/auth-core';
import { CLI_BIN, runProcess } from '../../../test-utils/processes';
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

// The built binary (`dist/bin.js`) in child processes, only for what needs a real process: the
// working directory, exit codes and streams as a shell sees them, the version read from the
// installed package.json, and exiting (never hanging) on a store that cannot be reached. Every
// command and every bad input is covered in process by cli.test.ts.
let dir: string;
const run = (...args: string[]): Promise<CliRun> => runChild(args, {}, dir);

beforeAll(async () => {
  await access(CLI_BIN).catch(() => {
    throw new Error(`${CLI_BIN} is missing: run \`pnpm build\` first (the test script does).`);
  });
  dir = await makeTempDir('bin');
});

afterAll(async () => {
  await removeDir(dir);
});

it('keeps keys in .vectorcache/keys.db of the working directory, exit 0 and stdout only', async () => {
  const created = await run('create', '--project', 'proj_bin', '--name', 'ci', '--json');
  expect(created).toMatchObject({ code: 0, stderr: '' });
  const issued = JSON.parse(created.stdout) as IssuedKey;
  expect(issued.record).toMatchObject({ projectId: 'proj_bin', name: 'ci', status: 'active' });

  const storeFile = join(dir, '.vectorcache', 'keys.db');
  expect(await readFile(storeFile, 'utf8')).toContain(hashApiKey(issued.key));
  // Human output names the store it used, by absolute path.
  const table = await run('list');
  expect(table.stdout).toContain(`\nKey store: SQLite key database ${storeFile}\n`);

  const revoked = await run('revoke', issued.record.id, '--json');
  expect(revoked).toMatchObject({ code: 0, stderr: '' });
  const listed = await run('list', '--json');
  expect(listed).toMatchObject({ code: 0, stderr: '' });
  expect((JSON.parse(listed.stdout) as ApiKeyRecord[]).map((r) => [r.name, r.status])).toEqual([
    ['ci', 'revoked'],
  ]);
  expect(listed.stdout).not.toMatch(PLAINTEXT_KEY);

  // No file of the store holds the plaintext key.
  for (const name of await readdir(join(dir, '.vectorcache'))) {
    const content = await readFile(join(dir, '.vectorcache', name), 'utf8');
    expect(content).not.toContain(issued.key.slice(3));
  }
});

it('--version prints the version of the package.json installed beside it', async () => {
  // A copy of the built package whose package.json says another version.
  const installed = await makeTempDir('installed');
  try {
    const packageDir = join(__dirname, '..');
    const pkg = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as object;
    await writeFile(
      join(installed, 'package.json'),
      JSON.stringify({ ...pkg, version: '9.8.7-test' }),
    );
    await cp(join(packageDir, 'dist'), join(installed, 'dist'), { recursive: true });
    await symlink(join(packageDir, 'node_modules'), join(installed, 'node_modules'));
    const result = await runProcess(process.execPath, [join(installed, 'dist', 'bin.js'), '-V'], {
      cwd: dir,
    });
    expect(result).toMatchObject({ code: 0, stdout: '9.8.7-test\n', stderr: '' });
  } finally {
    await removeDir(installed);
  }
});

it('bad input exits 2 with one line on stderr, no stack trace, and the store untouched', async () => {
  const before = await readOrNull(join(dir, '.vectorcache', 'keys.db'));
  expectUsageError(await run('delete', 'key_1'), /unknown command 'delete'/);
  expect(await readOrNull(join(dir, '.vectorcache', 'keys.db'))).toBe(before);
});

it('an unreachable Redis (VECTORCACHE_REDIS_URL) exits 2 rather than hanging, in words, without credentials', async () => {
  const port = await new Promise<number>((resolvePort) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address() as AddressInfo;
      probe.close(() => resolvePort(free));
    });
  });
  const result = await runChild(
    ['create', '--project', 'p', '--name', 'n'],
    { VECTORCACHE_REDIS_URL: `redis://operator:s3cret@127.0.0.1:${port}` },
    dir,
  );
  expectUsageError(
    result,
    new RegExp(
      `^error: cannot connect to Redis at 127\\.0\\.0\\.1:${port} \\(connection refused\\); check that it runs and that the address is right\n$`,
    ),
  );
  expect(result.stderr).not.toMatch(/s3cret|operator|ECONNREFUSED/);
});

it('imports a .vectorcache/keys.json of an earlier version at the default place once, and renames it', async () => {
  const other = await makeTempDir('legacy');
  try {
    // Records as the JSON file store of earlier versions wrote them (one used, one revoked).
    const records = [
      {
        id: 'key_00000000000000000000000a',
        projectId: 'proj_old',
        name: 'old backend',
        prefix: 'vc_aaaa',
        hash: hashApiKey(`vc_${'a'.repeat(32)}`),
        scopes: ['cache:read'],
        createdAt: '2025-01-01T00:00:00.000Z',
        lastUsedAt: '2025-02-01T00:00:00.000Z',
        requestCount: 42,
        revokedAt: null,
        expiresAt: null,
      },
      {
        id: 'key_00000000000000000000000b',
        projectId: 'proj_old',
        name: 'retired',
        prefix: 'vc_bbbb',
        hash: hashApiKey(`vc_${'b'.repeat(32)}`),
        scopes: ['cache:*', 'analytics:read'],
        createdAt: '2025-01-02T00:00:00.000Z',
        lastUsedAt: null,
        requestCount: 0,
        revokedAt: '2025-03-01T00:00:00.000Z',
        expiresAt: null,
      },
    ];
    await mkdir(join(other, '.vectorcache'));
    await writeFile(
      join(other, '.vectorcache', 'keys.json'),
      JSON.stringify({ version: 1, keys: records }, null, 2),
    );
    const listed = await runChild(['list', '--json'], {}, other);
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    const statuses = ['active', 'revoked'];
    // The active key of 2025 is past the 90-day rotation period; the revoked one never is.
    const due = [true, false];
    // Records unchanged; the output leaves out their hashes, and adds what they never had as null.
    expect(JSON.parse(listed.stdout)).toEqual(
      records.map(({ hash: _hash, ...r }, i) => ({
        ...r,
        environment: null,
        ownerId: null,
        meta: null,
        status: statuses[i],
        rotationDue: due[i],
      })),
    );
    expect((await readdir(join(other, '.vectorcache'))).sort()).toEqual([
      'keys.db',
      'keys.json.imported',
    ]);
    // A later keys.json (an older CLI still in use) is not imported a second time.
    await writeFile(
      join(other, '.vectorcache', 'keys.json'),
      JSON.stringify({ version: 1, keys: [] }),
    );
    const revoked = await runChild(['revoke', 'key_00000000000000000000000a', '--json'], {}, other);
    expect(JSON.parse(revoked.stdout)).toMatchObject({ status: 'revoked', requestCount: 42 });
  } finally {
    await removeDir(other);
  }
});
