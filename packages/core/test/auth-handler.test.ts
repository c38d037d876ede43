import { createAuthHandler, createScopeGuard } from '../src/http/auth-handler';
import { readAuthorizationHeader } from '../src/http/request-headers';
import { createKeyManager } from '../src/keys/key-manager';
import { MemoryKeyStore } from '../src/stores/memory-store';
import type { AuthEvent } from '../src/types';
import { createVerifier } from '../src/verify/verifier';

interface FakeReq {
  url: string;
  tenant?: string;
}

describe('createAuthHandler', () => {
  const store = new MemoryKeyStore();
  const keys = createKeyManager({ store });
  let key: string;
  beforeAll(async () => {
    key = (await keys.create({ projectId: 'acme', name: 'n', scopes: ['cache:read'] })).key;
  });

  it('allows, skips and denies with the exact answer', async () => {
    const handler = createAuthHandler<FakeReq>({ store, skip: (req) => req.url === '/health' });
    expect(await handler.decide({ url: '/health' }, undefined)).toEqual({ action: 'skip' });
    const allowed = await handler.decide({ url: '/x' }, `Bearer ${key}`);
    expect(allowed).toMatchObject({ action: 'allow', principal: { projectId: 'acme' } });
    expect(await handler.decide({ url: '/x' }, undefined)).toEqual({
      action: 'deny',
      status: 401,
      body: '{"detail":"Invalid or missing API key"}',
      headers: {
        'content-type': 'application/json',
        'www-authenticate': 'Bearer realm="vectorcache"',
      },
    });
    await handler.close();
  });

  it('decide() is synchronous for a cached key and a bad header, a promise otherwise, and never throws', async () => {
    const handler = createAuthHandler<FakeReq>({ store });
    const first = handler.decide({ url: '/' }, `Bearer ${key}`);
    expect(first).toBeInstanceOf(Promise); // the store must be read once
    expect(await first).toMatchObject({ action: 'allow' });
    expect(handler.decide({ url: '/' }, `Bearer ${key}`)).toMatchObject({ action: 'allow' });
    expect(handler.decide({ url: '/' }, 'Basic x')).toMatchObject({ action: 'deny', status: 401 });
    const asyncSkip = createAuthHandler<FakeReq>({ store, skip: async () => true });
    expect(await asyncSkip.decide({ url: '/' }, undefined)).toEqual({ action: 'skip' });
    const throwing = createAuthHandler<FakeReq>({
      store,
      skip: () => {
        throw new Error('skip bug');
      },
    });
    const decided = throwing.decide({ url: '/' }, undefined);
    await expect(decided).rejects.toThrow('skip bug');
  });

  it('resolves the project from a function of the request', async () => {
    const handler = createAuthHandler<FakeReq>({ store, projectId: (req) => req.tenant });
    expect((await handler.decide({ url: '/', tenant: 'acme' }, `Bearer ${key}`)).action).toBe(
      'allow',
    );
    const denied = await handler.decide({ url: '/', tenant: 'other' }, `Bearer ${key}`);
    expect(denied).toMatchObject({ action: 'deny', status: 403 });
  });

  it('requires the configured scopes', async () => {
    const handler = createAuthHandler<FakeReq>({ store, scopes: ['cache:write'] });
    expect(await handler.decide({ url: '/' }, `Bearer ${key}`)).toMatchObject({
      action: 'deny',
      status: 403,
      body: '{"detail":"API key does not have the required scope: cache:write"}',
    });
  });

  it('lets onFailure customise the answer, and keeps the default when the hook throws', async () => {
    const custom = createAuthHandler<FakeReq>({
      store,
      onFailure: (failure) => ({
        status: 418,
        body: { error: failure.reason },
        headers: { 'X-Why': 'test' },
      }),
    });
    expect(await custom.decide({ url: '/' }, 'Basic x')).toEqual({
      action: 'deny',
      status: 418,
      body: '{"error":"malformed"}',
      headers: {
        'content-type': 'application/json',
        'www-authenticate': 'Bearer realm="vectorcache", error="invalid_request"',
        'x-why': 'test',
      },
    });
    const broken = createAuthHandler<FakeReq>({
      store,
      onFailure: () => {
        throw new Error('hook bug');
      },
    });
    expect(await broken.decide({ url: '/' }, 'Basic x')).toMatchObject({ status: 401 });
  });

  it('a skip or projectId function may answer through a promise; false skips nothing', async () => {
    const noSkip = createAuthHandler<FakeReq>({ store, skip: async () => false });
    expect(await noSkip.decide({ url: '/' }, undefined)).toMatchObject({
      action: 'deny',
      status: 401,
    });
    expect(await noSkip.decide({ url: '/' }, `Bearer ${key}`)).toMatchObject({ action: 'allow' });
    const tenant = createAuthHandler<FakeReq>({
      store,
      projectId: async (req) => Promise.resolve(req.tenant),
    });
    expect(await tenant.decide({ url: '/', tenant: 'acme' }, `Bearer ${key}`)).toMatchObject({
      action: 'allow',
    });
    expect(await tenant.decide({ url: '/', tenant: 'other' }, `Bearer ${key}`)).toMatchObject({
      action: 'deny',
      status: 403,
    });
    await Promise.all([noSkip.close(), tenant.close()]);
  });

  it('a null source (a JavaScript caller) is read as no header, never a throw', async () => {
    const handler = createAuthHandler<FakeReq>({ store });
    // Settled at once, as any missing header is; a throw would make it a rejected promise.
    const decided = handler.decide({ url: '/' }, null as never);
    expect(decided).not.toBeInstanceOf(Promise);
    expect(await decided).toMatchObject({ action: 'deny', status: 401 });
    await handler.close();
  });

  it('closes the verifier it built (pending usage written), never a shared one (its feed stays)', async () => {
    const own = new MemoryKeyStore();
    const created = await createKeyManager({ store: own }).create({ projectId: 'p', name: 'n' });
    const ownKey = created.key;
    const built = createAuthHandler<FakeReq>({ store: own });
    expect(await built.decide({ url: '/' }, `Bearer ${ownKey}`)).toMatchObject({ action: 'allow' });
    await built.close();
    expect((await own.get(created.record.id))?.requestCount).toBe(1);

    const shared = createVerifier({ store: own });
    const handler = createAuthHandler<FakeReq>({ verifier: shared });
    expect(await handler.decide({ url: '/' }, `Bearer ${ownKey}`)).toMatchObject({
      action: 'allow',
    });
    await handler.close();
    // Still subscribed to the store's changes: a revocation is seen at once.
    await createKeyManager({ store: own }).revoke(created.record.id);
    expect(await shared.verify(`Bearer ${ownKey}`)).toMatchObject({ ok: false, reason: 'revoked' });
    await shared.close();
  });

  it('shares a verifier and does not close it', async () => {
    const verifier = createVerifier({ store });
    const a = createAuthHandler<FakeReq>({ verifier });
    const b = createAuthHandler<FakeReq>({ verifier });
    expect(a.verifier).toBe(b.verifier);
    await a.close();
    expect((await b.decide({ url: '/' }, `Bearer ${key}`)).action).toBe('allow');
    await verifier.close();
  });

  it.each([
    [
      { store: new MemoryKeyStore(), verifier: createVerifier({ store: new MemoryKeyStore() }) },
      /either `store` or `verifier`/,
    ],
    [{ projectId: 42 }, /projectId must be/],
    [{ projectId: '' }, /projectId must be/],
    [{ scopes: ['Cache:Read'] }, /Invalid `scopes` option.*"Cache:Read"/],
    [{ scopeMode: 'some' }, /scopeMode must be "all" or "any"/],
    [{ skip: true }, /skip must be a function/],
    [{ onFailure: 'x' }, /onFailure must be a function/],
    [{ store: {} }, /`store` must implement KeyStore/],
    ['nope', /takes an object/],
  ])('validates options up front: %p', (options, message) => {
    expect(() => createAuthHandler(options as never)).toThrow(message);
  });

  it('never mutates the caller options', () => {
    const options = Object.freeze({ store, scopes: Object.freeze(['cache:read']) });
    const copy = JSON.stringify(options);
    createAuthHandler(options);
    expect(JSON.stringify(options)).toBe(copy);
  });
});

