import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createKeyManager,
  createVerifier,
  SqliteKeyStore,
  MemoryKeyStore,
  type AuthEvent,
  type KeyManager,
} from '@vectorcache/auth-core';
import Fastify, { type FastifyInstance } from 'fastify';
import request from 'supertest';
import { requireScopes, vectorcacheAuth, type FastifyAuthOptions } from '../src';

const MISSING_BODY = '{"detail":"Invalid or missing API key"}';
const REALM = 'Bearer realm="vectorcache"';
const STORE_SECRET = 'redis://admin:hunter2@db.internal:6379 refused the connection';

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/**
 * A ready app with the plugin registered: `/whoami` echoes the principal, `/write` needs
 * `cache:write`, `POST /echo` parses a JSON body, `/health` answers. Log lines are collected.
 */
async function appWith(
  options?: FastifyAuthOptions,
  logs: string[] = [],
): Promise<FastifyInstance> {
  const app = Fastify({ logger: { level: 'trace', stream: { write: (line) => logs.push(line) } } });
  apps.push(app);
  // Registered without an options argument at all for the zero-configuration case.
  await (options ? app.register(vectorcacheAuth, options) : app.register(vectorcacheAuth));
  app.get('/health', async (req) => ({ ok: true, principal: req.vectorcache ?? null }));
  app.get('/whoami', async (req) => req.vectorcache ?? null);
  app.get('/write', { preHandler: requireScopes('cache:write') }, async () => ({ written: true }));
  app.post('/echo', async (req) => ({ body: req.body }));
  app.get('/projects/:projectId', async (req) => ({ project: req.vectorcache?.projectId }));
  await app.ready();
  return app;
}

function memoryFixture(): { store: MemoryKeyStore; keys: KeyManager } {
  const store = new MemoryKeyStore();
  return { store, keys: createKeyManager({ store }) };
}

describe('zero configuration', () => {
  let dir: string;
  const saved = { ...process.env };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vc-fastify-'));
    delete process.env.VECTORCACHE_REDIS_URL;
    delete process.env.VECTORCACHE_KEY_PEPPER;
    delete process.env.VECTORCACHE_PROJECT_ID;
    process.env.VECTORCACHE_KEYS_FILE = join(dir, 'keys.db');
  });
  afterEach(() => {
    process.env = { ...saved };
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts a key from VECTORCACHE_KEYS_FILE and decorates request.vectorcache', async () => {
    const store = new SqliteKeyStore({ path: join(dir, 'keys.db') });
    const { key, record } = await createKeyManager({ store }).create({
      projectId: 'proj_a',
      name: 'ci',
      scopes: ['cache:read'],
    });
    await store.close();
    const app = await appWith();

    const ok = await request(app.server).get('/whoami').set('Authorization', `Bearer ${key}`);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({
      keyId: record.id,
      projectId: 'proj_a',
      name: 'ci',
      prefix: key.slice(0, 7),
      scopes: ['cache:read'],
    });

    const none = await request(app.server).get('/whoami');
    expect(none.status).toBe(401);
    expect(none.text).toBe(MISSING_BODY);
    expect(none.headers['www-authenticate']).toBe(REALM);
    expect(none.headers['content-type']).toBe('application/json');
  });

  it('requires the project named by VECTORCACHE_PROJECT_ID', async () => {
    process.env.VECTORCACHE_PROJECT_ID = 'proj_a';
    const store = new SqliteKeyStore({ path: join(dir, 'keys.db') });
    const { key } = await createKeyManager({ store }).create({ projectId: 'proj_b', name: 'x' });
    await store.close();
    const app = await appWith();
    const res = await request(app.server).get('/whoami').set('Authorization', `Bearer ${key}`);
    expect(res.status).toBe(403);
    expect(res.text).toBe('{"detail":"API key does not have permission to access this project"}');
  });
});

