import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createKeyManager,
  createVerifier,
  MemoryKeyStore,
  SqliteKeyStore,
  type AuthEvent,
  type CreateKeyInput,
  type KeyManager,
} from '@vectorcache/auth-core';
import request from 'supertest';
import { ADAPTERS, type AdapterApp, type FrameworkRequest } from '../../test-utils/adapter-apps';

// The adapter contract: every adapter, driven over a real socket, gives the same answers for the
// same options. Adapter-specific behaviour (Fastify hooks, Hono on Web requests, routes with
// parameters) is tested in each package's own test folder.

const MISSING_BODY = '{"detail":"Invalid or missing API key"}';
const WRONG_PROJECT = '{"detail":"API key does not have permission to access this project"}';
const REALM = 'Bearer realm="vectorcache"';
const STORE_SECRET = 'redis://admin:hunter2@db.internal:6379 refused the connection';

function memoryFixture(): { store: MemoryKeyStore; keys: KeyManager } {
  const store = new MemoryKeyStore();
  return { store, keys: createKeyManager({ store }) };
}

describe.each(ADAPTERS)('the $name adapter', (adapter) => {
  const open: AdapterApp[] = [];
  async function appWith(options?: Record<string, unknown>): Promise<AdapterApp> {
    const app = await adapter.app(options);
    open.push(app);
    return app;
  }
  afterEach(async () => {
    await Promise.all(open.splice(0).map((app) => app.close()));
  });

  describe('zero configuration', () => {
    let dir: string;
    const saved = { ...process.env };
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), `vc-${adapter.name}-`));
      delete process.env.VECTORCACHE_REDIS_URL;
      delete process.env.VECTORCACHE_KEY_PEPPER;
      delete process.env.VECTORCACHE_PROJECT_ID;
      process.env.VECTORCACHE_KEYS_FILE = join(dir, 'keys.db');
    });
    afterEach(() => {
      process.env = { ...saved };
      rmSync(dir, { recursive: true, force: true });
    });

    async function keyIn(
      projectId: string,
      labels: Pick<CreateKeyInput, 'environment' | 'ownerId' | 'meta'> = {},
    ): Promise<{ key: string; id: string }> {
      const store = new SqliteKeyStore({ path: join(dir, 'keys.db') });
      const { key, record } = await createKeyManager({ store }).create({
        projectId,
        name: 'ci',
        scopes: ['cache:read'],
        ...labels,
      });
      await store.close();
      return { key, id: record.id };
    }

    it('accepts a key from VECTORCACHE_KEYS_FILE and exposes the principal', async () => {
      const meta = { plan: 'pro', seats: 3, beta: true };
      const { key, id } = await keyIn('proj_a', {
        environment: 'production',
        ownerId: 'u_42',
        meta,
      });
      const app = await appWith();
      const ok = await request(app.url).get('/whoami').set('Authorization', `Bearer ${key}`);
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({
        keyId: id,
        projectId: 'proj_a',
        name: 'ci',
        prefix: key.slice(0, 7),
        scopes: ['cache:read'],
        environment: 'production',
        ownerId: 'u_42',
        meta,
      });
      const none = await request(app.url).get('/whoami');
      expect(none.status).toBe(401);
      expect(none.text).toBe(MISSING_BODY);
      expect(none.headers['www-authenticate']).toBe(REALM);
      expect(none.headers['content-type']).toMatch(/^application\/json/);
    });

    it('requires the project named by VECTORCACHE_PROJECT_ID', async () => {
      process.env.VECTORCACHE_PROJECT_ID = 'proj_a';
      const { key } = await keyIn('proj_b');
      const app = await appWith();
      const res = await request(app.url).get('/whoami').set('Authorization', `Bearer ${key}`);
      expect(res.status).toBe(403);
      expect(res.text).toBe(WRONG_PROJECT);
    });

    it('refuses a key of another environment than VECTORCACHE_ENVIRONMENT; a key of none passes', async () => {
      process.env.VECTORCACHE_ENVIRONMENT = 'production';
      const { key: staging } = await keyIn('proj_a', { environment: 'staging' });
      const { key: any } = await keyIn('proj_a');
      const { key: production } = await keyIn('proj_a', { environment: 'production' });
      const app = await appWith();
      const res = await request(app.url).get('/whoami').set('Authorization', `Bearer ${staging}`);
      expect(res.status).toBe(403);
      expect(res.text).toBe(
        '{"detail":"API key does not have permission to access this environment"}',
      );
      expect(res.headers['www-authenticate']).toBe(`${REALM}, error="insufficient_scope"`);
      for (const key of [any, production]) {
        const ok = await request(app.url).get('/whoami').set('Authorization', `Bearer ${key}`);
        expect(ok.status).toBe(200);
      }
    });
  });

  describe('answers', () => {
    it("sends core's answer as is, never through the framework's error handling", async () => {
      const { store, keys } = memoryFixture();
      const { key } = await keys.create({ projectId: 'p', name: 'r', scopes: ['cache:read'] });
      const app = await appWith({ store });

      const bad = await request(app.url).get('/whoami').set('Authorization', 'Basic dTpw');
      expect(bad.status).toBe(401);
      expect(bad.text).toBe(MISSING_BODY);
      expect(bad.headers['www-authenticate']).toBe(`${REALM}, error="invalid_request"`);
      expect(bad.headers['content-type']).toBe('application/json');
      expect(bad.headers['etag']).toBeUndefined();

      const scope = await request(app.url).get('/write').set('Authorization', `Bearer ${key}`);
      expect(scope.status).toBe(403);
      expect(scope.text).toBe('{"detail":"API key does not have the required scope: cache:write"}');
      expect(scope.headers['www-authenticate']).toBe(
        `${REALM}, error="insufficient_scope", scope="cache:write"`,
      );
      expect(app.errors).toEqual([]);
    });

    it('never lets a store error message reach the body, the error handling or the log', async () => {
      const store = Object.assign(new MemoryKeyStore(), {
        findByHash: async (): Promise<never> => {
          throw new Error(STORE_SECRET);
        },
      });
      const app = await appWith({ store, timeoutMs: 200 });
      const logged: string[] = [];
      const spies = (['error', 'warn', 'log'] as const).map((level) =>
        jest.spyOn(console, level).mockImplementation((...args: unknown[]) => {
          logged.push(args.map(String).join(' '));
        }),
      );
      try {
        const res = await request(app.url)
          .get('/whoami')
          .set('Authorization', `Bearer vc_${'ab'.repeat(16)}`);
        expect(res.status).toBe(503);
        expect(res.text).toBe('{"detail":"Authentication service unavailable"}');
        expect(res.headers['retry-after']).toBe('1');
        expect(app.errors).toEqual([]);
        expect(logged.join('\n')).not.toContain('hunter2');
      } finally {
        spies.forEach((spy) => spy.mockRestore());
      }
    });

    it("a throwing skip goes to the framework's error handling, not to an unhandled rejection", async () => {
      const { store } = memoryFixture();
      const app = await appWith({
        store,
        skip: () => {
          throw new Error('skip is broken');
        },
      });
      const res = await request(app.url).get('/whoami');
      expect(res.status).toBe(500);
      expect(app.errors).toEqual([new Error('skip is broken')]);
    });
  });

  describe('options', () => {
    it('skip receives the request, lets public routes through and leaves the principal unset', async () => {
      const { store } = memoryFixture();
      const seen: string[] = [];
      const app = await appWith({
        store,
        skip: async (req: FrameworkRequest) => {
          seen.push(adapter.path(req));
          return adapter.path(req) === '/health';
        },
      });
      const health = await request(app.url).get('/health');
      expect(health.status).toBe(200);
      expect(health.body).toEqual({ ok: true, principal: null });
      expect((await request(app.url).get('/whoami')).status).toBe(401);
      expect(seen).toEqual(['/health', '/whoami']);
    });

    it.each([
      ['a function', (req: FrameworkRequest) => adapter.header(req, 'x-project')],
      ['an async function', async (req: FrameworkRequest) => adapter.header(req, 'x-project')],
    ])('projectId may be %s of the request (multi-tenant routes)', async (_, projectId) => {
      const { store, keys } = memoryFixture();
      const { key } = await keys.create({ projectId: 'proj_a', name: 'tenant' });
      const app = await appWith({ store, projectId });
      const own = await request(app.url)
        .get('/whoami')
        .set('Authorization', `Bearer ${key}`)
        .set('X-Project', 'proj_a');
      expect(own.status).toBe(200);
      expect(own.body).toMatchObject({ projectId: 'proj_a' });
      const other = await request(app.url)
        .get('/whoami')
        .set('Authorization', `Bearer ${key}`)
        .set('X-Project', 'proj_b');
      expect(other.status).toBe(403);
      expect(other.text).toBe(WRONG_PROJECT);
      expect(other.headers['www-authenticate']).toBe(`${REALM}, error="insufficient_scope"`);
    });

    it('one verifier can be shared by two apps; closing one leaves it open', async () => {
      const { store, keys } = memoryFixture();
      const { key, record } = await keys.create({ projectId: 'p', name: 'shared' });
      const events: AuthEvent[] = [];
      const verifier = createVerifier({ store, onEvent: (event) => events.push(event) });
      try {
        const first = await adapter.app({ verifier });
        const second = await appWith({ verifier });
        const header = `Bearer ${key}`;
        try {
          expect(
            (await request(first.url).get('/whoami').set('Authorization', header)).status,
          ).toBe(200);
        } finally {
          await first.close();
        }
        expect((await request(second.url).get('/whoami').set('Authorization', header)).status).toBe(
          200,
        );
        expect(events.filter((e) => e.type === 'verified')).toHaveLength(2);

        await keys.revoke(record.id);
        const revoked = await request(second.url).get('/whoami').set('Authorization', header);
        expect(revoked.status).toBe(401);
        expect(revoked.headers['www-authenticate']).toBe(`${REALM}, error="invalid_token"`);
      } finally {
        await verifier.close();
      }
    });

    it('onFailure customises the refusal, which is still written by the adapter', async () => {
      const { store } = memoryFixture();
      const app = await appWith({
        store,
        onFailure: (failure: { reason: string }, req: FrameworkRequest) => ({
          status: 418,
          body: { error: 'unauthenticated', reason: failure.reason, path: adapter.path(req) },
          headers: { 'x-auth-reason': failure.reason },
        }),
      });
      const res = await request(app.url).get('/whoami').set('Authorization', 'Bearer nope');
      expect(res.status).toBe(418);
      expect(JSON.parse(res.text)).toEqual({
        error: 'unauthenticated',
        reason: 'invalid_format',
        path: '/whoami',
      });
      expect(res.headers['x-auth-reason']).toBe('invalid_format');
      expect(app.errors).toEqual([]);
    });

    it.each([
      [{ projectId: 42 }, /projectId/],
      [{ scopes: 'cache:read' }, /scopes/],
      [{ skip: true }, /skip/],
      [{ store: {} }, /store/],
      [{ onFailure: 'x' }, /onFailure/],
      [{ store: new MemoryKeyStore(), scopes: ['Cache:Read'] }, /Cache:Read/],
    ])('refuses bad options %p when built, naming what to change', async (options, message) => {
      await expect(adapter.build(options)).rejects.toThrow(
        expect.objectContaining({
          name: 'VectorcacheAuthError',
          message: expect.stringMatching(message),
        }),
      );
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
      const ok = await request(app.url).get('/whoami').set('Authorization', `Bearer ${key}`);
      expect(ok.status).toBe(200);
      expect((await request(app.url).get('/whoami')).status).toBe(401);
      expect(options).toEqual(before);
      expect(Object.keys(options).sort()).toEqual(Object.keys(before).sort());
    });
  });

  describe('requireScopes', () => {
    it('allows a key holding the scope, refuses one without, and 401s without a principal', async () => {
      const { store, keys } = memoryFixture();
      const writer = await keys.create({ projectId: 'p', name: 'w', scopes: ['cache:*'] });
      const app = await appWith({ store });
      const ok = await request(app.url).get('/write').set('Authorization', `Bearer ${writer.key}`);
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({ written: true });

      const unguarded = await adapter.unguarded();
      open.push(unguarded);
      const res = await request(unguarded.url).get('/write');
      expect(res.status).toBe(401);
      expect(res.text).toBe(MISSING_BODY);
      expect(res.headers['www-authenticate']).toBe(REALM);
    });

    it('refuses a malformed scope when the guard is built', () => {
      expect(() => adapter.requireScopes('cache')).toThrow(/"cache"/);
    });
  });
});
