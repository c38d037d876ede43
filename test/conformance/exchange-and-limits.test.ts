import type { Server } from 'node:http';
import {
  createKeyManager,
  createTokenIssuer,
  MemoryKeyStore,
  type KeyStore,
} from '@vectorcache/auth-core';
import { type AuthOptions } from '@vectorcache/auth-core/adapter';
import * as expressAuth from '@vectorcache/auth-express';
import * as fastifyAuth from '@vectorcache/auth-fastify';
import * as honoAuth from '@vectorcache/auth-hono';
import * as koaAuth from '@vectorcache/auth-koa';
import { createAdaptorServer } from '@hono/node-server';
import Router from '@koa/router';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';
import request from 'supertest';

type AdapterName = 'express' | 'koa' | 'fastify' | 'hono';
const ADAPTERS: AdapterName[] = ['express', 'koa', 'fastify', 'hono'];
const SECRET = 'exchange-test-secret-with-at-least-32-bytes';
const issuer = createTokenIssuer({ key: SECRET, issuer: 'vc-test', audience: 'vc-test', ttl: 120 });

type Options = AuthOptions<unknown>;

/** Reads a JSON body without a body-parser dependency (Koa). */
async function readJson(req: NodeJS.ReadableStream): Promise<unknown> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return text ? JSON.parse(text) : undefined;
}

type Started = { server: Server; close: () => Promise<void> };

/** Waits until `server` listens; closing it also closes the middleware. */
async function served(server: Server, auth: { close(): Promise<void> }): Promise<Started> {
  await new Promise((r) => server.once('listening', r));
  return {
    server,
    close: async () => {
      await new Promise((r) => server.close(r));
      await auth.close();
    },
  };
}

/** One app per adapter: token exchange, a read route and a write route. */
async function start(adapter: AdapterName, options: Options): Promise<Started> {
  if (adapter === 'express') {
    const auth = expressAuth.vectorcacheAuth(options as expressAuth.ExpressAuthOptions);
    const app = express();
    app.use(auth);
    app.post('/v1/auth/token', express.json(), expressAuth.tokenExchange(issuer));
    app.get(
      '/read',
      expressAuth.requireScopes('cache:read'),
      (_req, res) => void res.json({ ok: true }),
    );
    app.get(
      '/write',
      expressAuth.requireScopes('cache:write'),
      (_req, res) => void res.json({ ok: true }),
    );
    return served(app.listen(0, '127.0.0.1'), auth);
  }
  if (adapter === 'koa') {
    const auth = koaAuth.vectorcacheAuth(options as koaAuth.KoaAuthOptions);
    const app = new Koa();
    const router = new Router();
    router.post(
      '/v1/auth/token',
      async (ctx, next) => {
        (ctx.request as { body?: unknown }).body = await readJson(ctx.req);
        await next();
      },
      koaAuth.tokenExchange(issuer),
    );
    router.get(
      '/read',
      koaAuth.requireScopes('cache:read'),
      (ctx) => void (ctx.body = { ok: true }),
    );
    router.get(
      '/write',
      koaAuth.requireScopes('cache:write'),
      (ctx) => void (ctx.body = { ok: true }),
    );
    app.use(auth).use(router.routes());
    return served(app.listen(0, '127.0.0.1'), auth);
  }
  if (adapter === 'hono') {
    const auth = honoAuth.vectorcacheAuth(options as honoAuth.HonoAuthOptions);
    const app = new Hono();
    app.use(auth);
    app.post('/v1/auth/token', honoAuth.tokenExchange(issuer));
    app.get('/read', honoAuth.requireScopes('cache:read'), (c) => c.json({ ok: true }));
    app.get('/write', honoAuth.requireScopes('cache:write'), (c) => c.json({ ok: true }));
    return served(
      (createAdaptorServer({ fetch: app.fetch }) as Server).listen(0, '127.0.0.1'),
      auth,
    );
  }
  const app = Fastify();
  await app.register(fastifyAuth.vectorcacheAuth, options as fastifyAuth.FastifyAuthOptions);
  app.post('/v1/auth/token', fastifyAuth.tokenExchange(issuer));
  app.get('/read', { preHandler: fastifyAuth.requireScopes('cache:read') }, async () => ({
    ok: true,
  }));
  app.get('/write', { preHandler: fastifyAuth.requireScopes('cache:write') }, async () => ({
    ok: true,
  }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { server: app.server, close: () => app.close() };
}

describe.each(ADAPTERS)('%s: key-for-token exchange', (adapter) => {
  let store: KeyStore;
  let app: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    store = new MemoryKeyStore();
    app = await start(adapter, { store, jwt: issuer.jwtOptions });
  });
  afterAll(() => app.close());

  it('key -> token -> 200 on a route its scopes allow, 403 on one they do not, 401 after the key is revoked', async () => {
    const keys = createKeyManager({ store });
    const { key, record } = await keys.create({ projectId: 'p', name: 'svc', scopes: ['cache:*'] });
    const exchanged = await request(app.server)
      .post('/v1/auth/token')
      .set('Authorization', `Bearer ${key}`)
      .send({ scope: 'cache:read' })
      .expect(200);
    expect(exchanged.headers['cache-control']).toBe('no-store');
    expect(exchanged.body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 120,
      scope: 'cache:read',
    });
    const token = (exchanged.body as { access_token: string }).access_token;
    await request(app.server).get('/read').set('Authorization', `Bearer ${token}`).expect(200);
    const forbidden = await request(app.server)
      .get('/write')
      .set('Authorization', `Bearer ${token}`)
      .expect(403);
    expect(forbidden.text).toBe(
      '{"detail":"API key does not have the required scope: cache:write"}',
    );
    // A token cannot mint tokens.
    await request(app.server)
      .post('/v1/auth/token')
      .set('Authorization', `Bearer ${token}`)
      .send({})
      .expect(401);
    // More scopes than the key has: 403.
    await request(app.server)
      .post('/v1/auth/token')
      .set('Authorization', `Bearer ${key}`)
      .send({ scope: 'keys:manage' })
      .expect(403);
    await keys.revoke(record.id);
    const after = await request(app.server)
      .get('/read')
      .set('Authorization', `Bearer ${token}`)
      .expect(401);
    expect(after.headers['www-authenticate']).toBe(
      'Bearer realm="vectorcache", error="invalid_token"',
    );
  });
});