describe('hooks', () => {
  it('checks the key in onRequest, before the body is parsed', async () => {
    const { store, keys } = memoryFixture();
    const { key } = await keys.create({ projectId: 'p', name: 'r' });
    const app = await appWith({ store });
    const refused = await request(app.server)
      .post('/echo')
      .set('Content-Type', 'application/json')
      .send('{"not json');
    expect(refused.status).toBe(401);
    expect(refused.text).toBe(MISSING_BODY);
    // The same broken body with a valid key does reach the parser.
    const parsed = await request(app.server)
      .post('/echo')
      .set('Authorization', `Bearer ${key}`)
      .set('Content-Type', 'application/json')
      .send('{"not json');
    expect(parsed.status).toBe(400);
  });

  it('requireScopes works as a route preHandler and 401s without a principal', async () => {
    const { store, keys } = memoryFixture();
    const reader = await keys.create({ projectId: 'p', name: 'r', scopes: ['cache:read'] });
    const writer = await keys.create({ projectId: 'p', name: 'w', scopes: ['cache:*'] });
    const app = await appWith({ store });

    const denied = await request(app.server)
      .get('/write')
      .set('Authorization', `Bearer ${reader.key}`);
    expect(denied.status).toBe(403);
    expect(denied.text).toBe('{"detail":"API key does not have the required scope: cache:write"}');
    expect(denied.headers['www-authenticate']).toBe(
      `${REALM}, error="insufficient_scope", scope="cache:write"`,
    );
    const ok = await request(app.server).get('/write').set('Authorization', `Bearer ${writer.key}`);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ written: true });

    const bare = Fastify();
    apps.push(bare);
    bare.get('/write', { preHandler: requireScopes('cache:write') }, async () => ({ ok: 1 }));
    await bare.ready();
    const res = await request(bare.server).get('/write');
    expect(res.status).toBe(401);
    expect(res.text).toBe(MISSING_BODY);
    expect(res.headers['www-authenticate']).toBe(REALM);
  });

  it('closes the verifier it built with the app (pending usage is flushed)', async () => {
    const { store, keys } = memoryFixture();
    const { key, record } = await keys.create({ projectId: 'p', name: 'counted' });
    const app = await appWith({ store });
    for (let i = 0; i < 3; i++) {
      await request(app.server).get('/whoami').set('Authorization', `Bearer ${key}`).expect(200);
    }
    await app.close();
    expect((await store.get(record.id))?.requestCount).toBe(3);
  });

  it('never lets a store error message reach the body or the log', async () => {
    const store = Object.assign(new MemoryKeyStore(), {
      findByHash: async (): Promise<never> => {
        throw new Error(STORE_SECRET);
      },
    });
    const logs: string[] = [];
    const app = await appWith({ store, timeoutMs: 200 }, logs);
    const res = await request(app.server)
      .get('/whoami')
      .set('Authorization', `Bearer vc_${'ab'.repeat(16)}`);
    expect(res.status).toBe(503);
    expect(res.text).toBe('{"detail":"Authentication service unavailable"}');
    expect(res.headers['retry-after']).toBe('1');
    expect(res.headers['content-type']).toBe('application/json');
    expect(logs.join('')).toContain('"statusCode":503');
    expect(logs.join('')).not.toContain('hunter2');
    expect(logs.join('')).not.toMatch(/"level":50/);
  });
});

describe('programming errors', () => {
  it('a throwing skip goes to Fastify error handling, not to an unhandled rejection', async () => {
    const { store } = memoryFixture();
    const logs: string[] = [];
    const app = await appWith(
      {
        store,
        skip: () => {
          throw new Error('skip is broken');
        },
      },
      logs,
    );
    const res = await request(app.server).get('/whoami');
    expect(res.status).toBe(500);
    expect(logs.join('')).toContain('skip is broken');
  });
});

