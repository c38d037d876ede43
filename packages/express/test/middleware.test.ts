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
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
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

/** An app guarded by `middleware` that echoes the principal, plus an error handler that records. */
function appWith(middleware: RequestHandler, errors: unknown[] = []): Express {
  const app = express();
  app.use(middleware);
  app.get('/health', (req, res) => {
    res.json({ ok: true, principal: req.vectorcache ?? null });
  });
  app.get('/whoami', (req, res) => {
    res.json(req.vectorcache ?? null);
  });
  app.get('/write', requireScopes('cache:write'), (_req, res) => {
    res.json({ written: true });
  });
  const recordErrors: ErrorRequestHandler = (err, _req, res, _next) => {
    errors.push(err);
    res.status(500).end();
  };
  app.use(recordErrors);
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
    dir = mkdtempSync(join(tmpdir(), 'vc-express-'));
    delete process.env.VECTORCACHE_REDIS_URL;
    delete process.env.VECTORCACHE_KEY_PEPPER;
    delete process.env.VECTORCACHE_PROJECT_ID;
    process.env.VECTORCACHE_KEYS_FILE = join(dir, 'keys.db');
  });
  afterEach(() => {
    process.env = { ...saved };
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts a key from VECTORCACHE_KEYS_FILE and exposes the principal at req.vectorcache', async () => {
    const store = new SqliteKeyStore({ path: join(dir, 'keys.db') });
    const { key, record } = await createKeyManager({ store }).create({
      projectId: 'proj_a',
      name: 'ci',
      scopes: ['cache:read'],
    });
    await store.close();
    const app = appWith(auth());

    const ok = await request(app).get('/whoami').set('Authorization', `Bearer ${key}`);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({
      keyId: record.id,
      projectId: 'proj_a',
      name: 'ci',
      prefix: key.slice(0, 7),
      scopes: ['cache:read'],
    });

    const none = await request(app).get('/whoami');
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
    const res = await request(appWith(auth())).get('/whoami').set('Authorization', `Bearer ${key}`);
    expect(res.status).toBe(403);
    expect(res.text).toBe('{"detail":"API key does not have permission to access this project"}');
  });
});

