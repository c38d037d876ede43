import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { createKeyManager } from '../src/keys/key-manager';
import { SqliteKeyStore } from '../src/stores/sqlite-store';
import { createVerifier } from '../src/verify/verifier';
import { sqliteDriversHere, sqliteSandbox } from './sqlite-fixtures';

// The SQLite store's change feed across real processes, on every driver this Node has (the
// many-writers test in test/e2e does the same at scale, on the built packages).
const run = promisify(execFile);
const ROOT = resolve(__dirname, '../../..');
const bearer = (key: string): string => `Bearer ${key}`;

async function until<T>(what: string, check: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.each(sqliteDriversHere())('SqliteKeyStore across processes on %s', (driver) => {
  const box = sqliteSandbox(driver);

  it('a revocation made by another process reaches a running verifier within a second', async () => {
    const store = box.store();
    const { key, record } = await createKeyManager({ store }).create({ projectId: 'p', name: 'n' });
    const verifier = createVerifier({ store: new SqliteKeyStore({ path: box.path(), driver }) });
    expect((await verifier.verify(bearer(key))).ok).toBe(true);
    const script = `
      const { SqliteKeyStore, createKeyManager } = require('./packages/core/src/index.ts');
      const store = new SqliteKeyStore({ path: ${JSON.stringify(box.path())}, driver: ${JSON.stringify(driver)} });
      createKeyManager({ store }).revoke(${JSON.stringify(record.id)}).then(() => store.close());
    `;
    await run(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT });
    const revokedAt = Date.now();
    await until(
      'the verifier to refuse the key',
      async () => ((await verifier.verify(bearer(key))).ok ? undefined : true),
      1000,
    );
    expect(Date.now() - revokedAt).toBeLessThanOrEqual(1000);
    await verifier.close();
  }, 30_000);
});
