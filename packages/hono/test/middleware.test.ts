import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createKeyManager,
  createTokenIssuer,
  createVerifier,
  SqliteKeyStore,
  MemoryKeyStore,
  type KeyManager,
} from '@vectorcache/auth-core';
import { createAdaptorServer } from '@hono/node-server';
import { Hono, type MiddlewareHandler } from 'hono';
import request from 'supertest';
import { requireScopes, tokenExchange, vectorcacheAuth, type VectorcacheMiddleware } from '../src';

const MISSING_BODY = '{"detail":"Invalid or missing API key"}';
const REALM = 'Bearer realm="vectorcache"';
const STORE_SECRET = 'redis://admin:hunter2@db.internal:6379 refused the connection';

const toClose: VectorcacheMiddleware[] = [];
function auth(options?: Parameters<typeof vectorcacheAuth>[0]): VectorcacheMiddleware {
  const middleware = vectorcacheAuth(options);
  toClose.push(middleware);
  return middleware;
}
afterEach(async () => {
  await Promise.all(toClose.splice(0).map((m) => m.close()));
});

/**
 * An app guarded by `middleware` that echoes the principal; errors reaching `app.onError` are
 * recorded. `app.request()` runs it on a Web `Request`, as Bun, Deno or Workers would.
 */
function appWith(middleware: MiddlewareHandler, errors: unknown[] = []): Hono {
  const app = new Hono();
  app.onError((err, c) => {
    errors.push(err);
    return c.text('broken', 500);
  });
  app.use(middleware);
  app.get('/health', (c) => c.json({ ok: true, principal: c.get('vectorcache') ?? null }));
  app.get('/whoami', (c) => c.json(c.get('vectorcache') ?? null));
  app.get('/write', requireScopes('cache:write'), (c) => c.json({ written: true }));
  return app;
}

function memoryFixture(): { store: MemoryKeyStore; keys: KeyManager } {
  const store = new MemoryKeyStore();
  return { store, keys: createKeyManager({ store }) };
}

const bearer = (key: string): Record<string, string> => ({ Authorization: `Bearer ${key}` });

describe('zero configuration', () => {
  let dir: string;
  const saved = { ...process.env };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vc-hono-'));
    delete process.env.VECTORCACHE_REDIS_URL;
    delete process.env.VECTORCACHE_KEY_PEPPER;
    delete process.env.VECTORCACHE_PROJECT_ID;
    process.env.VECTORCACHE_KEYS_FILE = join(dir, 'keys.db');
  });
  afterEach(() => {
    process.env = { ...saved };
    rmSync(dir, { recursive: true, force: true });
  });

  it("accepts a key from VECTORCACHE_KEYS_FILE and exposes the principal at c.get('vectorcache')", async () => {
    const store = new SqliteKeyStore({ path: join(dir, 'keys.db') });
    const { key, record } = await createKeyManager({ store }).create({
      projectId: 'proj_a',
      name: 'ci',
      scopes: ['cache:read'],
    });
    await store.close();
    const app = appWith(auth());

    const ok = await app.request('/whoami', { headers: bearer(key) });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({
      keyId: record.id,
      projectId: 'proj_a',
      name: 'ci',
      prefix: key.slice(0, 7),
      scopes: ['cache:read'],
    });

    const none = await app.request('/whoami');
    expect(none.status).toBe(401);
    expect(await none.text()).toBe(MISSING_BODY);
    expect(none.headers.get('www-authenticate')).toBe(REALM);
    expect(none.headers.get('content-type')).toBe('application/json');
  });

  it('requires the project named by VECTORCACHE_PROJECT_ID', async () => {
    process.env.VECTORCACHE_PROJECT_ID = 'proj_a';
    const store = new SqliteKeyStore({ path: join(dir, 'keys.db') });
    const { key } = await createKeyManager({ store }).create({ projectId: 'proj_b', name: 'x' });
    await store.close();
    const res = await appWith(auth()).request('/whoami', { headers: bearer(key) });
    expect(res.status).toBe(403);
    expect(await res.text()).toBe(
      '{"detail":"API key does not have permission to access this project"}',
    );
  });
});

