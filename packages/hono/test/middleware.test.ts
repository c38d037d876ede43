// What every adapter does alike is tested once, for all of them, in test/adapters/contract.test.ts.
// Here: what only Hono does (Web requests without a server, the client address, the token route).
import type { Server } from 'node:http';
import {
  createKeyManager,
  createTokenIssuer,
  MemoryKeyStore,
  type KeyManager,
} from '@vectorcache/auth-core';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import request from 'supertest';
import { honoAppWith } from '../../../test-utils/adapter-apps';
import { requireScopes, tokenExchange, vectorcacheAuth, type VectorcacheMiddleware } from '../src';

const MISSING_BODY = '{"detail":"Invalid or missing API key"}';
const REALM = 'Bearer realm="vectorcache"';

const toClose: VectorcacheMiddleware[] = [];
function auth(options?: Parameters<typeof vectorcacheAuth>[0]): VectorcacheMiddleware {
  const middleware = vectorcacheAuth(options);
  toClose.push(middleware);
  return middleware;
}
afterEach(async () => {
  await Promise.all(toClose.splice(0).map((m) => m.close()));
});

// `appWith` is the contract's app (`test-utils/adapter-apps.ts`); `app.request()` runs it on a
// Web `Request`, as Bun, Deno or Workers would.
const appWith = honoAppWith;

function memoryFixture(): { store: MemoryKeyStore; keys: KeyManager } {
  const store = new MemoryKeyStore();
  return { store, keys: createKeyManager({ store }) };
}

const bearer = (key: string): Record<string, string> => ({ Authorization: `Bearer ${key}` });

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
});

describe('options', () => {
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