describe('createScopeGuard', () => {
  const principal = {
    keyId: 'key_1',
    projectId: 'p',
    name: 'n',
    prefix: 'vc_1234',
    scopes: ['cache:read'],
    environment: null,
    ownerId: null,
    meta: null,
  };

  it('allows, denies with the missing scopes, and answers 401 without a principal', () => {
    const guard = createScopeGuard<unknown>(['cache:read']);
    expect(guard({}, principal)).toEqual({ action: 'allow', principal });
    const write = createScopeGuard<unknown>(['cache:write', 'keys:manage']);
    expect(write({}, principal)).toMatchObject({
      action: 'deny',
      status: 403,
      headers: {
        'www-authenticate':
          'Bearer realm="vectorcache", error="insufficient_scope", scope="cache:write keys:manage"',
      },
    });
    expect(write({}, undefined)).toMatchObject({ action: 'deny', status: 401 });
    expect(
      createScopeGuard<unknown>(['cache:write', 'cache:read'], { mode: 'any' })({}, principal)
        .action,
    ).toBe('allow');
  });

  it('refuses bad scopes when built', () => {
    expect(() => createScopeGuard(['cache'])).toThrow(/"cache"/);
    expect(() => createScopeGuard([])).toThrow(/at least one scope/);
  });
});

