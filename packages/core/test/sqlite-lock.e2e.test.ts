import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { createKeyManager } from '../src/keys/key-manager';
import { generateApiKey } from '../src/keys/key-format';
import { SqliteKeyStore } from '../src/stores/sqlite-store';
import type { AuthEvent } from '../src/types';
import { createVerifier } from '../src/verify/verifier';
import { sqliteDriversHere, sqliteSandbox } from './sqlite-fixtures';

// An operator's `sqlite3 keys.db` then `BEGIN IMMEDIATE;`, held under steady traffic: a second
// connection in another process holding the write lock while a server flushes usage every 200 ms.
const ROOT = resolve(__dirname, '../../..');
const HOLD_MS = 3000;

/** Starts a process that holds `BEGIN IMMEDIATE` on `path` for `ms`; resolves once it holds it. */
function holdWriteLock(path: string, driver: string, ms: number): Promise<ChildProcess> {
  const script = `
    const { openSqlite } = require('./packages/core/src/stores/sqlite-driver.ts');
    const db = openSqlite(${JSON.stringify(path)}, ${JSON.stringify(driver)});
    db.exec('BEGIN IMMEDIATE');
    process.stdout.write('locked\\n');
    setTimeout(() => { db.exec('COMMIT'); db.close(); }, ${ms});
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolveHeld, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the lock holder exited early (${code})`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('locked')) resolveHeld(child);
    });
  });
}

/** GET `path` on the server; resolves to [status, milliseconds]. */
function timedGet(port: number, path: string, key?: string): Promise<[number, number]> {
  const started = performance.now();
  return new Promise((done, fail) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        agent: false,
        headers: key ? { authorization: `Bearer ${key}` } : {},
      },
      (res) => {
        res.resume();
        res.on('end', () => done([res.statusCode ?? 0, performance.now() - started]));
      },
    );
    req.on('error', fail);
    req.end();
  });
}

describe.each(sqliteDriversHere())('an outside write transaction on keys.db (%s)', (driver) => {
  const box = sqliteSandbox(driver);
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
  });

  it('stalls no request: /health and cached keys answer at once, the lock is said once', async () => {
    const { key } = await createKeyManager({ store: box.store() }).create({
      projectId: 'p',
      name: 'n',
    });
    const events: AuthEvent[] = [];
    const verifier = createVerifier({
      store: new SqliteKeyStore({ path: box.path(), driver, busyTimeoutMs: 1000 }),
      usage: { flushIntervalMs: 200 },
      onEvent: (e) => events.push(e),
    });
    server = createServer((req, res) => {
      if (req.url === '/health') return void res.end('ok');
      void verifier.verify(req.headers.authorization).then((result) => {
        res.statusCode = result.ok ? 200 : result.status;
        res.end();
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    expect((await timedGet(port, '/auth', key))[0]).toBe(200); // cached from now on

    const holder = await holdWriteLock(box.path(), driver, HOLD_MS);
    const exited = new Promise((r) => holder.once('exit', r));
    const answers: Array<[string, number, number]> = [];
    const until = performance.now() + HOLD_MS;
    while (performance.now() < until) {
      const [health, cached, unknown] = await Promise.all([
        timedGet(port, '/health'),
        timedGet(port, '/auth', key),
        timedGet(port, '/auth', generateApiKey()),
      ]);
      answers.push(['health', ...health], ['cached', ...cached], ['unknown', ...unknown]);
      await new Promise((r) => setTimeout(r, 20));
    }
    await exited;
    await verifier.flush();

    // Before: each usage flush waited 5 s for the lock, synchronously, and every route with it.
    const slowest = Math.max(...answers.map(([, , ms]) => ms));
    expect(slowest).toBeLessThan(1000);
    const statuses = (what: string) =>
      new Set(answers.filter(([w]) => w === what).map(([, s]) => s));
    expect(statuses('health')).toEqual(new Set([200]));
    expect(statuses('cached')).toEqual(new Set([200]));
    expect([...statuses('unknown')].every((s) => s === 401 || s === 503)).toBe(true);
    const said = events
      .filter((e) => e.type === 'store_unavailable' || e.type === 'store_available')
      .map((e) => (e.type === 'store_available' ? 'available' : `unavailable:${e.cause}`));
    expect(said).toEqual(['unavailable:lock', 'available']);
    await verifier.close();
  }, 30_000);
});