describe('options', () => {
  it('skip receives the request, lets public routes through, leaves request.vectorcache unset', async () => {
    const { store } = memoryFixture();
    const seen: string[] = [];
    const app = await appWith({
      store,
      skip: async (req) => {
        seen.push(req.url);
        return req.url === '/health';
      },
    });
    const health = await request(app.server).get('/health');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ ok: true, principal: null });
    expect((await request(app.server).get('/whoami')).status).toBe(401);
    expect(seen).toEqual(['/health', '/whoami']);
  });

  it('projectId may be a function of the request (route params are known in onRequest)', async () => {
    const { store, keys } = memoryFixture();
    const { key } = await keys.create({ projectId: 'proj_a', name: 'tenant' });
    const app = await appWith({
      store,
      projectId: async (req) => (req.params as { projectId?: string }).projectId ?? 'none',
    });
    const own = await request(app.server)
      .get('/projects/proj_a')
      .set('Authorization', `Bearer ${key}`);
    expect(own.status).toBe(200);
    expect(own.body).toEqual({ project: 'proj_a' });
    const other = await request(app.server)
      .get('/projects/proj_b')
      .set('Authorization', `Bearer ${key}`);
    expect(other.status).toBe(403);
    expect(other.text).toBe('{"detail":"API key does not have permission to access this project"}');
    expect(other.headers['www-authenticate']).toBe(`${REALM}, error="insufficient_scope"`);
  });

  it('one verifier can be shared by two apps; closing an app leaves it open', async () => {
    const { store, keys } = memoryFixture();
    const { key, record } = await keys.create({ projectId: 'p', name: 'shared' });
    const events: AuthEvent[] = [];
    const verifier = createVerifier({ store, onEvent: (event) => events.push(event) });
    try {
      const appA = await appWith({ verifier });
      const appB = await appWith({ verifier });
      const header = `Bearer ${key}`;
      expect((await request(appA.server).get('/whoami').set('Authorization', header)).status).toBe(
        200,
      );
      expect((await request(appB.server).get('/whoami').set('Authorization', header)).status).toBe(
        200,
      );
      expect(events.filter((e) => e.type === 'verified')).toHaveLength(2);

      await appA.close();
      expect((await request(appB.server).get('/whoami').set('Authorization', header)).status).toBe(
        200,
      );
      await keys.revoke(record.id);
      const revoked = await request(appB.server).get('/whoami').set('Authorization', header);
      expect(revoked.status).toBe(401);
      expect(revoked.headers['www-authenticate']).toBe(`${REALM}, error="invalid_token"`);
    } finally {
      await verifier.close();
    }
  });

  it('onFailure customises the refusal, which is still written by the plugin', async () => {
    const { store } = memoryFixture();
    const logs: string[] = [];
    const app = await appWith(
      {
        store,
        onFailure: (failure, req) => ({
          status: 418,
          body: { error: 'unauthenticated', reason: failure.reason, path: req.url },
          headers: { 'x-auth-reason': failure.reason },
        }),
      },
      logs,
    );
    const res = await request(app.server).get('/whoami').set('Authorization', 'Bearer nope');
    expect(res.status).toBe(418);
    expect(JSON.parse(res.text)).toEqual({
      error: 'unauthenticated',
      reason: 'invalid_format',
      path: '/whoami',
    });
    expect(res.headers['x-auth-reason']).toBe('invalid_format');
    expect(logs.join('')).not.toMatch(/"level":50/);
  });

  it('rejects bad options when the plugin is registered, naming what to change', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ projectId: 42 }, /projectId/],
      [{ scopes: 'cache:read' }, /scopes/],
      [{ skip: true }, /skip/],
      [{ store: {} }, /store/],
      [{ onFailure: 'x' }, /onFailure/],
      [{ store: new MemoryKeyStore(), scopes: ['Cache:Read'] }, /Cache:Read/],
    ];
    for (const [options, message] of cases) {
      const app = Fastify();
      apps.push(app);
      await expect(app.register(vectorcacheAuth, options as never).ready()).rejects.toThrow(
        expect.objectContaining({
          name: 'VectorcacheAuthError',
          message: expect.stringMatching(message),
        }),
      );
    }
    expect(() => requireScopes('cache')).toThrow(/"cache"/);
  });

  it('never mutates the caller options object', async () => {
    const { store, keys } = memoryFixture();
    const { key } = await keys.create({ projectId: 'p', name: 'n', scopes: ['cache:read'] });
    const scopes = Object.freeze(['cache:read']);
    const options = Object.freeze({
      store,
      projectId: 'p',
      scopes,
      scopeMode: 'all' as const,
      timeoutMs: 300,
      cache: Object.freeze({ max: 10 }),
    });
    const before = { ...options, cache: { ...options.cache }, scopes: [...scopes] };
    const app = await appWith(options);
    const ok = await request(app.server).get('/whoami').set('Authorization', `Bearer ${key}`);
    expect(ok.status).toBe(200);
    expect((await request(app.server).get('/whoami')).status).toBe(401);
    expect(options).toEqual(before);
    expect(Object.keys(options).sort()).toEqual(Object.keys(before).sort());
  });
});
