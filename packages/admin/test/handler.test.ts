import {
  createKeyManager,
  createVerifier,
  MemoryKeyStore,
  type KeyStore,
} from '@vectorcache/auth-core';
import { createAdminHandler, openApiDocument } from '../src/index';
import { readLimited } from '../src/node';
import { PassThrough } from 'node:stream';

const SECRET = 'redis://admin:hunter2@10.0.0.7';

async function managed(store: KeyStore = new MemoryKeyStore()) {
  const { key } = await createKeyManager({ store }).create({
    projectId: 'p',
    name: 'manager',
    scopes: ['keys:manage', 'analytics:read', 'cache:*'],
  });
  return { store, key, headers: { authorization: `Bearer ${key}` } };
}

describe('createAdminHandler', () => {
  it('answers 503 with Retry-After when the store fails after authentication, never its message', async () => {
    const { store, headers } = await managed();
    const admin = createAdminHandler({ store, storeTimeoutMs: 100 });
    store.list = async () => {
      throw new Error(`connection refused: ${SECRET}`);
    };
    const failed = await admin.handle({ method: 'GET', path: '/v1/keys', headers });
    expect(failed).toEqual({
      status: 503,
      headers: {
        'content-type': 'application/json',
        'cache-control': 'no-store',
        'retry-after': '1',
      },
      body: '{"detail":"Key store unavailable"}',
    });
    store.list = () => new Promise(() => undefined); // hangs
    expect((await admin.handle({ method: 'GET', path: '/v1/keys', headers })).status).toBe(503);
    await admin.close();
  });

  it('answers the verifier 503 (no-store) when the store is down before authentication', async () => {
    const store = new MemoryKeyStore();
    store.findByHash = async () => {
      throw new Error(SECRET);
    };
    const admin = createAdminHandler({ store });
    const answer = await admin.handle({
      method: 'GET',
      path: '/v1/keys',
      headers: { authorization: `Bearer vc_${'a'.repeat(32)}` },
    });
    expect(answer).toEqual({
      status: 503,
      headers: {
        'content-type': 'application/json',
        'cache-control': 'no-store',
        'retry-after': '1',
      },
      body: '{"detail":"Authentication service unavailable"}',
    });
    await admin.close();
  });

  it('requires the configured project of every caller (VECTORCACHE_PROJECT_ID or projectId)', async () => {
    const { store, headers } = await managed();
    const admin = createAdminHandler({ store, projectId: 'another' });
    const answer = await admin.handle({ method: 'GET', path: '/v1/keys', headers });
    expect(answer.status).toBe(403);
    expect(answer.body).toBe(
      '{"detail":"API key does not have permission to access this project"}',
    );
    await admin.close();
  });

  it('answers 501 for analytics and audit on a store without them', async () => {
    const { store, headers } = await managed();
    const bare = Object.assign(Object.create(store) as KeyStore, {
      readUsage: undefined,
      listAudit: undefined,
    });
    const admin = createAdminHandler({ verifier: createVerifier({ store: bare }) });
    const usage = await admin.handle({ method: 'GET', path: '/v1/analytics/usage', headers });
    expect(usage).toMatchObject({
      status: 501,
      body: '{"detail":"This key store keeps no usage analytics"}',
    });
    const audit = await admin.handle({ method: 'GET', path: '/v1/audit', headers });
    expect(audit).toMatchObject({
      status: 501,
      body: '{"detail":"This key store keeps no audit list"}',
    });
    await admin.verifier.close();
  });

  it("refuses scopes outside the verifier's scope vocabulary, and key-shaped ids without echo", async () => {
    const { store, key, headers } = await managed();
    const verifier = createVerifier({
      store,
      allowedScopes: ['cache:read', 'cache:write', 'analytics:read', 'keys:manage'],
    });
    const admin = createAdminHandler({ verifier });
    const create = (scopes: string[]) =>
      admin.handle({
        method: 'POST',
        path: '/v1/keys',
        headers: { ...headers, 'content-type': 'application/json' },
        body: { kind: 'bytes', bytes: JSON.stringify({ name: 'n', scopes }) },
      });
    const refused = await create(['cache:read', 'cache:raed']);
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.body)).toEqual({
      detail: expect.stringMatching(/^Scope "cache:raed" is not one of this service's scopes/),
    });
    expect((await create(['cache:read'])).status).toBe(201);
    for (const id of [key, key.toUpperCase()]) {
      const answer = await admin.handle({ method: 'GET', path: `/v1/keys/${id}`, headers });
      expect(answer.status).toBe(404);
      expect(answer.body.toLowerCase()).not.toContain(key.slice(3));
    }
    await admin.close();
    await verifier.close();
  });

  it('checks its options once, with messages that say what to change', () => {
    const store = new MemoryKeyStore();
    expect(() => createAdminHandler({ store, verifier: createVerifier({ store }) })).toThrow(
      /either `store` or `verifier`/,
    );
    expect(() => createAdminHandler({ verifier: {} as never })).toThrow(/createVerifier/);
    expect(() => createAdminHandler({ store, projectId: '' })).toThrow(/projectId/);
    expect(() => createAdminHandler({ store, storeTimeoutMs: 0 })).toThrow(/storeTimeoutMs/);
  });

  it('marks keys older than rotationPeriod (or VECTORCACHE_ROTATION_PERIOD, else 90 days) as due', async () => {
    const store = new MemoryKeyStore();
    const twoDaysAgo = Date.now() - 2 * 86_400_000;
    const { key } = await createKeyManager({ store, now: () => twoDaysAgo }).create({
      projectId: 'p',
      name: 'old manager',
      scopes: ['keys:manage'],
    });
    const headers = { authorization: `Bearer ${key}` };
    const dueOf = async (options: Parameters<typeof createAdminHandler>[0]) => {
      const admin = createAdminHandler({ store, ...options });
      const answer = await admin.handle({ method: 'GET', path: '/v1/keys', headers });
      await admin.close();
      return (JSON.parse(answer.body) as { keys: Array<{ rotationDue: boolean }> }).keys[0]!
        .rotationDue;
    };
    const saved = process.env.VECTORCACHE_ROTATION_PERIOD;
    try {
      delete process.env.VECTORCACHE_ROTATION_PERIOD;
      expect(await dueOf({})).toBe(false);
      expect(await dueOf({ rotationPeriod: '1d' })).toBe(true);
      expect(await dueOf({ rotationPeriod: '3d' })).toBe(false);
      process.env.VECTORCACHE_ROTATION_PERIOD = '36h';
      expect(await dueOf({})).toBe(true);
      expect(await dueOf({ rotationPeriod: '90d' })).toBe(false);
      process.env.VECTORCACHE_ROTATION_PERIOD = '0s';
      expect(() => createAdminHandler({ store })).toThrow(/"0s"/);
    } finally {
      if (saved === undefined) delete process.env.VECTORCACHE_ROTATION_PERIOD;
      else process.env.VECTORCACHE_ROTATION_PERIOD = saved;
    }
    expect(() => createAdminHandler({ store, rotationPeriod: 500 })).toThrow(
      /Invalid rotationPeriod 500: give a duration of at least 1s/,
    );
  });

  it('serves a fresh copy of the OpenAPI document', () => {
    const doc = openApiDocument() as { info: { title: string } };
    doc.info.title = 'changed';
    expect((openApiDocument() as { info: { title: string } }).info.title).not.toBe('changed');
  });
});

describe('readLimited', () => {
  it('reads a body up to the limit, and stops with null one byte past it', async () => {
    const small = new PassThrough();
    const read = readLimited(small, 10);
    small.end('0123456789');
    expect(Buffer.from((await read)!).toString()).toBe('0123456789');
    const big = new PassThrough();
    const tooBig = readLimited(big, 10);
    big.write('0123456789');
    big.end('x');
    expect(await tooBig).toBeNull();
  });
});
