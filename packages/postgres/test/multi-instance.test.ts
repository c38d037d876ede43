import { join } from 'node:path';
import { createKeyManager } from '@vectorcache/auth-core';
import { PostgresKeyStore } from '@vectorcache/auth-postgres';
import {
  REPO_ROOT,
  startProcess,
  tsxArgs,
  type StartedProcess,
} from '../../../test-utils/processes';
import {
  createTestDatabase,
  describePostgres,
  type TestDatabase,
} from '../../../test-utils/postgres';
import { pollUntil } from './helpers';

/** The revocation bound: a key revoked through one instance is refused by the other within it. */
const REVOCATION_BOUND_MS = 1000;

interface Instance {
  process: StartedProcess;
  verify(key: string): Promise<number>;
  revoke(id: string): Promise<number>;
  close(): Promise<void>;
}

async function startInstance(env: Record<string, string>): Promise<Instance> {
  const started = await startProcess(
    process.execPath,
    tsxArgs(join(__dirname, 'fixtures', 'instance.ts')),
    { cwd: REPO_ROOT, env, ready: /^\{"port":(\d+)\}$/m, timeoutMs: 20_000 },
  );
  const url = `http://127.0.0.1:${started.ready[1]}`;
  const call = async (method: string, path: string, key?: string): Promise<number> => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
      signal: AbortSignal.timeout(5000),
    });
    await res.arrayBuffer();
    return res.status;
  };
  return {
    process: started,
    verify: (key) => call('GET', '/verify', key),
    revoke: (id) => call('POST', `/revoke/${id}`),
    async close() {
      if (started.child.exitCode !== null) return;
      const exited = new Promise((resolve) => started.child.once('exit', resolve));
      await call('POST', '/close').catch(() => undefined);
      await exited;
    },
  };
}

// Two server processes, each with its own pool and LISTEN connection built from the
// zero-configuration environment, share one database.
describePostgres('two server instances sharing one PostgreSQL', () => {
  let db: TestDatabase;
  let store: PostgresKeyStore;
  let a: Instance;
  let b: Instance;

  beforeAll(async () => {
    db = await createTestDatabase('multi');
    store = new PostgresKeyStore({ connectionString: db.url });
    await store.list(); // the schema made before two processes race for it
    const env = { VECTORCACHE_DATABASE_URL: db.url };
    [a, b] = await Promise.all([startInstance(env), startInstance(env)]);
    await pollUntil(
      () => [a, b].every((s) => s.process.stdout().includes('feed_restored')),
      10000,
      'both instances listening',
      20,
    );
  }, 60000);

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await store?.close();
    await db?.drop();
  });

  it(`a key revoked through one instance is refused by the other within ${REVOCATION_BOUND_MS} ms`, async () => {
    const keys = createKeyManager({ store });
    const samples: number[] = [];
    for (let round = 0; round < 5; round++) {
      const { key, record } = await keys.create({ projectId: 'proj_multi', name: `k${round}` });
      expect(await a.verify(key)).toBe(200);
      expect(await b.verify(key)).toBe(200); // now cached in B
      expect(await a.revoke(record.id)).toBe(200);
      samples.push(
        await pollUntil(
          async () => (await b.verify(key)) === 401,
          REVOCATION_BOUND_MS,
          'B refuses the key',
        ),
      );
      expect(await a.verify(key)).toBe(401);
    }
    console.log(
      `PostgreSQL: revocation through A, seen by B after A answered: max ${Math.max(...samples).toFixed(1)} ms`,
    );
  });

  it('counts usage from both instances in the same counters after a graceful close', async () => {
    const keys = createKeyManager({ store });
    const { key, record } = await keys.create({ projectId: 'proj_multi', name: 'usage' });
    for (let i = 0; i < 30; i++) expect(await (i % 2 === 0 ? a : b).verify(key)).toBe(200);
    await Promise.all([a.close(), b.close()]);
    expect((await keys.get(record.id))?.requestCount).toBe(30);
    expect(a.process.stderr()).toBe('');
    expect(b.process.stderr()).toBe('');
  });
});