describe('readAuthorizationHeader', () => {
  it('returns the header, or every value when it was sent twice', () => {
    expect(
      readAuthorizationHeader({
        headers: { authorization: 'Bearer a' },
        rawHeaders: ['Authorization', 'Bearer a'],
      }),
    ).toBe('Bearer a');
    expect(
      readAuthorizationHeader({
        headers: { authorization: 'Bearer a' },
        rawHeaders: ['authorization', 'Bearer a', 'Host', 'x', 'AUTHORIZATION', 'Bearer b'],
      }),
    ).toEqual(['Bearer a', 'Bearer b']);
    expect(readAuthorizationHeader({ headers: {} })).toBeUndefined();
  });
});

describe('a projectId function that gives no project fails closed', () => {
  it.each<[string, (req: FakeReq) => string | undefined | Promise<string | undefined>]>([
    ['returns undefined', () => undefined],
    ['returns an empty string', () => ''],
    [
      'throws',
      () => {
        throw new Error('no tenant');
      },
    ],
    ['resolves to undefined', async () => undefined],
    ['rejects', async () => Promise.reject(new Error('no tenant'))],
  ])(
    '%s: the project 403 for a valid key, and an event saying the project was unknown',
    async (_, projectId) => {
      const store = new MemoryKeyStore();
      const { key } = await createKeyManager({ store }).create({ projectId: 'acme', name: 'n' });
      const events: AuthEvent[] = [];
      const handler = createAuthHandler<FakeReq>({
        store,
        projectId,
        onEvent: (event) => void events.push(event),
      });
      const denied = await handler.decide({ url: '/' }, `Bearer ${key}`);
      expect(denied).toMatchObject({
        action: 'deny',
        status: 403,
        body: '{"detail":"API key does not have permission to access this project"}',
      });
      expect(events).toContainEqual(
        expect.objectContaining({ type: 'rejected', reason: 'wrong_project', projectId: 'acme' }),
      );
      expect(events).toContainEqual({
        type: 'hook_error',
        hook: 'projectId',
        detail: expect.stringMatching(
          /^projectId (returned|threw).*the route's project is unknown/,
        ),
      });
      // An unknown key is still the 401 it always is.
      const unknown = await handler.decide({ url: '/' }, `Bearer vc_${'0'.repeat(32)}`);
      expect(unknown).toMatchObject({ action: 'deny', status: 401 });
      await handler.close();
    },
  );
});
