import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SqliteKeyStore, type StoredKeyRecord } from '@vectorcache/auth-core';
import { startProcess } from '../../test-utils/processes';
import {
  listening,
  REPO_ROOT,
  running,
  startServer,
  waitFor,
  type ServerProcess,
} from './processes';

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

it('first run: creates a read-only demo key, saves it 0600, and its curl lines give 200, 401, 403, 403', async () => {
  demo = await startDemo();
  const output = demo.output();
  expect(output).toContain('Demo key: created now');
  expect(output).toContain('Self-check passed.');

  const key = (await readFile(join(dir, 'demo-key'), 'utf8')).trim();
  expect(key).toMatch(/^vc_[0-9a-f]{32}$/);
  expect((await stat(join(dir, 'demo-key'))).mode & 0o777).toBe(0o600);

  expect(output).toContain(`Key store: SQLite key database ${join(dir, 'keys.db')}`);
  const stored = await storedKeys();
  expect(stored).toHaveLength(3);
  expect(stored.find((record) => record.name === 'pnpm demo')).toMatchObject({
    projectId: 'demo',
    scopes: ['cache:read'],
  });
  const otherKey = (await readFile(join(dir, 'other-key'), 'utf8')).trim();
  expect((await stat(join(dir, 'other-key'))).mode & 0o777).toBe(0o600);
  expect(stored.find((record) => record.prefix === otherKey.slice(0, 7))).toMatchObject({
    projectId: 'other',
    scopes: ['cache:read'],
  });
  const db = (await readFile(join(dir, 'keys.db'))).toString('latin1');
  expect(db).not.toContain(key.slice(3));
  expect(db).not.toContain(otherKey.slice(3));

  const lines = output.split('\n').map((line) => line.trim());
  const exportLine = lines.find((line) => line.startsWith('export VECTORCACHE_API_KEY='));
  expect(exportLine).toBe(`export VECTORCACHE_API_KEY=${key}`);
  const otherExport = lines.find((line) => line.startsWith('export OTHER_PROJECT_KEY='));
  expect(otherExport).toMatch(
    new RegExp(`^export OTHER_PROJECT_KEY=${otherKey} +# a key of project other$`),
  );
  const exports = `${exportLine as string}\n${otherExport as string}`;
  const curls = lines.filter((line) => line.startsWith('curl '));
  expect(curls).toHaveLength(4);
  for (const line of curls) {
    // Keys come from the environment.
    expect(line).not.toContain(key);
    expect(line).not.toContain(otherKey);
  }
  const statuses: number[] = [];
  for (const line of curls) statuses.push(await pasteInShell(exports, line));
  expect(statuses).toEqual([200, 401, 403, 403]);
  // The last one is the project refusal, which the demo shows because it serves project `demo`.
  const { stdout } = await run('bash', [
    '-c',
    `${exports}\n${curls[3]!.replace('curl -i', 'curl -s')}`,
  ]);
  expect(stdout).toBe('{"detail":"API key does not have permission to access this project"}');

  // The dashboard: its URL, and a manager key that signs in to it and may grant what it offers.
  const base = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)![1]!;
  expect(lines).toContain(
    `Dashboard: ${base}/admin/ (the management API and its page, mounted on the same server)`,
  );
  const adminKey = (await readFile(join(dir, 'admin-key'), 'utf8')).trim();
  expect((await stat(join(dir, 'admin-key'))).mode & 0o777).toBe(0o600);
  expect(lines).toContain(adminKey);
  expect(stored.find((record) => record.prefix === adminKey.slice(0, 7))).toMatchObject({
    projectId: 'demo',
    scopes: ['keys:manage', 'analytics:read', 'cache:*'],
  });
  const page = await fetch(`${base}/admin/`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  const created = await fetch(`${base}/admin/v1/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'from the dashboard', scopes: ['cache:read'] }),
  });
  expect(created.status).toBe(201);
  // The suggested command is the README's, not a path into a build folder.
  expect(lines).toContain(
    `Manage keys from a terminal (in the repository): VECTORCACHE_KEYS_FILE=${join(dir, 'keys.db')} pnpm exec vectorcache-keys list --project demo`,
  );
});

it('later runs show the saved key again and create no other', async () => {
  await demo?.stop();
  const key = (await readFile(join(dir, 'demo-key'), 'utf8')).trim();
  demo = await startDemo();
  expect(demo.output()).toContain(`export VECTORCACHE_API_KEY=${key}`);
  expect(demo.output()).toContain('Self-check passed.');
  expect(await storedKeys()).toHaveLength(4);
});

// `pnpm demo &` gives the PID of pnpm; `npx -y pnpm@12.4.2 demo &` (the README's) that of npx, with
// pnpm and a shell between it and the server, which live on when npx is killed.
it.each([
  ['pnpm run demo', 'pnpm', ['run', 'demo']],
  ['npx -y pnpm@12.4.2 run demo', 'npx', ['-y', 'pnpm@12.4.2', 'run', 'demo']],
])('SIGTERM to the PID of `%s` stops the server and frees its port', async (_, command, args) => {
  await demo?.stop();
  demo = undefined;
  // Built first, so the demo's own build step finds nothing to do.
  const viaPnpm = await startProcess(command, args, {
    cwd: REPO_ROOT,
    env: { VECTORCACHE_DEMO_DIR: dir, PORT: '0' },
    ready: READY,
    timeoutMs: 120_000,
  });
  try {
    const port = Number(viaPnpm.ready[1]);
    const server = Number(/\(pid (\d+)\)/.exec(viaPnpm.stdout())?.[1]);
    // The server is not pnpm itself: a signal to pnpm reaches it only through the demo's watch.
    expect(server).not.toBe(viaPnpm.child.pid);
    expect(await running(server)).toBe(true);
    expect(await listening(port)).toBe(true);

    viaPnpm.child.kill('SIGTERM');
    await waitFor(
      'the port to be free',
      async () => ((await listening(port)) ? undefined : true),
      10_000,
    );
    await waitFor(
      'the demo server to exit',
      async () => ((await running(server)) ? undefined : true),
      10_000,
    );
  } finally {
    await viaPnpm.stop();
  }
});

it('the default demo directory is gitignored', async () => {
  const paths = [
    '.vectorcache/demo-key',
    '.vectorcache/other-key',
    '.vectorcache/admin-key',
    '.vectorcache/keys.db',
    '.vectorcache/keys.db-wal',
  ];
  const { stdout } = await run('git', ['check-ignore', ...paths], { cwd: REPO_ROOT });
  expect(stdout.trim().split('\n')).toEqual(paths);
});
