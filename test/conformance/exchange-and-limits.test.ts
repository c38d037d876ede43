import {
  createKeyManager,
  createTokenIssuer,
  createVerifier,
  MemoryKeyStore,
  type KeyStore,
} from '@vectorcache/auth-core';
import { type AuthOptions } from '@vectorcache/auth-core/adapter';
import request from 'supertest';
import {
  ADAPTERS as DRIVERS,
  type AdapterApp,
  type AdapterName,
  type TestRoute,
} from '../../test-utils/adapter-apps';

const ADAPTERS: readonly AdapterName[] = DRIVERS.map((driver) => driver.name);
const SECRET = 'exchange-test-secret-with-at-least-32-bytes';
const issuer = createTokenIssuer({ key: SECRET, issuer: 'vc-test', audience: 'vc-test', ttl: 120 });

type Options = AuthOptions<unknown>;

const ROUTES: readonly TestRoute[] = [
  { path: '/read', scopes: ['cache:read'], answer: () => ({ ok: true }) },
  { path: '/write', scopes: ['cache:write'], answer: () => ({ ok: true }) },
];

/** One app per adapter: token exchange, a read route and a write route. */
function start(adapter: AdapterName, options: Options): Promise<AdapterApp> {
  const driver = DRIVERS.find((d) => d.name === adapter)!;
  return driver.serve({
    auth: options as Record<string, unknown>,
    routes: ROUTES,
    exchange: issuer,
  });
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
    const exchanged = await request(app.url)
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
    await request(app.url).get('/read').set('Authorization', `Bearer ${token}`).expect(200);
    const forbidden = await request(app.url)
      .get('/write')
      .set('Authorization', `Bearer ${token}`)
      .expect(403);
    expect(forbidden.text).toBe(
      '{"detail":"API key does not have the required scope: cache:write"}',
    );
    // A token cannot mint tokens.
    await request(app.url)
      .post('/v1/auth/token')
      .set('Authorization', `Bearer ${token}`)
      .send({})
      .expect(401);
    // More scopes than the key has: 403.
    await request(app.url)
      .post('/v1/auth/token')
      .set('Authorization', `Bearer ${key}`)
      .send({ scope: 'keys:manage' })
      .expect(403);
    await keys.revoke(record.id);
    const after = await request(app.url)
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
          await request(app.url)
            .get('/read')
            .set(from('203.0.113.50'))
            .set('Authorization', `Bearer vc_${'0'.repeat(31)}${i}`)
            .expect(401);
        }
        const limited = await request(app.url)
          .get('/read')
          .set(from('203.0.113.50'))
          .set('Authorization', `Bearer ${key}`)
          .expect(429);
        expect(limited.headers['retry-after']).toBe('60');
        expect(limited.headers['content-type']).toBe('application/json');
        bodies.push(limited.text);
        // Another client behind the same proxy is not affected.
        await request(app.url)
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

  it.each(ADAPTERS)(
    '%s: a shared verifier built with attemptLimit limits too (the adapter passes the address)',
    async (adapter) => {
      const store = new MemoryKeyStore();
      const { key } = await createKeyManager({ store }).create({ projectId: 'p', name: 'n' });
      const verifier = createVerifier({ store, attemptLimit: { max: 2, windowMs: 60_000 } });
      const app = await start(adapter, { verifier });
      try {
        for (let i = 0; i < 2; i++) {
          await request(app.url)
            .get('/read')
            .set('Authorization', `Bearer vc_${'3'.repeat(31)}${i}`)
            .expect(401);
        }
        const limited = await request(app.url)
          .get('/read')
          .set('Authorization', `Bearer ${key}`)
          .expect(429);
        expect(limited.headers['retry-after']).toBe('60');
      } finally {
        await app.close();
        await verifier.close();
      }
    },
  );

  it('without a trusted proxy, X-Forwarded-For is ignored (a client cannot dodge the limit)', async () => {
    const store = new MemoryKeyStore();
    const app = await start('express', { store, attemptLimit: { max: 2 } });
    try {
      for (let i = 0; i < 2; i++) {
        await request(app.url)
          .get('/read')
          .set('X-Forwarded-For', `10.9.9.${i}`)
          .set('Authorization', `Bearer vc_${'1'.repeat(32)}`);
      }
      await request(app.url)
        .get('/read')
        .set('X-Forwarded-For', '10.9.9.99')
        .set('Authorization', `Bearer vc_${'2'.repeat(32)}`)
        .expect(429);
    } finally {
      await app.close();
    }
  });
});