describe('answers are returned as Responses, never thrown', () => {
  it('returns core answer as is, and app.onError never sees a refusal', async () => {
    const { store, keys } = memoryFixture();
    const { key } = await keys.create({ projectId: 'p', name: 'r', scopes: ['cache:read'] });
    const errors: unknown[] = [];
    const app = appWith(auth({ store }), errors);

    const bad = await app.request('/whoami', { headers: { Authorization: 'Basic dTpw' } });
    expect(bad.status).toBe(401);
    expect(await bad.text()).toBe(MISSING_BODY);
    expect(bad.headers.get('www-authenticate')).toBe(`${REALM}, error="invalid_request"`);
    expect(bad.headers.get('content-type')).toBe('application/json');

    const scope = await app.request('/write', { headers: bearer(key) });
    expect(scope.status).toBe(403);
    expect(await scope.text()).toBe(
      '{"detail":"API key does not have the required scope: cache:write"}',
    );
    expect(scope.headers.get('www-authenticate')).toBe(
      `${REALM}, error="insufficient_scope", scope="cache:write"`,
    );
    expect(errors).toEqual([]);
  });

  it('a Web request carrying the header twice gets invalid_request, as on Node', async () => {
    const { store, keys } = memoryFixture();
    const { key } = await keys.create({ projectId: 'p', name: 'twice' });
    const headers = new Headers();
    headers.append('Authorization', `Bearer ${key}`);
    headers.append('Authorization', `Bearer ${key}`);
    const res = await appWith(auth({ store })).request('/whoami', { headers });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`${REALM}, error="invalid_request"`);
  });

  it('never lets a store error message reach the body, app.onError or the log', async () => {
    const store = Object.assign(new MemoryKeyStore(), {
      findByHash: async (): Promise<never> => {
        throw new Error(STORE_SECRET);
      },
    });
    const errors: unknown[] = [];
    const app = appWith(auth({ store, timeoutMs: 200 }), errors);
    const logged: string[] = [];
    const spies = (['error', 'warn', 'log'] as const).map((level) =>
      jest.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        logged.push(args.map(String).join(' '));
      }),
    );
    try {
      const res = await app.request('/whoami', { headers: bearer(`vc_${'ab'.repeat(16)}`) });
      const text = await res.text();
      expect(res.status).toBe(503);
      expect(text).toBe('{"detail":"Authentication service unavailable"}');
      expect(res.headers.get('retry-after')).toBe('1');
      expect(text).not.toContain('hunter2');
      expect(errors).toEqual([]);
      expect(logged.join('\n')).not.toContain('hunter2');
    } finally {
      spies.forEach((spy) => spy.mockRestore());
    }
  });

  it('a throwing skip reaches app.onError, not an unhandled rejection', async () => {
    const { store } = memoryFixture();
    const errors: unknown[] = [];
    const app = appWith(
      auth({
        store,
        skip: () => {
          throw new Error('skip is broken');
        },
      }),
      errors,
    );
    const res = await app.request('/whoami');
    expect(res.status).toBe(500);
    expect(errors).toEqual([new Error('skip is broken')]);
  });
});

describe('options', () => {
  it("skip lets public routes through without a key and leaves c.get('vectorcache') unset", async () => {
    const { store } = memoryFixture();
    const seen: string[] = [];
    const app = appWith(
      auth({
        store,
        skip: async (c) => {
          seen.push(c.req.path);
          return c.req.path === '/health';
        },
      }),
    );
    const health = await app.request('/health');
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true, principal: null });
    expect((await app.request('/whoami')).status).toBe(401);
    expect(seen).toEqual(['/health', '/whoami']);
  });

  it('projectId may be a function of the context (multi-tenant routes)', async () => {
    const { store, keys } = memoryFixture();
    const { key } = await keys.create({ projectId: 'proj_a', name: 'tenant' });
    const app = new Hono();
    app.use('/projects/:projectId', auth({ store, projectId: (c) => c.req.param('projectId') }));
    app.get('/projects/:projectId', (c) => c.json({ project: c.get('vectorcache')?.projectId }));

    const own = await app.request('/projects/proj_a', { headers: bearer(key) });
    expect(own.status).toBe(200);
    expect(await own.json()).toEqual({ project: 'proj_a' });
    const other = await app.request('/projects/proj_b', { headers: bearer(key) });
    expect(other.status).toBe(403);
    expect(other.headers.get('www-authenticate')).toBe(`${REALM}, error="insufficient_scope"`);
  });

  it('one verifier can be shared; closing a middleware leaves it open', async () => {
    const { store, keys } = memoryFixture();
    const { key, record } = await keys.create({ projectId: 'p', name: 'shared' });
    const verifier = createVerifier({ store });
    try {
      const first = auth({ verifier });
      const app = appWith(auth({ verifier }));
      expect(first.verifier).toBe(verifier);
      await first.close();
      expect((await app.request('/whoami', { headers: bearer(key) })).status).toBe(200);
      await keys.revoke(record.id);
      const revoked = await app.request('/whoami', { headers: bearer(key) });
      expect(revoked.status).toBe(401);
      expect(revoked.headers.get('www-authenticate')).toBe(`${REALM}, error="invalid_token"`);
    } finally {
      await verifier.close();
    }
  });

  it('onFailure customises the refusal, which is still returned by the middleware', async () => {
    const { store } = memoryFixture();
    const errors: unknown[] = [];
    const app = appWith(
      auth({
        store,
        onFailure: (failure, c) => ({
          status: 418,
          body: { error: 'unauthenticated', reason: failure.reason, path: c.req.path },
          headers: { 'X-Auth-Reason': failure.reason },
        }),
      }),
      errors,
    );
    const res = await app.request('/whoami', { headers: { Authorization: 'Bearer nope' } });
    expect(res.status).toBe(418);
    expect(await res.json()).toEqual({
      error: 'unauthenticated',
      reason: 'invalid_format',
      path: '/whoami',
    });
    expect(res.headers.get('x-auth-reason')).toBe('invalid_format');
    expect(errors).toEqual([]);
  });

  it('rejects bad options when the middleware is built, naming what to change', () => {
    for (const [options, message] of [
      [{ projectId: 42 }, /projectId/],
      [{ skip: true }, /skip/],
      [{ store: {} }, /store/],
    ] as const) {
      expect(() => vectorcacheAuth(options as never)).toThrow(
        expect.objectContaining({ name: 'VectorcacheAuthError', message: expect.any(String) }),
      );
      expect(() => vectorcacheAuth(options as never)).toThrow(message);
    }
    expect(() => requireScopes('cache')).toThrow(/"cache"/);
  });
});

