import { createKeyManager, MemoryKeyStore } from '@vectorcache/auth-core';
import * as expressAuth from '@vectorcache/auth-express';
import cors from 'cors';
import express from 'express';
import request from 'supertest';
import {
  ADAPTERS,
  type AdapterApp,
  type CorsSpec,
  type TestRoute,
} from '../../test-utils/adapter-apps';

// The README's "Browsers (CORS)" section, run: each framework's maintained CORS handler placed
// before the middleware answers preflights (OPTIONS, which never carry Authorization), while the
// real requests are still authenticated, and carry the CORS headers so the page can read a 401.

const ALLOWED = 'https://app.example.com';
const OTHER = 'https://evil.example.net';
// Browsers send Authorization only when the preflight allows it; scripts read the challenge only
// when it is exposed.
const ALLOW_HEADERS = ['Authorization', 'Content-Type'];
const EXPOSE_HEADERS = ['WWW-Authenticate', 'Retry-After'];

const CORS: CorsSpec = {
  origin: ALLOWED,
  allowHeaders: ALLOW_HEADERS,
  exposeHeaders: EXPOSE_HEADERS,
};

const QUERY: TestRoute = {
  method: 'POST',
  path: '/v1/cache/query',
  scopes: ['cache:read'],
  answer: () => ({ ok: true }),
};

describe.each(ADAPTERS)('CORS before the middleware: $name', (adapter) => {
  let store: MemoryKeyStore;
  let running: AdapterApp;
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
    running = await adapter.serve({ auth: { store }, routes: [QUERY], cors: CORS });
  });

  afterEach(async () => {
    await running.close();
    await store.close();
  });

  const preflight = (origin: string) =>
    request(running.url)
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
    const res = await request(running.url)
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
    const res = await request(running.url)
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
