import { copyFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  SqliteKeyStore,
  createVerifier,
  type IssuedKey,
  type Verifier,
} from '@vectorcache/auth-core';
import { createKeyManagerFor } from '@vectorcache/auth-core/adapter';
import { PLAINTEXT_KEY, makeTempDir, removeDir, runInProcess } from './helpers';
import { stderrOf } from '../../../test-utils/stderr';

// keys.db removed (or replaced) under a running server, as an operator would: `rm keys.db
// keys.db-wal keys.db-shm`, or a restored backup moved over it. The server must stop serving the
// file no one else can see, and agree with the CLI about what the path holds now.
let dir: string;
let path: string;
let verifier: Verifier;
const env = (): NodeJS.ProcessEnv => ({ VECTORCACHE_KEYS_FILE: path });

beforeEach(async () => {
  dir = await makeTempDir('deleted');
  path = join(dir, 'keys.db');
});
afterEach(async () => {
  await verifier?.close();
  await removeDir(dir);
});

async function cliCreate(name: string): Promise<IssuedKey> {
  const result = await runInProcess(['create', '--project', 'p', '--name', name, '--json'], env());
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as IssuedKey;
}

const ok = async (key: string) => (await verifier.verify(`Bearer ${key}`)).ok;

async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`still not so after 5 s: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function startServer(): void {
  verifier = createVerifier({
    store: new SqliteKeyStore({ path, pollIntervalMs: 20 }),
    usage: { enabled: false },
  });
}

it('keys.db deleted under a running server: old keys refused, CLI and server agree, said once', async () => {
  const old = await cliCreate('old');
  startServer();
  expect(await ok(old.key)).toBe(true); // cached from now on

  const said = await stderrOf(async () => {
    for (const file of [path, `${path}-wal`, `${path}-shm`]) rmSync(file, { force: true });
    await eventually('the deleted file is no longer served', async () => !(await ok(old.key)));
  });
  expect(said.match(/was removed while open/g)).toHaveLength(1);
  expect(said).toContain(path);
  expect(said).not.toMatch(PLAINTEXT_KEY);

  // The CLI sees no such key (there is no database there at all); the server refuses it too.
  const revoke = await runInProcess(['revoke', old.record.id], env());
  expect(revoke.stderr).toMatch(/no key with id|no key database at .*: the file does not exist/i);
  expect(await ok(old.key)).toBe(false);

  // A key the CLI creates now works on the server.
  const fresh = await cliCreate('fresh');
  await eventually('the CLI key is accepted', () => ok(fresh.key));

  // A key the server creates (as the admin API does) is in the file the CLI and a restart see.
  const served = await createKeyManagerFor(verifier).create({ projectId: 'p', name: 'served' });
  const restarted = new SqliteKeyStore({ path });
  expect(await restarted.get(served.record.id)).not.toBeNull();
  await restarted.close();
  const list = await runInProcess(['list', '--json'], env());
  expect((JSON.parse(list.stdout) as Array<{ id: string }>).map((r) => r.id).sort()).toEqual(
    [fresh.record.id, served.record.id].sort(),
  );
});

it('keys.db replaced by another file: the server serves the new file, not the old one', async () => {
  const old = await cliCreate('old');
  const other = join(dir, 'other.db');
  const backup = await runInProcess(['create', '--project', 'p', '--name', 'other', '--json'], {
    VECTORCACHE_KEYS_FILE: other,
  });
  const otherKey = (JSON.parse(backup.stdout) as IssuedKey).key;
  startServer();
  expect(await ok(old.key)).toBe(true);

  const said = await stderrOf(async () => {
    // A consistent copy of the other database (its WAL checkpointed by closing), moved over keys.db.
    copyFileSync(other, join(dir, 'incoming.db'));
    renameSync(join(dir, 'incoming.db'), path);
    rmSync(`${path}-wal`, { force: true });
    rmSync(`${path}-shm`, { force: true });
    await eventually('the replaced file is no longer served', async () => !(await ok(old.key)));
  });
  expect(said.match(/was replaced by another file while open/g)).toHaveLength(1);
  await eventually('the new file is served', () => ok(otherKey));
});
