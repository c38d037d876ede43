import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { createKeyManager } from '../src/key-manager';
import { FileKeyStore } from '../src/stores/file-store';
import { createVerifier } from '../src/verifier';
import { PLAINTEXT_KEY } from './fixtures';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../../..');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vc-file-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function until(check: () => Promise<boolean>, deadlineMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < deadlineMs) {
    if (await check()) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`condition not met within ${deadlineMs} ms`);
}

describe('FileKeyStore', () => {
  it('persists records (hashes only) with mode 0600 and reads them back in a new instance', async () => {
    const path = join(dir, 'nested', 'keys.json');
    const store = new FileKeyStore({ path });
    const { key, record } = await createKeyManager({ store }).create({ projectId: 'p', name: 'n' });
    await store.close();
    const text = await readFile(path, 'utf8');
    expect(text).not.toMatch(PLAINTEXT_KEY);
    expect(text).not.toContain(key);
    expect(JSON.parse(text)).toMatchObject({ version: 1, keys: [{ id: record.id }] });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const again = new FileKeyStore({ path });
    expect((await again.get(record.id))?.hash).toBe(record.hash);
    await again.close();
    // No temporary or lock file is left behind.
    expect(await readdir(join(dir, 'nested'))).toEqual(['keys.json']);
  });

  it('concurrent writers in one process lose no update', async () => {
    const store = new FileKeyStore({ path: join(dir, 'keys.json') });
    const keys = createKeyManager({ store });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => keys.create({ projectId: 'p', name: `k${i}` })),
    );
    const fresh = new FileKeyStore({ path: join(dir, 'keys.json') });
    expect((await fresh.list()).length).toBe(20);
    await Promise.all([store.close(), fresh.close()]);
  });

  it('a running verifier notices a revocation made by another process within a second', async () => {
    const path = join(dir, 'keys.json');
    const store = new FileKeyStore({ path });
    const { key, record } = await createKeyManager({ store }).create({ projectId: 'p', name: 'n' });
    const verifier = createVerifier({ store });
    expect((await verifier.verify(`Bearer ${key}`)).ok).toBe(true); // now cached
    const script = `
      const { FileKeyStore, createKeyManager } = require('./packages/core/src/index.ts');
      const store = new FileKeyStore({ path: ${JSON.stringify(path)} });
      createKeyManager({ store }).revoke(${JSON.stringify(record.id)}).then(() => store.close());
    `;
    await run(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT });
    const elapsed = await until(async () => !(await verifier.verify(`Bearer ${key}`)).ok, 1000);
    expect(elapsed).toBeLessThan(1000);
    await verifier.close();
    await store.close();
  }, 20_000);

  it('usage writes keep a revocation made meanwhile by another writer', async () => {
    const path = join(dir, 'keys.json');
    const server = new FileKeyStore({ path });
    const cli = new FileKeyStore({ path });
    const { record } = await createKeyManager({ store: server }).create({
      projectId: 'p',
      name: 'n',
    });
    await server.get(record.id); // server has it loaded
    await createKeyManager({ store: cli }).revoke(record.id);
    await server.recordUsage([{ id: record.id, count: 3, lastUsedAt: new Date().toISOString() }]);
    const fresh = new FileKeyStore({ path });
    const final = await fresh.get(record.id);
    expect(final?.revokedAt).not.toBeNull();
    expect(final?.requestCount).toBe(3);
    await Promise.all([server.close(), cli.close(), fresh.close()]);
  });

  it('a corrupt file is refused with a clear error and the verifier answers 503', async () => {
    const path = join(dir, 'keys.json');
    await writeFile(path, '{not json');
    const store = new FileKeyStore({ path });
    await expect(store.list()).rejects.toMatchObject({ code: 'store_unreadable' });
    const verifier = createVerifier({ store });
    const result = await verifier.verify(`Bearer vc_${'a'.repeat(32)}`);
    expect(!result.ok && result.status).toBe(503);
    await writeFile(path, JSON.stringify({ version: 1, keys: [{ id: 1 }] }));
    await expect(new FileKeyStore({ path }).list()).rejects.toThrow(/does not hold key records/);
    await verifier.close();
  });

  it('a missing file is an empty store', async () => {
    const store = new FileKeyStore({ path: join(dir, 'absent.json') });
    expect(await store.list()).toEqual([]);
    expect(await store.findByHash('0'.repeat(64))).toBeNull();
  });

  it('refuses a missing path', () => {
    expect(() => new FileKeyStore({} as never)).toThrow(/needs a path/);
  });
});
