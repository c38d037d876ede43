import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createVerifierFromEnv } from '../src/config/env';
import { hashApiKey } from '../src/keys/key-format';
import { createKeyManager } from '../src/keys/key-manager';
import { MemoryKeyStore } from '../src/stores/memory-store';
import { availableSqliteDrivers } from '../src/stores/sqlite-driver';
import { REQUEST_PATH_SQL, SqliteKeyStore } from '../src/stores/sqlite-store';
import { SCHEMA_VERSION } from '../src/stores/sqlite-schema';
import type { StoreChange, StoredKeyRecord } from '../src/types';
import { createVerifier } from '../src/verify/verifier';
import { PLAINTEXT_KEY, storedOf } from './fixtures';
import { sqliteDriversHere, sqliteSandbox } from './sqlite-fixtures';

const DRIVERS = sqliteDriversHere();
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

describe('SQLite drivers', () => {
  it('this Node has the driver the documentation promises, and the store picks it', async () => {
    const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
    const builtIn = major > 22 || (major === 22 && minor >= 13);
    // Node 22.13+ brings node:sqlite; on Node 20 the optional better-sqlite3 must have built.
    expect(DRIVERS).toContain(builtIn ? 'node:sqlite' : 'better-sqlite3');
    expect(availableSqliteDrivers()).toEqual(DRIVERS);
  });
});

