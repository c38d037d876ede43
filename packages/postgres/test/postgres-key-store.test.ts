import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import type { StoreChange, UsageEntry } from '@vectorcache/auth-core';
import {
  createKeyManager,
  createVerifier,
  storeFromEnv,
  VectorcacheAuthError,
} from '@vectorcache/auth-core';
import { runCli } from '@vectorcache/auth-cli';
import { PostgresKeyStore, type PostgresKeyStoreOptions } from '@vectorcache/auth-postgres';
import {
  createTestDatabase,
  describePostgres,
  type TestDatabase,
} from '../../../test-utils/postgres';
import { closedPort, feedUp, makeRecord, PLAINTEXT_KEY, pollUntil } from './helpers';

const HOUR = 3_600_000;

describePostgres('PostgresKeyStore on PostgreSQL', () => {
  let db: TestDatabase;
  let store: PostgresKeyStore;
  const extra: PostgresKeyStore[] = [];
  /** Another store on the same database and schema (another instance), closed after the suite. */
  const another = (options: PostgresKeyStoreOptions = {}): PostgresKeyStore => {
    const other = new PostgresKeyStore({ connectionString: db.url }, options);
    extra.push(other);
    return other;
  };

  beforeAll(async () => {
    db = await createTestDatabase('store');
    store = new PostgresKeyStore({ connectionString: db.url }, { timeoutMs: 5000 });
  }, 30000);

  afterAll(async () => {
    await Promise.all(extra.map((s) => s.close()));
    await store?.close();
    await db?.drop();
  });

  describe('store contract', () => {
    it('inserts a record and finds it by hash and by id, exactly shaped', async () => {
      const record = makeRecord({ expiresAt: '2099-01-01T00:00:00.000Z' });
      await store.insert(record);
      expect(await store.findByHash(record.hash)).toStrictEqual(record);
      expect(await store.get(record.id)).toStrictEqual(record);
      expect(await store.findByHash('0'.repeat(64))).toBeNull();
      expect(await store.get('key_000000000000000000000000')).toBeNull();
    });

    it('rejects a duplicate id or hash with duplicate_key and leaves the first intact', async () => {
      const record = makeRecord();
      await store.insert(record);
      for (const twin of [makeRecord({ id: record.id }), makeRecord({ hash: record.hash })]) {
        await expect(store.insert(twin)).rejects.toMatchObject({ code: 'duplicate_key' });
      }
      expect(await store.get(record.id)).toStrictEqual(record);
    });

    it('lists every record or one project, oldest first', async () => {
      const project = `proj_${randomBytes(4).toString('hex')}`;
      const first = makeRecord({ projectId: project, createdAt: '2026-01-01T00:00:00.000Z' });
      const second = makeRecord({ projectId: project, createdAt: '2026-01-02T00:00:00.000Z' });
      await store.insert(second);
      await store.insert(first);
      expect(await store.list({ projectId: project })).toStrictEqual([first, second]);
      const all = await store.list();
      expect(all.map((r) => r.id)).toEqual(expect.arrayContaining([first.id, second.id]));
    });

    it('updates atomically, sets null fields, and answers null for an unknown id', async () => {
      const record = makeRecord({ expiresAt: '2099-01-01T00:00:00.000Z' });
      await store.insert(record);
      const revokedAt = new Date().toISOString();
      const updated = await store.update(record.id, {
        revokedAt,
        expiresAt: null,
        scopes: ['cache:read'],
        name: 'renamed',
      });
      expect(updated).toStrictEqual({
        ...record,
        revokedAt,
        expiresAt: null,
        scopes: ['cache:read'],
        name: 'renamed',
      });
      expect(await store.get(record.id)).toStrictEqual(updated);
      expect(await store.update(record.id, {})).toStrictEqual(updated);
      expect(await store.update('key_000000000000000000000000', { name: 'x' })).toBeNull();
    });

    it('keeps rotation links: absent, null or an id, each exactly as written', async () => {
      const absent = makeRecord();
      const none = makeRecord({ rotatedFrom: null, rotatedTo: null });
      const linked = makeRecord({ rotatedFrom: absent.id, rotatedTo: none.id });
      for (const record of [absent, none, linked]) {
        await store.insert(record);
        expect(await store.get(record.id)).toStrictEqual(record);
      }
      expect(await store.update(absent.id, { rotatedTo: linked.id })).toStrictEqual({
        ...absent,
        rotatedTo: linked.id,
      });
    });

    it('writes a rotation in one transaction: both records or neither', async () => {
      const old = makeRecord();
      await store.insert(old);
      const next = makeRecord({ rotatedFrom: old.id });
      const expiresAt = new Date(Date.now() + HOUR).toISOString();
      await store.insert(next, { id: old.id, patch: { expiresAt, rotatedTo: next.id } });
      expect(await store.get(old.id)).toStrictEqual({ ...old, expiresAt, rotatedTo: next.id });
      expect(await store.get(next.id)).toStrictEqual(next);
      // Rotated already: a second rotation of it is refused, and it keeps its state.
      await expect(
        store.insert(makeRecord(), { id: old.id, patch: { expiresAt: null } }),
      ).rejects.toMatchObject({ code: 'key_rotated' });
      expect((await store.get(old.id))?.expiresAt).toBe(expiresAt);
      // A duplicate new record: the replaced one keeps its state.
      const other = makeRecord();
      await store.insert(other);
      await expect(
        store.insert(makeRecord({ hash: next.hash }), {
          id: other.id,
          patch: { expiresAt, rotatedTo: next.id },
        }),
      ).rejects.toMatchObject({ code: 'duplicate_key' });
      expect(await store.get(other.id)).toStrictEqual(other);
      // The replaced record gone: nothing is written.
      const orphan = makeRecord();
      await expect(
        store.insert(orphan, { id: 'key_000000000000000000000000', patch: { expiresAt } }),
      ).rejects.toMatchObject({ code: 'key_not_found' });
      expect(await store.get(orphan.id)).toBeNull();
    });

    it('rejects a corrupt row with corrupt_record, and the verifier answers 503', async () => {
      const keys = createKeyManager({ store });
      const { key, record } = await keys.create({ projectId: 'proj_corrupt', name: 'corrupt' });
      await db.query(`UPDATE vectorcache.keys SET scopes = '{{{' WHERE id = $1`, [record.id]);
      await expect(store.get(record.id)).rejects.toMatchObject({ code: 'corrupt_record' });
      const verifier = createVerifier({ store });
      try {
        expect(await verifier.verify(`Bearer ${key}`)).toMatchObject({
          ok: false,
          status: 503,
          reason: 'store_unavailable',
        });
      } finally {
        await verifier.close();
      }
    });
  });

  describe('its schema', () => {
    it('lives in its own schema with a versioned migration table, and touches nothing else', async () => {
      await db.query('CREATE TABLE public.keys (id text PRIMARY KEY, note text)');
      await db.query("INSERT INTO public.keys VALUES ('mine', 'the application''s own table')");
      const schema = `vc_${randomBytes(4).toString('hex')}`;
      const own = another({ schema });
      await own.insert(makeRecord());
      const tables = await db.query<{ table_name: string }>(
        'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1',
        [schema],
      );
      expect(tables.map((t) => t.table_name)).toEqual([
        'attempts',
        'audit',
        'flushes',
        'keys',
        'migrations',
        'usage_daily',
        'usage_hourly',
      ]);
      expect(await db.query(`SELECT version FROM ${schema}.migrations ORDER BY version`)).toEqual([
        { version: 1 },
        { version: 2 },
      ]);
      expect(await db.query('SELECT * FROM public.keys')).toEqual([
        { id: 'mine', note: "the application's own table" },
      ]);
      // The default schema and this one hold different keys.
      expect(await own.list()).toHaveLength(1);
      expect((await store.list()).length).not.toBe(1);
    });

    it('is created once by many stores opening at the same time', async () => {
      const schema = `vc_${randomBytes(4).toString('hex')}`;
      const stores = Array.from({ length: 6 }, () => another({ schema, timeoutMs: 5000 }));
      const records = stores.map(() => makeRecord());
      await Promise.all(stores.map((s, i) => s.insert(records[i]!)));
      expect(await db.query(`SELECT version FROM ${schema}.migrations ORDER BY version`)).toEqual([
        { version: 1 },
        { version: 2 },
      ]);
      expect(await stores[0]!.list()).toHaveLength(6);
    });

    it('takes its schema from VECTORCACHE_DATABASE_SCHEMA, and refuses a name that is not plain', () => {
      const saved = process.env.VECTORCACHE_DATABASE_SCHEMA;
      process.env.VECTORCACHE_DATABASE_SCHEMA = 'from_env';
      try {
        expect(another().schema).toBe('from_env');
        expect(another({ schema: 'given' }).schema).toBe('given');
      } finally {
        if (saved === undefined) delete process.env.VECTORCACHE_DATABASE_SCHEMA;
        else process.env.VECTORCACHE_DATABASE_SCHEMA = saved;
      }
      for (const schema of ['Public', 'a-b', 'x"; DROP TABLE t; --', '1abc', '']) {
        expect(() => another({ schema })).toThrow(/plain name/);
      }
    });
  });

  describe('usage', () => {
    it('adds counts and keeps the latest lastUsedAt, and drops ids it does not hold', async () => {
      const record = makeRecord();
      await store.insert(record);
      const at = (ms: number) => new Date(ms).toISOString();
      const now = Date.now();
      const batch: UsageEntry[] = [
        { id: record.id, count: 2, lastUsedAt: at(now - 1000) },
        { id: record.id, count: 3, lastUsedAt: at(now) },
        { id: 'key_000000000000000000000000', count: 9, lastUsedAt: at(now) },
      ];
      await store.recordUsage(batch);
      await store.recordUsage([{ id: record.id, count: 1, lastUsedAt: at(now - 5000) }]);
      expect(await store.get(record.id)).toMatchObject({ requestCount: 6, lastUsedAt: at(now) });
    });

    it('counts failed attempts per client in a window shared by every store', async () => {
      const client = `203.0.113.${randomBytes(1)[0]}-${randomBytes(4).toString('hex')}`;
      const other = another();
      expect(await store.countFailedAttempt(client, 60_000)).toBe(1);
      expect(await other.countFailedAttempt(client, 60_000)).toBe(2);
      expect(await store.countFailedAttempt(`${client}-else`, 60_000)).toBe(1);
      const short = `${client}-short`;
      expect(await store.countFailedAttempt(short, 50)).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 80));
      expect(await other.countFailedAttempt(short, 50)).toBe(1);
    });
  });

  describe('audit list', () => {
    it('reads the newest auditLimit entries, and trims what it keeps to within a few dozen more', async () => {
      const schema = `vc_${randomBytes(4).toString('hex')}`;
      const small = another({ schema, auditLimit: 3 });
      const at = Date.now();
      for (let i = 0; i < 100; i++) {
        await small.appendAudit({
          at: new Date(at + i).toISOString(),
          projectId: 'proj_trim',
          action: 'key.created',
          actor: null,
          target: { keyId: `key_${i}`, prefix: 'vc_1234', name: `key ${i}` },
        });
      }
      const listed = await small.listAudit({ projectId: 'proj_trim', limit: 100 });
      expect(listed.map((e) => e.target.name)).toEqual(['key 99', 'key 98', 'key 97']);
      const rows = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.audit`);
      expect(rows[0]!.n).toBeLessThanOrEqual(3 + 32);
      await expect(small.listAudit({ projectId: 'proj_trim', limit: 0 })).rejects.toMatchObject({
        code: 'invalid_input',
      });
      await expect(small.appendAudit({ action: 'key.deleted' } as never)).rejects.toMatchObject({
        code: 'invalid_input',
      });
    });
  });

  describe('change feed', () => {
    it('announces inserts and every update to other stores, and nothing on a no-op', async () => {
      const other = another();
      const seen: StoreChange[] = [];
      const off = await feedUp(other, seen);
      try {
        const record = makeRecord();
        await store.insert(record);
        await store.update(record.id, {});
        await store.update(record.id, { revokedAt: new Date().toISOString() });
        const changed = () => seen.filter((c) => c.type === 'changed');
        await pollUntil(() => changed().length >= 2, 1000, 'two notices');
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(changed()).toEqual([
          { type: 'changed', id: record.id, hash: record.hash },
          { type: 'changed', id: record.id, hash: record.hash },
        ]);
      } finally {
        off();
      }
    });

    it("tells the writing store's own listeners before the write resolves", async () => {
      const seen: StoreChange[] = [];
      const off = store.subscribe((change) => seen.push(change));
      try {
        const record = makeRecord();
        await store.insert(record);
        expect(seen).toContainEqual({ type: 'changed', id: record.id, hash: record.hash });
      } finally {
        off();
      }
    });

    it('carries a revocation to a verifier on another store within 1 s', async () => {
      const keys = createKeyManager({ store });
      const { key, record } = await keys.create({ projectId: 'proj_feed', name: 'feed' });
      const otherStore = another();
      await feedUp(otherStore);
      const verifier = createVerifier({ store: otherStore });
      try {
        expect((await verifier.verify(`Bearer ${key}`)).ok).toBe(true);
        await keys.revoke(record.id);
        await pollUntil(
          async () => (await verifier.verify(`Bearer ${key}`)).ok === false,
          1000,
          'revocation seen by the other store',
        );
        expect(await verifier.verify(`Bearer ${key}`)).toMatchObject({
          status: 401,
          reason: 'revoked',
        });
      } finally {
        await verifier.close();
      }
    });
  });

  describe('with core', () => {
    it('counts exactly 200 requests after 200 verifies and a graceful close', async () => {
      const keys = createKeyManager({ store });
      const { key, record } = await keys.create({ projectId: 'proj_usage', name: 'usage' });
      const verifier = createVerifier({ store: another() });
      let ok = 0;
      for (let i = 0; i < 200; i++) {
        if ((await verifier.verify(`Bearer ${key}`)).ok) ok += 1;
      }
      await verifier.close();
      expect(ok).toBe(200);
      expect(
        await db.query('SELECT request_count FROM vectorcache.keys WHERE id = $1', [record.id]),
      ).toEqual([{ request_count: '200' }]);
    });

    it('rejects a key at once on the instance that revoked it', async () => {
      const keys = createKeyManager({ store });
      const probe = await feedUp(store);
      const verifier = createVerifier({ store });
      try {
        const { key, record } = await keys.create({ projectId: 'proj_self', name: 'self' });
        expect((await verifier.verify(`Bearer ${key}`)).ok).toBe(true);
        await keys.revoke(record.id);
        expect(await verifier.verify(`Bearer ${key}`)).toMatchObject({
          status: 401,
          reason: 'revoked',
        });
      } finally {
        await verifier.close();
        probe();
      }
    });
  });

  describe('zero configuration and the CLI', () => {
    const env = (): Record<string, string> => ({ VECTORCACHE_DATABASE_URL: db.url });

    it('is what storeFromEnv builds from VECTORCACHE_DATABASE_URL', async () => {
      const fromEnv = storeFromEnv(env(), { PostgresKeyStore });
      try {
        expect(fromEnv).toBeInstanceOf(PostgresKeyStore);
        expect((fromEnv as PostgresKeyStore).description).toBe(
          `PostgreSQL 127.0.0.1:5432/${db.name}`,
        );
        const { key, record } = await createKeyManager({ store }).create({
          projectId: 'proj_env',
          name: 'env',
        });
        expect(await fromEnv.get(record.id)).toStrictEqual(await store.get(record.id));
        const verifier = createVerifier({ store: fromEnv });
        expect(await verifier.verify(`Bearer ${key}`)).toMatchObject({ ok: true });
        await verifier.close();
      } finally {
        await fromEnv.close();
      }
    });

    it('is the store of the vectorcache-keys CLI run with the same environment, named without credentials', async () => {
      const out: string[] = [];
      const err: string[] = [];
      const cli = (args: string[], extra: Record<string, string> = {}): Promise<number> =>
        runCli(args, {
          env: { ...env(), ...extra },
          stdout: { write: (text: string) => out.push(text) },
          stderr: { write: (text: string) => err.push(text) },
        });
      expect(await cli(['create', '--project', 'proj_cli', '--name', 'from-cli', '--json'])).toBe(
        0,
      );
      const issued = JSON.parse(out.join('')) as { key: string; record: { id: string } };
      const verifier = createVerifier({ store: another() });
      try {
        expect(await verifier.verify(`Bearer ${issued.key}`)).toMatchObject({ ok: true });
        out.length = 0;
        expect(await cli(['list', '--project', 'proj_cli'])).toBe(0);
        const listed = out.join('');
        expect(listed).toContain(
          `\nKey store: PostgreSQL at 127.0.0.1:5432/${db.name} (schema vectorcache)\n`,
        );
        const { hash } = (await store.get(issued.record.id))!;
        expect(listed).not.toContain(hash);
        expect(await cli(['revoke', issued.record.id, '--json'])).toBe(0);
        await pollUntil(
          async () => !(await verifier.verify(`Bearer ${issued.key}`)).ok,
          1000,
          'the key revoked by the CLI refused',
        );
      } finally {
        await verifier.close();
      }
      expect(err).toEqual([]);
      // Both stores chosen at once: refused, naming the variables.
      expect(await cli(['list'], { VECTORCACHE_REDIS_URL: 'redis://127.0.0.1:6379' })).toBe(2);
      expect(err.join('')).toMatch(
        /^error: both VECTORCACHE_DATABASE_URL and VECTORCACHE_REDIS_URL are set/,
      );
    });

    it('makes the CLI exit 2 with one line, without credentials, when PostgreSQL is unreachable', async () => {
      const port = await closedPort();
      const err: string[] = [];
      const code = await runCli(['list'], {
        env: { VECTORCACHE_DATABASE_URL: `postgres://app:s3cret-pw@127.0.0.1:${port}/appdb` },
        stdout: { write: () => undefined },
        stderr: { write: (text: string) => err.push(text) },
      });
      expect(code).toBe(2);
      expect(err.join('')).toMatch(
        new RegExp(
          `^error: cannot connect to PostgreSQL at 127\\.0\\.0\\.1:${port}/appdb \\(connection refused\\); check that it runs and that the address is right\n$`,
        ),
      );
    });
  });

  describe('connections', () => {
    it('uses a caller pool as is and leaves it open on close()', async () => {
      const pool = new Pool({ connectionString: db.url });
      const mine = new PostgresKeyStore({ pool });
      const record = makeRecord();
      await mine.insert(record);
      await mine.close();
      expect(
        (
          await pool.query('SELECT count(*)::int AS n FROM vectorcache.keys WHERE id = $1', [
            record.id,
          ])
        ).rows,
      ).toEqual([{ n: 1 }]);
      await pool.end();
    });

    it('fails fast when unreachable, naming host, port and database and no credentials', async () => {
      const port = await closedPort();
      const unreachable = new PostgresKeyStore({
        connectionString: `postgres://someone:s3cret-pw@127.0.0.1:${port}/appdb`,
      });
      extra.push(unreachable);
      expect(unreachable.description).toBe(`PostgreSQL 127.0.0.1:${port}/appdb`);
      const started = performance.now();
      const error = (await unreachable
        .findByHash('0'.repeat(64))
        .catch((e: unknown) => e)) as Error;
      expect(performance.now() - started).toBeLessThan(2000);
      expect(error).toBeInstanceOf(VectorcacheAuthError);
      expect(error).toMatchObject({ code: 'store_unavailable' });
      expect(error.message).toContain(`127.0.0.1:${port}/appdb`);
      expect(error.message).toContain('connection refused');
      expect(error.message).not.toMatch(/s3cret|someone/);
    });

    it('refuses options that are not valid, saying what to change', () => {
      expect(() => new PostgresKeyStore({ connectionString: 'mysql://x' })).toThrow(
        /postgres:\/\//,
      );
      expect(() => new PostgresKeyStore({} as never)).toThrow(/exactly one of/);
      expect(() => new PostgresKeyStore({ connectionString: db.url }, { timeoutMs: -1 })).toThrow(
        /timeoutMs/,
      );
    });
  });

  it('holds no plaintext key anywhere in its tables', async () => {
    const keys = createKeyManager({ store });
    await keys.create({ projectId: 'proj_scan', name: 'scan' });
    const dump = await db.query<{ row: string }>(
      `SELECT t::text AS row FROM (
         SELECT row_to_json(k)::text AS t FROM vectorcache.keys k
         UNION ALL SELECT entry FROM vectorcache.audit
         UNION ALL SELECT row_to_json(u)::text FROM vectorcache.usage_hourly u) AS rows(t)`,
    );
    expect(dump.length).toBeGreaterThan(0);
    expect(dump.filter((r) => PLAINTEXT_KEY.test(r.row))).toEqual([]);
  });
});
