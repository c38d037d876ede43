import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
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
import Koa, { type Middleware } from 'koa';
import request from 'supertest';
import { requireScopes, vectorcacheAuth, type VectorcacheMiddleware } from '../src';

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
 * An app guarded by `middleware`: `/whoami` echoes the principal, `/write` needs `cache:write`,
 * `/health` answers. Errors Koa emits are recorded.
 */
function appWith(middleware: Middleware, errors: unknown[] = []): Koa {
  const app = new Koa();
  app.on('error', (err) => errors.push(err));
  app.use(middleware);
  const write = requireScopes('cache:write');
  app.use(async (ctx, next) => {
    if (ctx.path === '/write') {
      return write(ctx, async () => {
        ctx.body = { written: true };
      });
    }
    if (ctx.path === '/health') {
      ctx.body = { ok: true, principal: ctx.state.vectorcache ?? null };
      return;
    }
    if (ctx.path === '/whoami') {
      ctx.body = ctx.state.vectorcache ?? 'null';
      return;
    }
    await next();
  });
  return app;
}

const servers: Server[] = [];
/** A listening server for the app (closed after each test). */
function serve(app: Koa): Server {
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
  );
});

function memoryFixture(): { store: MemoryKeyStore; keys: KeyManager } {
  const store = new MemoryKeyStore();
  return { store, keys: createKeyManager({ store }) };
}

describe('zero configuration', () => {
  let dir: string;
  const saved = { ...process.env };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vc-koa-'));
    delete process.env.VECTORCACHE_REDIS_URL;
    delete process.env.VECTORCACHE_KEY_PEPPER;
    delete process.env.VECTORCACHE_PROJECT_ID;
    process.env.VECTORCACHE_KEYS_FILE = join(dir, 'keys.db');
  });
  afterEach(() => {
    process.env = { ...saved };
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts a key from VECTORCACHE_KEYS_FILE and exposes the principal at ctx.state.vectorcache', async () => {
    const store = new SqliteKeyStore({ path: join(dir, 'keys.db') });
    const { key, record } = await createKeyManager({ store }).create({
      projectId: 'proj_a',
      name: 'ci',
      scopes: ['cache:read'],
    });
    await store.close();
    const server = serve(appWith(auth()));

    const ok = await request(server).get('/whoami').set('Authorization', `Bearer ${key}`);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({
      keyId: record.id,
      projectId: 'proj_a',
      name: 'ci',
      prefix: key.slice(0, 7),
      scopes: ['cache:read'],
    });

    const none = await request(server).get('/whoami');
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
    const res = await request(serve(appWith(auth())))
      .get('/whoami')
      .set('Authorization', `Bearer ${key}`);
    expect(res.status).toBe(403);
    expect(res.text).toBe('{"detail":"API key does not have permission to access this project"}');
  });
});

describe('answers are written on the context, never thrown', () => {
  it('sends core answer as is: exact body and content type, no error emitted', async () => {
    const { store, keys } = memoryFixture();
    const { key } = await keys.create({ projectId: 'p', name: 'r', scopes: ['cache:read'] });
    const errors: unknown[] = [];
    const server = serve(appWith(auth({ store }), errors));

    const bad = await request(server).get('/whoami').set('Authorization', 'Basic dTpw');
    expect(bad.status).toBe(401);
    expect(bad.text).toBe(MISSING_BODY);
    expect(bad.headers['www-authenticate']).toBe(`${REALM}, error="invalid_request"`);
    expect(bad.headers['content-type']).toBe('application/json');

    const scope = await request(server).get('/write').set('Authorization', `Bearer ${key}`);
    expect(scope.status).toBe(403);
    expect(scope.text).toBe('{"detail":"API key does not have the required scope: cache:write"}');
    expect(scope.headers['www-authenticate']).toBe(
      `${REALM}, error="insufficient_scope", scope="cache:write"`,
    );
    expect(errors).toEqual([]);
  });

  it('never lets a store error message reach the body, the error event or the log', async () => {
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
      const res = await request(serve(app))
        .get('/whoami')
        .set('Authorization', `Bearer vc_${'ab'.repeat(16)}`);
      expect(res.status).toBe(503);
      expect(res.text).toBe('{"detail":"Authentication service unavailable"}');
      expect(res.headers['retry-after']).toBe('1');
      expect(res.text).not.toContain('hunter2');
      expect(errors).toEqual([]);
      expect(logged.join('\n')).not.toContain('hunter2');
    } finally {
      spies.forEach((spy) => spy.mockRestore());
    }
  });
});

describe('programming errors', () => {
  it('a throwing skip goes to Koa error handling, not to an unhandled rejection', async () => {
    const { store } = memoryFixture();
    const errors: unknown[] = [];
    const server = serve(
      appWith(
        auth({
          store,
          skip: () => {
            throw new Error('skip is broken');
          },
        }),
        errors,
      ),
    );
    const res = await request(server).get('/whoami');
    expect(res.status).toBe(500);
    expect(errors).toEqual([new Error('skip is broken')]);
  });
});

