import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, runCliProcess, startServer } from './processes';

// Real processes under a loaded 2-core machine: generous bounds, never relied on for speed.
jest.setTimeout(60_000);

// Which key database an example uses must not depend on the folder it is started from: a key
// created by the CLI at the repository root must be the one `examples/koa-server` reads when started
// from its own folder. Nothing here writes to the repository's database: the CLI only lists (a
// read never creates the file) and the servers only start.
const KOA_SERVER = join(REPO_ROOT, 'examples', 'koa-server', 'src', 'server.ts');
const STORE_LINE = /Key store: SQLite key database (\S+)\n/;
const REPO_DATABASE = join(REPO_ROOT, '.vectorcache', 'keys.db');

async function exampleStore(cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  // The ready pattern's group is normally the port; here the server is stopped at once.
  const server = await startServer(KOA_SERVER, cwd, { PORT: '0', ...env }, { ready: STORE_LINE });
  const path = STORE_LINE.exec(server.output())?.[1] ?? '';
  await server.stop();
  return path;
}

it('the examples use the repository .vectorcache/keys.db from any folder, the one the CLI uses at the root', async () => {
  const fromOwnFolder = await exampleStore(join(REPO_ROOT, 'examples', 'koa-server'), {});
  const fromRoot = await exampleStore(REPO_ROOT, {});
  expect(fromOwnFolder).toBe(REPO_DATABASE);
  expect(fromRoot).toBe(REPO_DATABASE);

  const project = `none-${randomBytes(6).toString('hex')}`;
  const cli = await runCliProcess(['list', '--project', project], REPO_ROOT, {});
  expect(cli).toMatchObject({ code: 0, stderr: '' });
  expect(cli.stdout).toBe(
    `No keys in project ${project}.\n\nKey store: SQLite key database ${REPO_DATABASE}\n`,
  );
});

it('VECTORCACHE_KEYS_FILE still decides, and the example says which file it uses', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vc-examples-'));
  try {
    const file = join(dir, 'chosen.db');
    const cwd = join(REPO_ROOT, 'examples', 'koa-server');
    expect(await exampleStore(cwd, { VECTORCACHE_KEYS_FILE: file })).toBe(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