describe('requireScopes', () => {
  it('allows a key holding the scope, refuses one without, and 401s without a principal', async () => {
    const { store, keys } = memoryFixture();
    const writer = await keys.create({ projectId: 'p', name: 'w', scopes: ['cache:*'] });
    const ok = await appWith(auth({ store })).request('/write', { headers: bearer(writer.key) });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ written: true });

    const unguarded = new Hono();
    unguarded.get('/write', requireScopes('cache:write'), (c) => c.json({ written: true }));
    const res = await unguarded.request('/write');
    expect(res.status).toBe(401);
    expect(await res.text()).toBe(MISSING_BODY);
    expect(res.headers.get('www-authenticate')).toBe(REALM);
  });
});

describe('attemptLimit: the client address', () => {
  /** The app on @hono/node-server, so the socket's peer is known. */
  async function served(app: Hono): Promise<Server> {
    const server = createAdaptorServer({ fetch: app.fetch }) as Server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    return server;
  }

  it("on @hono/node-server, counts failures by the socket's peer, ignoring X-Forwarded-For", async () => {
    const { store, keys } = memoryFixture();
    const { key } = await keys.create({ projectId: 'p', name: 'n' });
    const server = await served(appWith(auth({ store, attemptLimit: { max: 2 } })));
    try {
      for (let i = 0; i < 2; i++) {
        await request(server)
          .get('/whoami')
          .set('X-Forwarded-For', `10.9.9.${i}`)
          .set('Authorization', `Bearer vc_${'1'.repeat(32)}`)
          .expect(401);
      }
      const limited = await request(server)
        .get('/whoami')
        .set('X-Forwarded-For', '10.9.9.99')
        .set('Authorization', `Bearer ${key}`)
        .expect(429);
      expect(limited.text).toBe('{"detail":"Too many failed authentication attempts"}');
      expect(limited.headers['retry-after']).toBe('60');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('tokenExchange', () => {
  const issuer = createTokenIssuer({
    key: 'hono-exchange-secret-with-at-least-32-bytes',
    issuer: 'vc-test',
    audience: 'vc-test',
  });

  async function exchangeApp(): Promise<{ app: Hono; key: string }> {
    const { store, keys } = memoryFixture();
    const { key } = await keys.create({ projectId: 'p', name: 'svc', scopes: ['cache:read'] });
    const app = new Hono();
    app.use(auth({ store, jwt: issuer.jwtOptions }));
    app.post('/token', tokenExchange(issuer));
    app.get('/read', requireScopes('cache:read'), (c) => c.json({ ok: true }));
    return { app, key };
  }

  it('trades a key for a token of its scopes; an empty body asks for all of them', async () => {
    const { app, key } = await exchangeApp();
    const res = await app.request('/token', { method: 'POST', headers: bearer(key) });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as { access_token: string; scope: string };
    expect(body.scope).toBe('cache:read');
    const read = await app.request('/read', { headers: bearer(body.access_token) });
    expect(read.status).toBe(200);
  });

  it('answers 400 to a body that is not JSON, and 403 to a scope the key lacks', async () => {
    const { app, key } = await exchangeApp();
    const broken = await app.request('/token', {
      method: 'POST',
      headers: { ...bearer(key), 'Content-Type': 'application/json' },
      body: '{"scope": ',
    });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toEqual({
      detail: 'scope must be a space-separated string or an array of scopes',
    });
    const more = await app.request('/token', {
      method: 'POST',
      headers: bearer(key),
      body: JSON.stringify({ scope: 'keys:manage' }),
    });
    expect(more.status).toBe(403);
  });
});