describe('failed-attempt limit through every adapter', () => {
  const bodies: string[] = [];

  it.each(ADAPTERS)(
    '%s: 429 with Retry-After after max failures, by the client address of a trusted proxy',
    async (adapter) => {
      const store = new MemoryKeyStore();
      const { key } = await createKeyManager({ store }).create({ projectId: 'p', name: 'n' });
      const app = await start(adapter, {
        store,
        attemptLimit: { max: 3, windowMs: 60_000 },
        trustProxy: ['loopback'],
      });
      try {
        const from = (ip: string) => ({ 'X-Forwarded-For': ip });
        for (let i = 0; i < 3; i++) {
          await request(app.server)
            .get('/read')
            .set(from('203.0.113.50'))
            .set('Authorization', `Bearer vc_${'0'.repeat(31)}${i}`)
            .expect(401);
        }
        const limited = await request(app.server)
          .get('/read')
          .set(from('203.0.113.50'))
          .set('Authorization', `Bearer ${key}`)
          .expect(429);
        expect(limited.headers['retry-after']).toBe('60');
        expect(limited.headers['content-type']).toBe('application/json');
        bodies.push(limited.text);
        // Another client behind the same proxy is not affected.
        await request(app.server)
          .get('/read')
          .set(from('198.51.100.9'))
          .set('Authorization', `Bearer ${key}`)
          .expect(200);
      } finally {
        await app.close();
      }
    },
  );

  it('every adapter answers the 429 byte for byte alike', () => {
    expect(bodies).toEqual(
      Array(ADAPTERS.length).fill('{"detail":"Too many failed authentication attempts"}'),
    );
  });

  it('without a trusted proxy, X-Forwarded-For is ignored (a client cannot dodge the limit)', async () => {
    const store = new MemoryKeyStore();
    const app = await start('express', { store, attemptLimit: { max: 2 } });
    try {
      for (let i = 0; i < 2; i++) {
        await request(app.server)
          .get('/read')
          .set('X-Forwarded-For', `10.9.9.${i}`)
          .set('Authorization', `Bearer vc_${'1'.repeat(32)}`);
      }
      await request(app.server)
        .get('/read')
        .set('X-Forwarded-For', '10.9.9.99')
        .set('Authorization', `Bearer vc_${'2'.repeat(32)}`)
        .expect(429);
    } finally {
      await app.close();
    }
  });
});
