import { createServer, type Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import fastifyCors from '@fastify/cors';
import koaCors from '@koa/cors';
import Router from '@koa/router';
import { createKeyManager, MemoryKeyStore } from '@vectorcache/auth-core';
import * as expressAuth from '@vectorcache/auth-express';
import * as fastifyAuth from '@vectorcache/auth-fastify';
import * as honoAuth from '@vectorcache/auth-hono';
import * as koaAuth from '@vectorcache/auth-koa';
import cors from 'cors';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { cors as honoCors } from 'hono/cors';
import Koa from 'koa';
import request from 'supertest';

// The README's "Browsers (CORS)" section, run: each framework's maintained CORS handler placed
// before the middleware answers preflights (OPTIONS, which never carry Authorization), while the
// real requests are still authenticated, and carry the CORS headers so the page can read a 401.

const ALLOWED = 'https://app.example.com';
const OTHER = 'https://evil.example.net';
// Browsers send Authorization only when the preflight allows it; scripts read the challenge only
// when it is exposed.
const ALLOW_HEADERS = ['Authorization', 'Content-Type'];
const EXPOSE_HEADERS = ['WWW-Authenticate', 'Retry-After'];

interface Running {
  server: Server;
  close(): Promise<void>;
}

type Start = (store: MemoryKeyStore) => Promise<Running>;

const listen = (server: Server): Promise<Server> =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
const closing = (server: Server): Promise<void> =>
  new Promise((resolve) => server.close(() => resolve()));

const START: Record<string, Start> = {
  async express(store) {
    const auth = expressAuth.vectorcacheAuth({ store });
    const app = express();
    app.use(
      cors({ origin: [ALLOWED], allowedHeaders: ALLOW_HEADERS, exposedHeaders: EXPOSE_HEADERS }),
    );
    app.use(auth);
    app.post('/v1/cache/query', expressAuth.requireScopes('cache:read'), (_req, res) => {
      res.json({ ok: true });
    });
    const server = await listen(createServer(app));
    return { server, close: async () => (await closing(server), await auth.close()) };
  },

  async koa(store) {
    const auth = koaAuth.vectorcacheAuth({ store });
    const app = new Koa();
    const router = new Router();
    router.post('/v1/cache/query', koaAuth.requireScopes('cache:read'), (ctx) => {
      ctx.body = { ok: true };
    });
    app.use(
      koaCors({
        origin: (ctx) => (ctx.get('Origin') === ALLOWED ? ALLOWED : ''),
        allowHeaders: ALLOW_HEADERS,
        exposeHeaders: EXPOSE_HEADERS,
      }),
    );
    app.use(auth);
    app.use(router.routes());
    const server = await listen(createServer(app.callback()));
    return { server, close: async () => (await closing(server), await auth.close()) };
  },

  async fastify(store) {
    const app = Fastify();
    await app.register(fastifyCors, {
      origin: [ALLOWED],
      allowedHeaders: ALLOW_HEADERS,
      exposedHeaders: EXPOSE_HEADERS,
    });
    await app.register(fastifyAuth.vectorcacheAuth, { store });
    app.post(
      '/v1/cache/query',
      { preHandler: fastifyAuth.requireScopes('cache:read') },
      async () => ({ ok: true }),
    );
    await app.ready();
    return { server: app.server, close: () => app.close() };
  },

  async hono(store) {
    const auth = honoAuth.vectorcacheAuth({ store });
    const app = new Hono();
    app.use(
      honoCors({ origin: [ALLOWED], allowHeaders: ALLOW_HEADERS, exposeHeaders: EXPOSE_HEADERS }),
    );
    app.use(auth);
    app.post('/v1/cache/query', honoAuth.requireScopes('cache:read'), (c) => c.json({ ok: true }));
    const server = await listen(createAdaptorServer({ fetch: app.fetch }) as Server);
    return { server, close: async () => (await closing(server), await auth.close()) };
  },
};

describe.each(Object.keys(START))('CORS before the middleware: %s', (name) => {
  let store: MemoryKeyStore;
  let running: Running;
  let key: string;

  beforeEach(async () => {
    store = new MemoryKeyStore();
    key = (
      await createKeyManager({ store }).create({
        projectId: 'p',
        name: 'web',
        scopes: ['cache:read'],
      })
    ).key;
    running = await START[name]!(store);
  });

  afterEach(async () => {
    await running.close();
    await store.close();
  });

  const preflight = (origin: string) =>
    request(running.server)
      .options('/v1/cache/query')
      .set('Origin', origin)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type');

  it('a preflight from the allowed origin succeeds, without a key', async () => {
    const res = await preflight(ALLOWED);
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(res.headers['access-control-allow-headers']?.toLowerCase()).toContain('authorization');
    expect(res.headers['access-control-allow-methods']).toContain('POST');
  });

  it('a preflight from another origin is not allowed', async () => {
    const res = await preflight(OTHER);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('the real request is still authenticated: 401 without a key, readable by the page', async () => {
    const res = await request(running.server)
      .post('/v1/cache/query')
      .set('Origin', ALLOWED)
      .send({ prompt: 'hello' });
    expect(res.status).toBe(401);
    expect(res.text).toBe('{"detail":"Invalid or missing API key"}');
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(res.headers['access-control-expose-headers']?.toLowerCase()).toContain(
      'www-authenticate',
    );
  });

  it('the real request with a key passes, with the CORS headers', async () => {
    const res = await request(running.server)
      .post('/v1/cache/query')
      .set('Origin', ALLOWED)
      .set('Authorization', `Bearer ${key}`)
      .send({ prompt: 'hello' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
  });
});

describe('why the order matters', () => {
  it('a CORS handler after the middleware never sees the preflight: 401, and the browser gives up', async () => {
    const store = new MemoryKeyStore();
    const auth = expressAuth.vectorcacheAuth({ store });
    const app = express();
    app.use(auth);
    app.use(cors({ origin: [ALLOWED], allowedHeaders: ALLOW_HEADERS }));
    const res = await request(app)
      .options('/v1/cache/query')
      .set('Origin', ALLOWED)
      .set('Access-Control-Request-Method', 'POST');
    expect(res.status).toBe(401);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    await auth.close();
  });

  it('`skip` for OPTIONS lets a CORS handler placed after the middleware answer preflights', async () => {
    const store = new MemoryKeyStore();
    const auth = expressAuth.vectorcacheAuth({ store, skip: (req) => req.method === 'OPTIONS' });
    const app = express();
    app.use(auth);
    app.use(cors({ origin: [ALLOWED], allowedHeaders: ALLOW_HEADERS }));
    app.post('/v1/cache/query', (_req, res) => {
      res.json({ ok: true });
    });
    const preflight = await request(app)
      .options('/v1/cache/query')
      .set('Origin', ALLOWED)
      .set('Access-Control-Request-Method', 'POST');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(ALLOWED);
    const real = await request(app).post('/v1/cache/query').set('Origin', ALLOWED);
    expect(real.status).toBe(401);
    await auth.close();
  });
});