describe('answers are written by the middleware, never through next(err)', () => {
  it('sends core answer as is: exact body, content type, no error handler involved', async () => {
    const { store, keys } = memoryFixture();
    const { key } = await keys.create({ projectId: 'p', name: 'r', scopes: ['cache:read'] });
    const errors: unknown[] = [];
    const app = appWith(auth({ store }), errors);

    const bad = await request(app).get('/whoami').set('Authorization', 'Basic dTpw');
    expect(bad.status).toBe(401);
    expect(bad.text).toBe(MISSING_BODY);
    expect(bad.headers['www-authenticate']).toBe(`${REALM}, error="invalid_request"`);
    expect(bad.headers['content-type']).toBe('application/json');
    expect(bad.headers['etag']).toBeUndefined();

    const scope = await request(app).get('/write').set('Authorization', `Bearer ${key}`);
    expect(scope.status).toBe(403);
    expect(scope.text).toBe('{"detail":"API key does not have the required scope: cache:write"}');
    expect(scope.headers['www-authenticate']).toBe(
      `${REALM}, error="insufficient_scope", scope="cache:write"`,
    );
    expect(errors).toEqual([]);
  });

  it('never lets a store error message reach the body, the error handler or the log', async () => {
    const store = Object.assign(new MemoryKeyStore(), {
      findByHash: async (): Promise<never> => {
        throw new Error(STORE_SECRET);
      },
    });
    const errors: unknown[] = [];
    const app = appWith(auth({ store, timeoutMs: 200 }), errors);
    // In development Express's final handler prints the error and its stack into the page.
    app.set('env', 'development');
    const logged: string[] = [];
    const spies = (['error', 'warn', 'log'] as const).map((level) =>
      jest.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        logged.push(args.map(String).join(' '));
      }),
    );
    try {
      const res = await request(app)
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
  it('a throwing skip goes to the Express error handler, not to an unhandled rejection', async () => {
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
    const res = await request(app).get('/whoami');
    expect(res.status).toBe(500);
    expect(errors).toEqual([new Error('skip is broken')]);
  });
});

describe('options', () => {
  it('skip lets public routes through without a key and leaves req.vectorcache unset', async () => {
    const { store } = memoryFixture();
    const seen: string[] = [];
    const app = appWith(
      auth({
        store,
        skip: async (req) => {
          seen.push(req.path);
          return req.path === '/health';
        },
      }),
    );
    const health = await request(app).get('/health');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ ok: true, principal: null });
    expect((await request(app).get('/whoami')).status).toBe(401);
    expect(seen).toEqual(['/health', '/whoami']);
  });

  it('projectId may be a function of the request (multi-tenant routes)', async () => {
    const { store, keys } = memoryFixture();
    const { key } = await keys.create({ projectId: 'proj_a', name: 'tenant' });
    const app = express();
    const mw = auth({ store, projectId: (req) => String(req.params.projectId) });
    app.use('/projects/:projectId', mw, (req, res) => {
      res.json({ project: req.vectorcache?.projectId });
    });
    const asyncApp = express();
    asyncApp.use(auth({ store, projectId: async (req) => req.get('x-project') }));
    asyncApp.get('/', (_req, res) => {
      res.json({ ok: true });
    });

    const own = await request(app).get('/projects/proj_a').set('Authorization', `Bearer ${key}`);
    expect(own.status).toBe(200);
    expect(own.body).toEqual({ project: 'proj_a' });
    const other = await request(app).get('/projects/proj_b').set('Authorization', `Bearer ${key}`);
    expect(other.status).toBe(403);
    expect(other.text).toBe('{"detail":"API key does not have permission to access this project"}');
    expect(other.headers['www-authenticate']).toBe(`${REALM}, error="insufficient_scope"`);

    const ok = await request(asyncApp)
      .get('/')
      .set('Authorization', `Bearer ${key}`)
      .set('X-Project', 'proj_a');
    expect(ok.status).toBe(200);
    const refused = await request(asyncApp)
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
      const appA = appWith(first);
      const appB = appWith(second);
      const header = `Bearer ${key}`;

      expect((await request(appA).get('/whoami').set('Authorization', header)).status).toBe(200);
      expect((await request(appB).get('/whoami').set('Authorization', header)).status).toBe(200);
      expect(events.filter((e) => e.type === 'verified')).toHaveLength(2);

      await first.close();
      expect((await request(appB).get('/whoami').set('Authorization', header)).status).toBe(200);

      await keys.revoke(record.id);
      const revoked = await request(appB).get('/whoami').set('Authorization', header);
      expect(revoked.status).toBe(401);
      expect(revoked.headers['www-authenticate']).toBe(`${REALM}, error="invalid_token"`);
    } finally {
      await verifier.close();
    }
  });

  it('onFailure customises the refusal, which is still written by the middleware', async () => {
    const { store } = memoryFixture();
    const errors: unknown[] = [];
    const app = appWith(
      auth({
        store,
        onFailure: (failure, req) => ({
          status: 418,
          body: { error: 'unauthenticated', reason: failure.reason, path: req.path },
          headers: { 'x-auth-reason': failure.reason },
        }),
      }),
      errors,
    );
    const res = await request(app).get('/whoami').set('Authorization', 'Bearer nope');
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
    const app = appWith(auth(options));
    expect((await request(app).get('/whoami').set('Authorization', `Bearer ${key}`)).status).toBe(
      200,
    );
    expect((await request(app).get('/whoami')).status).toBe(401);
    expect(options).toEqual(before);
    expect(Object.keys(options).sort()).toEqual(Object.keys(before).sort());
  });
});

describe('requireScopes', () => {
  it('allows a key holding the scope, refuses one without, and 401s without a principal', async () => {
    const { store, keys } = memoryFixture();
    const writer = await keys.create({ projectId: 'p', name: 'w', scopes: ['cache:*'] });
    const app = appWith(auth({ store }));
    const ok = await request(app).get('/write').set('Authorization', `Bearer ${writer.key}`);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ written: true });

    const unguarded = express();
    unguarded.get('/write', requireScopes('cache:write'), (_req, res) => {
      res.json({ written: true });
    });
    const res = await request(unguarded).get('/write');
    expect(res.status).toBe(401);
    expect(res.text).toBe(MISSING_BODY);
    expect(res.headers['www-authenticate']).toBe(REALM);
  });
});