describe.each(DRIVERS)('SqliteKeyStore on %s', (driver) => {
  const box = sqliteSandbox(driver);

  it('persists records (hashes only) in a WAL database of mode 0600 and reads them back', async () => {
    const path = join(box.dir(), 'nested', 'keys.db');
    const store = box.store({ path });
    const { key, record } = await createKeyManager({ store }).create({ projectId: 'p', name: 'n' });
    expect(store.driver).toBe(driver);
    await store.close();
    const again = box.store({ path });
    expect(await again.get(record.id)).toEqual(storedOf(record));
    expect(await again.findByHash(record.hash)).toMatchObject({ id: record.id });
    expect(await again.findByHash('0'.repeat(64))).toBeNull();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(box.dir(), 'nested')).mode & 0o777).toBe(0o700);
    const db = await box.raw(path);
    expect(db.prepare('PRAGMA journal_mode').get()?.journal_mode).toBe('wal');
    expect(db.prepare('PRAGMA user_version').get()?.user_version).toBe(SCHEMA_VERSION);
    for (const name of readdirSync(join(box.dir(), 'nested'))) {
      const bytes = readFileSync(join(box.dir(), 'nested', name));
      expect(bytes.toString('latin1')).not.toContain(key.slice(3));
      expect(bytes.toString('latin1')).not.toMatch(PLAINTEXT_KEY);
    }
  });

  it('rejects a duplicate id or hash and keeps the first record', async () => {
    const store = box.store();
    const { record } = await createKeyManager({ store }).create({ projectId: 'p', name: 'n' });
    const stored = storedOf(record);
    await expect(store.insert({ ...stored, name: 'again' })).rejects.toMatchObject({
      code: 'duplicate_key',
    });
    await expect(
      store.insert({ ...stored, id: 'key_000000000000000000000001' }),
    ).rejects.toMatchObject({ code: 'duplicate_key' });
    expect(await store.list()).toEqual([stored]);
  });

  it('a rotation (insert with the replaced record patch) is one transaction: both writes or neither', async () => {
    const store = box.store();
    const keys = createKeyManager({ store });
    const old = (await keys.create({ projectId: 'p', name: 'n' })).record;
    const fresh = (
      await createKeyManager({ store: new MemoryKeyStore() }).create({
        projectId: 'p',
        name: 'n',
      })
    ).record;
    const { status: _s, ...next } = { ...fresh, rotatedFrom: old.id };
    // The replaced key does not exist: nothing is written, not even the new record.
    await expect(
      store.insert(next, {
        id: 'key_ffffffffffffffffffffffff',
        patch: { revokedAt: next.createdAt },
      }),
    ).rejects.toMatchObject({ code: 'key_not_found' });
    expect(await store.get(next.id)).toBeNull();
    // The new record collides with an existing hash: the old key is not revoked either.
    await expect(
      store.insert(
        { ...next, hash: old.hash },
        { id: old.id, patch: { revokedAt: next.createdAt } },
      ),
    ).rejects.toMatchObject({ code: 'duplicate_key' });
    expect((await store.get(old.id))?.revokedAt).toBeNull();
    // And when it succeeds, both links are stored.
    await store.insert(next, {
      id: old.id,
      patch: { revokedAt: next.createdAt, rotatedTo: next.id },
    });
    expect(await store.get(next.id)).toMatchObject({ rotatedFrom: old.id });
    expect(await store.get(old.id)).toMatchObject({
      rotatedTo: next.id,
      revokedAt: next.createdAt,
    });
  });

  it('update applies a patch, publishes the change, and answers null for an unknown id', async () => {
    const store = box.store();
    const seen: StoreChange[] = [];
    store.subscribe((change) => seen.push(change));
    const { record } = await createKeyManager({ store }).create({ projectId: 'p', name: 'n' });
    const updated = await store.update(record.id, { scopes: ['cache:read'], name: 'renamed' });
    expect(updated).toMatchObject({ id: record.id, scopes: ['cache:read'], name: 'renamed' });
    expect(await store.update('key_000000000000000000000000', { name: 'x' })).toBeNull();
    expect(seen).toEqual([
      { type: 'changed', id: record.id, hash: record.hash },
      { type: 'changed', id: record.id, hash: record.hash },
    ]);
  });

  it('lists by project, oldest first, from any number of concurrent writers in one process', async () => {
    const store = box.store();
    const keys = createKeyManager({ store: box.store() });
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        keys.create({ projectId: i % 3 === 0 ? 'a' : 'b', name: `k${i}` }),
      ),
    );
    expect(await store.list()).toHaveLength(30);
    const a = await store.list({ projectId: 'a' });
    expect(a).toHaveLength(10);
    expect(a.map((r) => r.createdAt)).toEqual([...a.map((r) => r.createdAt)].sort());
  });

  it("another connection's change reaches subscribers, and a revocation reaches a verifier at once", async () => {
    const server = box.store();
    const cli = box.store();
    const { key, record } = await createKeyManager({ store: cli }).create({
      projectId: 'p',
      name: 'n',
    });
    const verifier = createVerifier({ store: server, usage: { enabled: false } });
    expect((await verifier.verify(bearer(key))).ok).toBe(true); // cached now
    const seen: StoreChange[] = [];
    server.subscribe((change) => seen.push(change));
    await createKeyManager({ store: cli }).revoke(record.id);
    await until(
      'the change on the other connection',
      async () => (seen.length > 0 ? true : undefined),
      2000,
    );
    expect(seen).toEqual([{ type: 'changed', id: record.id, hash: record.hash }]);
    const result = await verifier.verify(bearer(key));
    expect(!result.ok && result.reason).toBe('revoked');
    await verifier.close();
  });

  it('two verifiers in one process on one database: closing one leaves the other notified', async () => {
    const keys = createKeyManager({ store: box.store() });
    const { key, record } = await keys.create({ projectId: 'p', name: 'n' });
    // As two zero-configuration middlewares in one process build them: one store each.
    const env = { VECTORCACHE_KEYS_FILE: box.path() };
    const first = createVerifierFromEnv({ env, usage: { enabled: false } });
    const second = createVerifierFromEnv({ env, usage: { enabled: false } });
    expect((await first.verify(bearer(key))).ok).toBe(true);
    expect((await second.verify(bearer(key))).ok).toBe(true);
    await first.close();
    await keys.revoke(record.id);
    const refused = await until(
      'the second verifier to refuse the revoked key',
      async () => {
        const result = await second.verify(bearer(key));
        return result.ok ? undefined : result;
      },
      1000,
    );
    expect(refused.reason).toBe('revoked');
    await second.close();
  });

  it('a change log read too late (rows pruned unread) clears every cache instead of missing one', async () => {
    const reader = box.store();
    let clock = Date.now();
    const writer = box.store({ now: () => clock });
    const keys = createKeyManager({ store: writer });
    const { record } = await keys.create({ projectId: 'p', name: 'n' });
    const seen: StoreChange[] = [];
    await reader.get(record.id); // opened: it has read the log up to here
    await writer.update(record.id, { name: 'unseen' });
    clock += 11 * 60_000; // the change above is now older than the log keeps
    await writer.update(record.id, { name: 'later' });
    reader.subscribe((change) => seen.push(change));
    await until('a feed event', async () => (seen.length > 0 ? true : undefined), 2000);
    expect(seen).toEqual([{ type: 'feed_restored' }]);
  });

  it('a hand-corrupted row answers 503 for that key only; every other key keeps working', async () => {
    const store = box.store();
    const keys = createKeyManager({ store });
    const good = await keys.create({ projectId: 'p', name: 'good' });
    const bad = await keys.create({ projectId: 'p', name: 'bad' });
    const db = await box.raw();
    db.prepare("UPDATE keys SET scopes = '{not json' WHERE id = ?").run(bad.record.id);
    const verifier = createVerifier({ store: box.store(), usage: { enabled: false } });
    const refused = await verifier.verify(bearer(bad.key));
    expect(refused).toMatchObject({ ok: false, status: 503, reason: 'store_unavailable' });
    expect((await verifier.verify(bearer(good.key))).ok).toBe(true);
    await expect(store.findByHash(bad.record.hash)).rejects.toMatchObject({
      code: 'corrupt_record',
    });
    await expect(store.get(bad.record.id)).rejects.toThrow(/corrupt; revoke the key/);
    expect((await store.list()).map((r) => r.id)).toEqual([good.record.id]);
    for (const corruption of ["project_id = ''", "request_count = 'many'", "expires_at = 'soon'"]) {
      db.prepare(`UPDATE keys SET scopes = '[]', ${corruption} WHERE id = ?`).run(bad.record.id);
      await expect(store.findByHash(bad.record.hash)).rejects.toMatchObject({
        code: 'corrupt_record',
      });
    }
    expect(await store.findByHash(good.record.hash)).toMatchObject({ id: good.record.id });
    await verifier.close();
  });

  it('reads on a missing database create nothing; the first write creates it and readers see it', async () => {
    const server = box.store();
    const verifier = createVerifier({ store: server, usage: { enabled: false } });
    const key = `vc_${'d'.repeat(32)}`;
    expect(await verifier.verify(bearer(key))).toMatchObject({ reason: 'unknown' }); // cached as unknown
    expect(await server.list()).toEqual([]);
    expect(existsSync(box.path())).toBe(false);
    // Another process creates the database and this very key; the unknown answer does not linger.
    const cli = box.store();
    await cli.insert({
      id: 'key_0000000000000000000000dd',
      projectId: 'p',
      name: 'late',
      prefix: key.slice(0, 7),
      hash: hashApiKey(key),
      scopes: ['cache:read'],
      createdAt: new Date().toISOString(),
      lastUsedAt: null,
      requestCount: 0,
      revokedAt: null,
      expiresAt: null,
    });
    await until(
      'the new key to be accepted',
      async () => ((await verifier.verify(bearer(key))).ok ? true : undefined),
      1000,
    );
    await verifier.close();
  });

  it('request-path reads use indexes: no table scan, whatever the number of keys', async () => {
    await createKeyManager({ store: box.store() }).create({ projectId: 'p', name: 'n' });
    const db = await box.raw();
    for (const [name, sql] of Object.entries(REQUEST_PATH_SQL)) {
      if (sql.startsWith('PRAGMA')) continue;
      const params = (sql.match(/\?/g) ?? []).map(() => 1);
      const plan = db
        .prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .all(...params)
        .map((row) => String(row.detail));
      expect({ name, plan }).toEqual({ name, plan: expect.any(Array) });
      expect(plan.length).toBeGreaterThan(0);
      // sqlite_sequence holds one row per AUTOINCREMENT table (two), whatever the number of keys.
      const allowed = /^(SEARCH |SCAN sqlite_sequence$)/;
      for (const step of plan)
        expect({ name, step }).toEqual({ name, step: expect.stringMatching(allowed) });
    }
  });

  it('imports a JSON key file of an earlier version once, records unchanged, and renames it', async () => {
    const memory = new MemoryKeyStore();
    const keys = createKeyManager({ store: memory });
    const issued = [
      await keys.create({ projectId: 'p', name: 'one' }),
      await keys.create({ projectId: 'q', name: 'two', scopes: ['cache:read'] }),
    ];
    await keys.revoke(issued[1]!.record.id);
    await memory.recordUsage([
      { id: issued[0]!.record.id, count: 7, lastUsedAt: '2026-01-02T03:04:05.000Z' },
    ]);
    const records: StoredKeyRecord[] = await memory.list();
    const legacy = join(box.dir(), 'keys.json');
    writeFileSync(legacy, JSON.stringify({ version: 1, keys: records }, null, 2));
    const store = box.store({ legacyJsonFile: legacy });
    expect(await store.list()).toEqual(records);
    expect(existsSync(legacy)).toBe(false);
    expect(existsSync(`${legacy}.imported`)).toBe(true);
    const verifier = createVerifier({ store, usage: { enabled: false } });
    expect((await verifier.verify(bearer(issued[0]!.key))).ok).toBe(true);
    expect(await verifier.verify(bearer(issued[1]!.key))).toMatchObject({ reason: 'revoked' });
    await verifier.close();
    // Once: a keys.json that appears later is not imported again.
    writeFileSync(legacy, JSON.stringify({ version: 1, keys: [] }));
    await box.store().update(issued[0]!.record.id, { name: 'kept' });
    const reopened = box.store({ legacyJsonFile: legacy });
    expect((await reopened.get(issued[0]!.record.id))?.name).toBe('kept');
    expect(existsSync(legacy)).toBe(true);
  });

  it('refuses a JSON key file or another file given as the database, with what to do', async () => {
    const json = join(box.dir(), 'keys.json');
    writeFileSync(json, JSON.stringify({ version: 1, keys: [] }));
    await expect(box.store({ path: json }).list()).rejects.toThrow(
      /JSON key file of an earlier version.*vectorcache-keys import/,
    );
    const junk = join(box.dir(), 'junk.db');
    writeFileSync(junk, 'this is not a database at all');
    const store = box.store({ path: junk });
    await expect(store.list()).rejects.toMatchObject({ code: 'store_unreadable' });
    const verifier = createVerifier({ store });
    const result = await verifier.verify(bearer(`vc_${'a'.repeat(32)}`));
    expect(!result.ok && result.status).toBe(503);
    await verifier.close();
  });

  it('refuses a database written by a newer schema, and calls after close', async () => {
    await createKeyManager({ store: box.store() }).create({ projectId: 'p', name: 'n' });
    const db = await box.raw();
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    await expect(box.store().list()).rejects.toThrow(/newer than this version/);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    const store = box.store();
    await store.list();
    await store.close();
    await expect(store.list()).rejects.toMatchObject({ code: 'store_unavailable' });
  });

  it('migrates a database of schema 1: its keys read with no environment, owner or meta, then take them', async () => {
    const { record } = await createKeyManager({ store: box.store() }).create({
      projectId: 'p',
      name: 'old',
    });
    const db = await box.raw();
    for (const column of ['environment', 'owner_id', 'meta']) {
      db.exec(`ALTER TABLE keys DROP COLUMN ${column}`);
    }
    db.exec('PRAGMA user_version = 1');
    const keys = createKeyManager({ store: box.store() });
    expect(await keys.get(record.id)).toMatchObject({
      name: 'old',
      environment: null,
      ownerId: null,
      meta: null,
    });
    expect(db.prepare('PRAGMA user_version').get()?.user_version).toBe(SCHEMA_VERSION);
    const meta = { plan: 'pro', seats: 3, beta: false };
    await keys.update(record.id, { environment: 'production', ownerId: 'u_42', meta });
    expect(await box.store().get(record.id)).toMatchObject({
      environment: 'production',
      ownerId: 'u_42',
      meta,
    });
    db.exec(`UPDATE keys SET meta = '[1]' WHERE id = '${record.id}'`);
    await expect(box.store().get(record.id)).rejects.toMatchObject({ code: 'corrupt_record' });
  });

  it('a write that waits past busyTimeoutMs for another writer fails as a store failure, saying why', async () => {
    const store = box.store({ busyTimeoutMs: 50 });
    const { record } = await createKeyManager({ store }).create({ projectId: 'p', name: 'n' });
    const other = await box.raw();
    other.exec('BEGIN IMMEDIATE'); // another process holds the write lock
    await expect(store.update(record.id, { name: 'x' })).rejects.toMatchObject({
      code: 'store_unavailable',
      message: expect.stringMatching(/held the write lock for longer than 50 ms/),
    });
    expect(await store.findByHash(record.hash)).toMatchObject({ name: 'n' }); // reads go on
    other.exec('ROLLBACK');
    expect(await store.update(record.id, { name: 'x' })).toMatchObject({ name: 'x' });
  });

  it('refuses an incomplete record; an empty patch changes and publishes nothing', async () => {
    const store = box.store();
    const seen: StoreChange[] = [];
    const { record } = await createKeyManager({ store }).create({ projectId: 'p', name: 'n' });
    store.subscribe((change) => seen.push(change));
    await expect(store.insert({ id: 'key_1' } as StoredKeyRecord)).rejects.toMatchObject({
      code: 'invalid_input',
    });
    expect(await store.update(record.id, {})).toMatchObject({ id: record.id, name: 'n' });
    expect(await store.update('key_000000000000000000000000', {})).toBeNull();
    expect(seen).toEqual([]);
  });

  it('the feed says lost while the file cannot be opened, and restored once it can', async () => {
    writeFileSync(box.path(), 'not a database yet');
    const store = box.store();
    const seen: StoreChange[] = [];
    store.subscribe((change) => seen.push(change));
    await until('feed_lost', async () => (seen.length > 0 ? true : undefined), 2000);
    expect(seen).toEqual([{ type: 'feed_lost' }]);
    rmSync(box.path());
    await createKeyManager({ store: box.store() }).create({ projectId: 'p', name: 'n' });
    await until(
      'feed_restored',
      async () => (seen.some((c) => c.type === 'feed_restored') ? true : undefined),
      2000,
    );
    expect(seen[0]).toEqual({ type: 'feed_lost' });
    expect(seen.filter((c) => c.type === 'feed_lost')).toHaveLength(1);
  });

  it('refuses bad options with the fix', () => {
    expect(() => new SqliteKeyStore({} as never)).toThrow(/needs a path/);
    expect(() => new SqliteKeyStore({ path: 'x.db', pollIntervalMs: 0 })).toThrow(/pollIntervalMs/);
    expect(() => new SqliteKeyStore({ path: 'x.db', retention: { hourlyDays: 0.5 } })).toThrow(
      /retention.hourlyDays/,
    );
  });
});