describe('options', () => {
  it('skip receives ctx, lets public routes through and leaves ctx.state.vectorcache unset', async () => {
    const { store } = memoryFixture();
    const seen: string[] = [];
    const server = serve(
      appWith(
        auth({
          store,
          skip: async (ctx) => {
            seen.push(ctx.path);
            return ctx.path === '/health';
          },
        }),
      ),
    );
    const health = await request(server).get('/health');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ ok: true, principal: null });
    expect((await request(server).get('/whoami')).status).toBe(401);
    expect(seen).toEqual(['/health', '/whoami']);
  });

  it('projectId may be a function of the context (multi-tenant routes)', async () => {
    const { store, keys } = memoryFixture();
    const { key } = await keys.create({ projectId: 'proj_a', name: 'tenant' });
    const app = new Koa();
    app.use(auth({ store, projectId: (ctx) => /^\/projects\/([^/]+)/.exec(ctx.path)?.[1] }));
    app.use((ctx) => {
      ctx.body = { project: ctx.state.vectorcache?.projectId };
    });
    const asyncApp = new Koa();
    asyncApp.use(auth({ store, projectId: async (ctx) => ctx.get('x-project') || undefined }));
    asyncApp.use((ctx) => {
      ctx.body = { ok: true };
    });
    const server = serve(app);
    const asyncServer = serve(asyncApp);

    const own = await request(server).get('/projects/proj_a').set('Authorization', `Bearer ${key}`);
    expect(own.status).toBe(200);
    expect(own.body).toEqual({ project: 'proj_a' });
    const other = await request(server)
      .get('/projects/proj_b')
      .set('Authorization', `Bearer ${key}`);
    expect(other.status).toBe(403);
    expect(other.text).toBe('{"detail":"API key does not have permission to access this project"}');
    expect(other.headers['www-authenticate']).toBe(`${REALM}, error="insufficient_scope"`);

    const ok = await request(asyncServer)
      .get('/')
      .set('Authorization', `Bearer ${key}`)
      .set('X-Project', 'proj_a');
    expect(ok.status).toBe(200);
    const refused = await request(asyncServer)
      .get('/')
      .set('Authorization', `Bearer ${key}`)
      .set('X-Project', 'proj_z');
    expect(refused.status).toBe(403);
  });

  it('one verifier can be shared by two apps; closing a middleware leaves it open', async () => {
    const { store, keys } = memoryFixture();
    const { key, record } = await keys.create({ projectId: 'p', name: 'shared' });
    const events: AuthEvent[] = [];
    const verifier = createVerifier({ store, onEvent: (event) => events.push(event) });
    try {
      const first = auth({ verifier });
      const second = auth({ verifier });
      expect(first.verifier).toBe(verifier);
      const serverA = serve(appWith(first));
      const serverB = serve(appWith(second));
      const header = `Bearer ${key}`;

      expect((await request(serverA).get('/whoami').set('Authorization', header)).status).toBe(200);
      expect((await request(serverB).get('/whoami').set('Authorization', header)).status).toBe(200);
      expect(events.filter((e) => e.type === 'verified')).toHaveLength(2);

      await first.close();
      expect((await request(serverB).get('/whoami').set('Authorization', header)).status).toBe(200);

      await keys.revoke(record.id);
      const revoked = await request(serverB).get('/whoami').set('Authorization', header);
      expect(revoked.status).toBe(401);
      expect(revoked.headers['www-authenticate']).toBe(`${REALM}, error="invalid_token"`);
    } finally {
      await verifier.close();
    }
  });

  it('onFailure customises the refusal, which is still written by the middleware', async () => {
    const { store } = memoryFixture();
    const errors: unknown[] = [];
    const server = serve(
      appWith(
        auth({
          store,
          onFailure: (failure, ctx) => ({
            status: 418,
            body: { error: 'unauthenticated', reason: failure.reason, path: ctx.path },
            headers: { 'x-auth-reason': failure.reason },
          }),
        }),
        errors,
      ),
    );
    const res = await request(server).get('/whoami').set('Authorization', 'Bearer nope');
    expect(res.status).toBe(418);
    expect(JSON.parse(res.text)).toEqual({
      error: 'unauthenticated',
      reason: 'invalid_format',
      path: '/whoami',
    });
    expect(res.headers['x-auth-reason']).toBe('invalid_format');
    expect(errors).toEqual([]);
  });

  it('rejects bad options when the middleware is built, naming what to change', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ projectId: 42 }, /projectId/],
      [{ scopes: 'cache:read' }, /scopes/],
      [{ skip: true }, /skip/],
      [{ store: {} }, /store/],
      [{ onFailure: 'x' }, /onFailure/],
    ];
    for (const [options, message] of cases) {
      expect(() => vectorcacheAuth(options as never)).toThrow(
        expect.objectContaining({
          name: 'VectorcacheAuthError',
          message: expect.stringMatching(message),
        }),
      );
    }
    expect(() => vectorcacheAuth({ store: new MemoryKeyStore(), scopes: ['Cache:Read'] })).toThrow(
      /Cache:Read/,
    );
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
    const server = serve(appWith(auth(options)));
    const ok = await request(server).get('/whoami').set('Authorization', `Bearer ${key}`);
    expect(ok.status).toBe(200);
    expect((await request(server).get('/whoami')).status).toBe(401);
    expect(options).toEqual(before);
    expect(Object.keys(options).sort()).toEqual(Object.keys(before).sort());
  });
});

describe('requireScopes', () => {
  it('allows a key holding the scope, refuses one without, and 401s without a principal', async () => {
    const { store, keys } = memoryFixture();
    const writer = await keys.create({ projectId: 'p', name: 'w', scopes: ['cache:*'] });
    const ok = await request(serve(appWith(auth({ store }))))
      .get('/write')
      .set('Authorization', `Bearer ${writer.key}`);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ written: true });

    const unguarded = new Koa();
    unguarded.use(requireScopes('cache:write'));
    unguarded.use((ctx) => {
      ctx.body = { written: true };
    });
    const res = await request(serve(unguarded)).get('/write');
    expect(res.status).toBe(401);
    expect(res.text).toBe(MISSING_BODY);
    expect(res.headers['www-authenticate']).toBe(REALM);
  });
});
