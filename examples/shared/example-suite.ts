import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKeyManager, SqliteKeyStore, type KeyManager } from '@vectorcache/auth-core';
import request from 'supertest';
import type { AdapterApp } from '../../test-utils/adapter-apps';

/**
 * An example app started for one test, as the shared app builder serves it
 * (`served(server, close)` of `test-utils/adapter-apps.ts`): its URL, and how to stop it.
 */
export type RunningExample = Pick<AdapterApp, 'url' | 'close'>;

/**
 * The tests every example passes: the same API (`/health`, `/v1/cache/query`,
 * `/v1/cache/write`) guarded by zero-config `vectorcacheAuth()`, driven with real keys created
 * the way the CLI creates them. `start` builds the example after the environment is set.
 */
export function exampleSuite(name: string, start: () => Promise<RunningExample>): void {
  const saved = { ...process.env };
  let dir: string;
  let store: SqliteKeyStore;
  let keys: KeyManager;
  let running: RunningExample;
  let reader: string;
  let writer: string;
  let otherProject: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), `vc-example-${name}-`));
    delete process.env.VECTORCACHE_REDIS_URL;
    delete process.env.VECTORCACHE_KEY_PEPPER;
    delete process.env.VECTORCACHE_PROJECT_ID;
    process.env.VECTORCACHE_KEYS_FILE = join(dir, 'keys.db');
    // Keys are created the way the CLI does: a key manager on the same database.
    store = new SqliteKeyStore({ path: join(dir, 'keys.db') });
    keys = createKeyManager({ store });
    reader = (await keys.create({ projectId: 'acme', name: 'reader', scopes: ['cache:read'] })).key;
    writer = (await keys.create({ projectId: 'acme', name: 'writer' })).key;
    otherProject = (await keys.create({ projectId: 'globex', name: 'other' })).key;
    running = await start();
  });

  afterEach(async () => {
    await running.close();
    await store.close();
    process.env = { ...saved };
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves /health without a key', async () => {
    const res = await request(running.url).get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('refuses the API without a key, before reading the body', async () => {
    const res = await request(running.url)
      .post('/v1/cache/query')
      .set('Content-Type', 'application/json')
      .send('{"broken');
    expect(res.status).toBe(401);
    expect(res.text).toBe('{"detail":"Invalid or missing API key"}');
    expect(res.headers['www-authenticate']).toBe('Bearer realm="vectorcache"');
  });

  it('lets a cache:read key query but not write', async () => {
    const query = await request(running.url)
      .post('/v1/cache/query')
      .set('Authorization', `Bearer ${reader}`)
      .send({ prompt: 'hello' });
    expect(query.status).toBe(200);
    expect(query.body).toEqual({ hit: false });

    const write = await request(running.url)
      .post('/v1/cache/write')
      .set('Authorization', `Bearer ${reader}`)
      .send({ prompt: 'hello', response: 'world' });
    expect(write.status).toBe(403);
    expect(write.text).toBe('{"detail":"API key does not have the required scope: cache:write"}');
    expect(write.headers['www-authenticate']).toBe(
      'Bearer realm="vectorcache", error="insufficient_scope", scope="cache:write"',
    );
  });

  it('writes with a default-scoped key and reads back within the same project only', async () => {
    const write = await request(running.url)
      .post('/v1/cache/write')
      .set('Authorization', `Bearer ${writer}`)
      .send({ prompt: 'hello', response: 'world' });
    expect(write.status).toBe(201);
    expect(write.body).toEqual({ stored: true, projectId: 'acme', by: writer.slice(0, 7) });

    const hit = await request(running.url)
      .post('/v1/cache/query')
      .set('Authorization', `Bearer ${reader}`)
      .send({ prompt: 'hello' });
    expect(hit.body).toEqual({ hit: true, response: 'world' });

    const elsewhere = await request(running.url)
      .post('/v1/cache/query')
      .set('Authorization', `Bearer ${otherProject}`)
      .send({ prompt: 'hello' });
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.body).toEqual({ hit: false });
  });

  it('answers 400 to a bad body from an authenticated caller', async () => {
    const res = await request(running.url)
      .post('/v1/cache/query')
      .set('Authorization', `Bearer ${reader}`)
      .send({ prompt: 42 });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ detail: 'prompt must be a non-empty string' });
  });

  it('answers a JSON 400 to a body that is not JSON, never an HTML page or a stack trace', async () => {
    for (const path of ['/v1/cache/query', '/v1/cache/write']) {
      const res = await request(running.url)
        .post(path)
        .set('Authorization', `Bearer ${writer}`)
        .set('Content-Type', 'application/json')
        .send('{"prompt": "hello",');
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.text).toBe('{"detail":"Request body is not valid JSON"}');
    }
  });

  it('answers a JSON 404 to an unknown route, after authentication', async () => {
    for (const [method, path] of [
      ['get', '/nope'],
      ['post', '/v1/cache/nope'],
      ['get', '/v1/cache/query/extra'],
    ] as const) {
      const agent = request(running.url);
      const res = await agent[method](path).set('Authorization', `Bearer ${reader}`);
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.text).toBe('{"detail":"Not found"}');
    }
    // Without a key the middleware answers first: an unknown route tells a stranger nothing.
    const stranger = await request(running.url).get('/nope');
    expect(stranger.status).toBe(401);
    expect(stranger.text).toBe('{"detail":"Invalid or missing API key"}');
  });

  it('stops accepting a key once it is revoked in the key database', async () => {
    const { key, record } = await keys.create({ projectId: 'acme', name: 'temp' });
    const ask = () =>
      request(running.url)
        .post('/v1/cache/query')
        .set('Authorization', `Bearer ${key}`)
        .send({ prompt: 'x' });
    expect((await ask()).status).toBe(200);
    await keys.revoke(record.id);
    // The running app's store notices another connection's change through its change log
    // (docs/contract.md: within 1 s).
    let status = 200;
    for (let i = 0; i < 40 && status === 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await ask()).status;
    }
    expect(status).toBe(401);
  });

  it('mounts the management API: a keys:manage key manages keys, a cache key is refused', async () => {
    const manager = (
      await keys.create({ projectId: 'acme', name: 'manager', scopes: ['keys:manage', 'cache:*'] })
    ).key;
    const refused = await request(running.url)
      .get('/admin/v1/keys')
      .set('Authorization', `Bearer ${writer}`);
    expect(refused.status).toBe(403);
    expect(refused.text).toBe('{"detail":"API key does not have the required scope: keys:manage"}');
    expect(refused.headers['cache-control']).toBe('no-store');

    const created = await request(running.url)
      .post('/admin/v1/keys')
      .set('Authorization', `Bearer ${manager}`)
      .send({ name: 'from the API', scopes: ['cache:read'] });
    expect(created.status).toBe(201);
    const fresh = created.body as { key: string; record: { id: string; hash?: string } };
    expect(fresh.record.hash).toBeUndefined();
    const query = () =>
      request(running.url)
        .post('/v1/cache/query')
        .set('Authorization', `Bearer ${fresh.key}`)
        .send({ prompt: 'x' });
    expect((await query()).status).toBe(200);

    const listed = await request(running.url)
      .get('/admin/v1/keys')
      .set('Authorization', `Bearer ${manager}`);
    expect(
      (listed.body as { keys: Array<{ projectId: string }> }).keys.map((k) => k.projectId),
    ).toEqual(['acme', 'acme', 'acme', 'acme']);
    const revoked = await request(running.url)
      .post(`/admin/v1/keys/${fresh.record.id}/revoke`)
      .set('Authorization', `Bearer ${manager}`);
    expect(revoked.body).toMatchObject({ status: 'revoked' });
    let status = 200;
    for (let i = 0; i < 40 && status === 200; i++) {
      status = (await query()).status;
      if (status === 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe(401);
  });
}
