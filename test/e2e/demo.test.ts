import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SqliteKeyStore, type StoredKeyRecord } from '@vectorcache/auth-core';
import { REPO_ROOT, startServer, type ServerProcess } from './processes';

// Real processes under a loaded 2-core machine: generous bounds, never relied on for speed.
jest.setTimeout(60_000);

// `pnpm demo` as a user runs it (minus the build): scripts/demo.ts in the repository root, with
// its key directory moved to a temp folder so the developer's own .vectorcache/ is not touched.
const DEMO_SCRIPT = join(REPO_ROOT, 'scripts', 'demo.ts');
const READY = /listening on http:\/\/127\.0\.0\.1:(\d+)/;
const run = promisify(execFile);

/** Every record in the demo's key database, read as another process would. */
async function storedKeys(): Promise<StoredKeyRecord[]> {
  const store = new SqliteKeyStore({ path: join(dir, 'keys.db') });
  try {
    return await store.list();
  } finally {
    await store.close();
  }
}

let dir: string;
let demo: ServerProcess | undefined;

const startDemo = (): Promise<ServerProcess> =>
  startServer(DEMO_SCRIPT, REPO_ROOT, { VECTORCACHE_DEMO_DIR: dir, PORT: '0' }, { ready: READY });

/** Runs the printed `export` line and one printed curl line in bash; resolves to the HTTP status. */
async function pasteInShell(exportLine: string, curlLine: string): Promise<number> {
  const { stdout } = await run('bash', ['-c', `${exportLine}\n${curlLine}`], { timeout: 10_000 });
  const match = /^HTTP\/[\d.]+ (\d{3})/.exec(stdout);
  if (!match) throw new Error(`no HTTP status line in curl's output:\n${stdout}`);
  return Number(match[1]);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vc-demo-'));
});

afterAll(async () => {
  await demo?.stop();
  await rm(dir, { recursive: true, force: true });
});

it('first run: creates a read-only demo key, saves it 0600, and its curl lines give 200, 401, 403', async () => {
  demo = await startDemo();
  const output = demo.output();
  expect(output).toContain('Demo key: created now');
  expect(output).toContain('Self-check passed.');

  const key = (await readFile(join(dir, 'demo-key'), 'utf8')).trim();
  expect(key).toMatch(/^vc_[0-9a-f]{32}$/);
  expect((await stat(join(dir, 'demo-key'))).mode & 0o777).toBe(0o600);

  expect(output).toContain(`Key store: SQLite key database ${join(dir, 'keys.db')}`);
  const stored = await storedKeys();
  expect(stored).toHaveLength(1);
  expect(stored[0]).toMatchObject({ projectId: 'demo', scopes: ['cache:read'] });
  expect((await readFile(join(dir, 'keys.db'))).toString('latin1')).not.toContain(key.slice(3));

  const lines = output.split('\n').map((line) => line.trim());
  const exportLine = lines.find((line) => line.startsWith('export VECTORCACHE_API_KEY='));
  expect(exportLine).toBe(`export VECTORCACHE_API_KEY=${key}`);
  const curls = lines.filter((line) => line.startsWith('curl '));
  expect(curls).toHaveLength(3);
  for (const line of curls) expect(line).not.toContain(key); // the key comes from the environment
  const statuses: number[] = [];
  for (const line of curls) statuses.push(await pasteInShell(exportLine as string, line));
  expect(statuses).toEqual([200, 401, 403]);
});

it('later runs show the saved key again and create no other', async () => {
  await demo?.stop();
  const key = (await readFile(join(dir, 'demo-key'), 'utf8')).trim();
  demo = await startDemo();
  expect(demo.output()).toContain(`export VECTORCACHE_API_KEY=${key}`);
  expect(demo.output()).toContain('Self-check passed.');
  expect(await storedKeys()).toHaveLength(1);
});

it('the default demo directory is gitignored', async () => {
  const paths = ['.vectorcache/demo-key', '.vectorcache/keys.db', '.vectorcache/keys.db-wal'];
  const { stdout } = await run('git', ['check-ignore', ...paths], { cwd: REPO_ROOT });
  expect(stdout.trim().split('\n')).toEqual(paths);
});
