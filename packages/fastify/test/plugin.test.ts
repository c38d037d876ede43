// What every adapter does alike is tested once, for all of them, in test/adapters/contract.test.ts.
// Here: what only Fastify does (hooks, the app's lifecycle and logger, route parameters).
import { createKeyManager, MemoryKeyStore, type KeyManager } from '@vectorcache/auth-core';
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

describe('options', () => {
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
});
