import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK } from 'jose';
import { createTokenIssuer } from '../src/jwt/token-issuer';
import { createKeyManager } from '../src/keys/key-manager';
import { MemoryKeyStore } from '../src/stores/memory-store';
import { VectorcacheAuthError } from '../src/errors';
import { createTokenExchange, isJwtPrincipal } from '../src/jwt/token-exchange';
import type { Principal, VerifyResult } from '../src/types';
import { createVerifier } from '../src/verify/verifier';
import { boundByKeyScopes, createJwtChecker, type JwtCheck } from '../src/jwt/jwt';
import type { JwtOptions } from '../src/jwt/jwt-keys';
import { markJwtPrincipal } from '../src/jwt/token-exchange';
import { PLAINTEXT_KEY } from './fixtures';

const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';
const ISS = 'https://issuer.test';
const AUD = 'vectorcache-api';
const now = (): number => Math.floor(Date.now() / 1000);

const b64 = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

function sign(
  key: KeyObject | Uint8Array,
  alg: string,
  claims: Record<string, unknown> = {},
  options: { exp?: number | null; iss?: string; aud?: string; kid?: string } = {},
): Promise<string> {
  const jwt = new SignJWT({ project_id: 'proj_a', scope: 'cache:read', ...claims })
    .setProtectedHeader({ alg, ...(options.kid ? { kid: options.kid } : {}) })
    .setSubject('user_1')
    .setIssuer(options.iss ?? ISS)
    .setAudience(options.aud ?? AUD)
    .setIssuedAt();
  if (options.exp !== null) jwt.setExpirationTime(options.exp ?? now() + 60);
  return jwt.sign(key);
}

const reasonOf = (r: VerifyResult): string => (r.ok ? 'ok' : r.reason);
const secretBytes = new TextEncoder().encode(SECRET);

describe('JWTs through the verifier', () => {
  const store = new MemoryKeyStore();
  const hsVerifier = createVerifier({
    store,
    jwt: { key: SECRET, algorithms: ['HS256'], issuer: ISS, audience: AUD },
  });
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rsVerifier = createVerifier({
    store,
    jwt: { key: rsa.publicKey, algorithms: ['RS256'], issuer: ISS, audience: AUD },
  });
  afterAll(async () => {
    await hsVerifier.close();
    await rsVerifier.close();
  });

  it('accepts a valid token and maps its claims to the principal', async () => {
    const token = await sign(secretBytes, 'HS256', { scope: 'cache:read analytics:read' });
    const result = await hsVerifier.verify(`Bearer ${token}`, {
      projectId: 'proj_a',
      scopes: ['cache:read'],
    });
    expect(result.ok && result.principal).toEqual({
      keyId: 'user_1',
      projectId: 'proj_a',
      name: 'user_1',
      prefix: '',
      scopes: ['cache:read', 'analytics:read'],
      environment: null,
      ownerId: null,
      meta: null,
    });
    const scp = await sign(secretBytes, 'HS256', { scope: undefined, scp: ['cache:write'] });
    const viaScp = await hsVerifier.verify(`Bearer ${scp}`, { scopes: ['cache:write'] });
    expect(viaScp.ok).toBe(true);
  });

  it('answers projects and scopes exactly as for keys', async () => {
    const token = await sign(secretBytes, 'HS256');
    const wrong = await hsVerifier.verify(`Bearer ${token}`, { projectId: 'proj_b' });
    expect(!wrong.ok && [wrong.status, wrong.reason]).toEqual([403, 'wrong_project']);
    const scope = await hsVerifier.verify(`Bearer ${token}`, { scopes: ['cache:write'] });
    expect(!scope.ok && [scope.status, scope.body]).toEqual([
      403,
      '{"detail":"API key does not have the required scope: cache:write"}',
    ]);
  });

  it('refuses a token issued more than 60 s in the future; 60 s of clock skew pass', async () => {
    const at = async (iat: number): Promise<string> => {
      const token = new SignJWT({ project_id: 'proj_a', scope: 'cache:read' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('user_1')
        .setIssuer(ISS)
        .setAudience(AUD)
        .setIssuedAt(iat)
        .setExpirationTime(iat + 3600);
      return reasonOf(await hsVerifier.verify(`Bearer ${await token.sign(secretBytes)}`));
    };
    expect(await at(now() + 55)).toBe('ok');
    expect(await at(now() + 65)).toBe('unknown');
    expect(await at(now() + 86_400)).toBe('unknown');
  });

  it('refuses alg "none", with or without a signature part', async () => {
    const header = b64({ alg: 'none', typ: 'JWT' });
    const payload = b64({ sub: 'x', project_id: 'proj_a', iss: ISS, aud: AUD, exp: now() + 60 });
    for (const token of [`${header}.${payload}.`, `${header}.${payload}.c2ln`]) {
      const result = await hsVerifier.verify(`Bearer ${token}`);
      expect(!result.ok && [result.status, result.headers['www-authenticate']]).toEqual([
        401,
        'Bearer realm="vectorcache", error="invalid_token"',
      ]);
    }
  });

  it('refuses HS/RS algorithm confusion (the public key used as an HMAC secret)', async () => {
    const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const forged = await sign(new TextEncoder().encode(pem), 'HS256');
    expect(reasonOf(await rsVerifier.verify(`Bearer ${forged}`))).toBe('unknown');
    const genuine = await sign(rsa.privateKey, 'RS256');
    expect(reasonOf(await rsVerifier.verify(`Bearer ${genuine}`))).toBe('ok');
    expect(() =>
      createVerifier({ store, jwt: { key: pem, algorithms: ['RS256', 'HS256'] } }),
    ).toThrow(/algorithm confusion/);
    expect(() => createVerifier({ store, jwt: { key: SECRET, algorithms: ['RS256'] } })).toThrow(
      /only HS256/,
    );
  });

  it('refuses a token without exp, with the wrong issuer or audience, or expired', async () => {
    const cases: Array<[string, Promise<string>, string]> = [
      ['no exp', sign(secretBytes, 'HS256', {}, { exp: null }), 'unknown'],
      ['wrong issuer', sign(secretBytes, 'HS256', {}, { iss: 'https://evil.test' }), 'unknown'],
      ['wrong audience', sign(secretBytes, 'HS256', {}, { aud: 'other' }), 'unknown'],
      ['expired', sign(secretBytes, 'HS256', {}, { exp: now() - 60 }), 'expired'],
      ['wrong secret', sign(new TextEncoder().encode(`${SECRET}x`), 'HS256'), 'unknown'],
      ['no project', sign(secretBytes, 'HS256', { project_id: undefined }), 'unknown'],
    ];
    for (const [name, token, reason] of cases) {
      const result = await hsVerifier.verify(`Bearer ${await token}`);
      expect([name, reasonOf(result)]).toEqual([name, reason]);
      expect(!result.ok && result.body).toBe('{"detail":"Invalid or missing API key"}');
    }
  });

  it('a bearer token that is neither a key nor a JWT gets the invalid_token answer', async () => {
    const result = await hsVerifier.verify('Bearer not-a-key-nor-a-jwt');
    expect(!result.ok && [result.status, result.reason]).toEqual([401, 'invalid_format']);
  });

  it.each([
    [{ key: SECRET }, /algorithms is required/],
    [{ key: SECRET, algorithms: ['none'] }, /"none" is not supported/],
    [{ key: 'short', algorithms: ['HS256'] }, /at least 32 bytes/],
    [{ key: 'https://idp.test/jwks', algorithms: ['HS256'] }, /must not list HS/],
  ])('validates jwt options: %j', (jwt, message) => {
    expect(() => createVerifier({ store, jwt: jwt as never })).toThrow(message);
  });
});

describe('JWKS', () => {
  let server: Server;
  let url: string;
  let served: object[] = [];
  const a = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const b = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const stray = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = async (key: KeyObject, kid: string): Promise<object> => ({
    ...(await exportJWK(key)),
    kid,
    alg: 'ES256',
    use: 'sig',
  });

  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: served }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('accepts keys of the JWKS, refuses others, follows a rotation, and fails closed when it is down', async () => {
    served = [await jwk(a.publicKey, 'a')];
    const verifier = createVerifier({
      store: new MemoryKeyStore(),
      jwt: { key: url, algorithms: ['ES256'], issuer: ISS, audience: AUD, jwksCooldownMs: 1 },
    });
    const tokenA = await sign(a.privateKey, 'ES256', {}, { kid: 'a' });
    expect(reasonOf(await verifier.verify(`Bearer ${tokenA}`))).toBe('ok');
    const strayToken = await sign(stray.privateKey, 'ES256', {}, { kid: 'stray' });
    expect(reasonOf(await verifier.verify(`Bearer ${strayToken}`))).toBe('unknown');
    const impostor = await sign(stray.privateKey, 'ES256', {}, { kid: 'a' });
    expect(reasonOf(await verifier.verify(`Bearer ${impostor}`))).toBe('unknown');

    served = [await jwk(b.publicKey, 'b')]; // rotation: a retired, b introduced
    await new Promise((r) => setTimeout(r, 5));
    const tokenB = await sign(b.privateKey, 'ES256', {}, { kid: 'b' });
    expect(reasonOf(await verifier.verify(`Bearer ${tokenB}`))).toBe('ok');
    expect(reasonOf(await verifier.verify(`Bearer ${tokenA}`))).toBe('unknown');

    const down = createVerifier({
      store: new MemoryKeyStore(),
      jwt: { key: 'http://127.0.0.1:1/jwks.json', algorithms: ['ES256'], jwksTimeoutMs: 500 },
    });
    expect(reasonOf(await down.verify(`Bearer ${tokenB}`))).toBe('store_unavailable');
    await Promise.all([verifier.close(), down.close()]);
  });
});

describe('key-for-token exchange', () => {
  const store = new MemoryKeyStore();
  const keys = createKeyManager({ store });
  const issuer = createTokenIssuer({ key: SECRET, issuer: ISS, audience: AUD, ttl: 300 });
  const verifier = createVerifier({ store, jwt: issuer.jwtOptions });
  const exchange = createTokenExchange(issuer);
  afterAll(() => verifier.close());

  async function principalFor(
    scopes: string[],
  ): Promise<{ key: string; id: string; principal: Principal }> {
    const { key, record } = await keys.create({ projectId: 'proj_a', name: 'svc', scopes });
    const result = await verifier.verify(`Bearer ${key}`);
    if (!result.ok) throw new Error('setup');
    return { key, id: record.id, principal: result.principal };
  }

  it('key -> token -> 200 within its scopes, 403 outside, 401 once the key is revoked', async () => {
    const { key, id, principal } = await principalFor(['cache:*', 'analytics:read']);
    const answer = await exchange(principal, 'cache:read');
    expect(answer.status).toBe(200);
    expect(answer.headers['cache-control']).toBe('no-store');
    const body = JSON.parse(answer.body) as {
      access_token: string;
      expires_in: number;
      scope: string;
      token_type: string;
    };
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 300, scope: 'cache:read' });
    expect(answer.body).not.toContain(key);
    const bearer = `Bearer ${body.access_token}`;
    const ok = await verifier.verify(bearer, { projectId: 'proj_a', scopes: ['cache:read'] });
    expect(ok.ok && ok.principal).toMatchObject({
      keyId: id,
      projectId: 'proj_a',
      prefix: key.slice(0, 7),
    });
    expect(reasonOf(await verifier.verify(bearer, { scopes: ['cache:write'] }))).toBe(
      'insufficient_scope',
    );
    await keys.revoke(id);
    const after = await verifier.verify(bearer);
    expect(!after.ok && [after.status, after.reason]).toEqual([401, 'revoked']);
  });

  it('a revocation reaches another instance sharing the store through the feed', async () => {
    const other = createVerifier({ store, jwt: issuer.jwtOptions });
    const { id, principal } = await principalFor(['cache:read']);
    const body = JSON.parse((await exchange(principal)).body) as { access_token: string };
    expect(reasonOf(await other.verify(`Bearer ${body.access_token}`))).toBe('ok'); // cached
    await keys.revoke(id);
    expect(reasonOf(await other.verify(`Bearer ${body.access_token}`))).toBe('revoked');
    await other.close();
  });

  it('asking for more scopes than the key has is 403; a bad scope is 400; a token cannot mint tokens', async () => {
    const { principal } = await principalFor(['cache:read']);
    const more = await exchange(principal, ['cache:read', 'keys:manage']);
    expect([more.status, more.headers['www-authenticate']]).toEqual([
      403,
      'Bearer realm="vectorcache", error="insufficient_scope", scope="keys:manage"',
    ]);
    expect((await exchange(principal, ['Cache:Read'])).status).toBe(400);
    expect((await exchange(principal, 42)).status).toBe(400);
    const token = (JSON.parse((await exchange(principal)).body) as { access_token: string })
      .access_token;
    const viaToken = await verifier.verify(`Bearer ${token}`);
    if (!viaToken.ok) throw new Error('setup');
    expect((await exchange(viaToken.principal)).status).toBe(401);
    expect((await exchange(undefined)).status).toBe(401);
  });

  it('the issuer itself refuses scopes the principal does not hold, with the 403 to send', async () => {
    const { principal } = await principalFor(['cache:read']);
    const refused = issuer.issue(principal, ['cache:read', 'cache:write', 'keys:manage']);
    await expect(refused).rejects.toBeInstanceOf(VectorcacheAuthError);
    await expect(refused).rejects.toMatchObject({
      code: 'insufficient_scope',
      answer: {
        status: 403,
        body: JSON.stringify({
          detail: 'API key does not have the required scope: cache:write, keys:manage',
        }),
        headers: {
          'www-authenticate':
            'Bearer realm="vectorcache", error="insufficient_scope", scope="cache:write keys:manage"',
        },
      },
    });
    // A wildcard held covers the scopes under it, and the default is every scope held.
    const wide = await principalFor(['cache:*']);
    expect((await issuer.issue(wide.principal, ['cache:write'])).scopes).toEqual(['cache:write']);
    expect((await issuer.issue(principal)).scopes).toEqual(['cache:read']);
  });

  it("narrowing a key's scopes narrows its live tokens, here and on another instance", async () => {
    const other = createVerifier({ store, jwt: issuer.jwtOptions });
    const { id, principal } = await principalFor(['cache:*', 'analytics:read']);
    const body = JSON.parse((await exchange(principal)).body) as { access_token: string };
    const bearer = `Bearer ${body.access_token}`;
    for (const v of [verifier, other]) {
      expect(reasonOf(await v.verify(bearer, { scopes: ['cache:write', 'analytics:read'] }))).toBe(
        'ok',
      );
    }
    await store.update(id, { scopes: ['cache:read'] });
    for (const v of [verifier, other]) {
      const read = await v.verify(bearer, { scopes: ['cache:read'] });
      expect(read.ok && [...read.principal.scopes]).toEqual(['cache:read']);
      expect(read.ok && isJwtPrincipal(read.principal)).toBe(true);
      const write = await v.verify(bearer, { scopes: ['cache:write'] });
      expect(!write.ok && [write.status, write.reason]).toEqual([403, 'insufficient_scope']);
      expect(reasonOf(await v.verify(bearer, { scopes: ['analytics:read'] }))).toBe(
        'insufficient_scope',
      );
    }
    // Widening the key again gives the token back no more than it was issued with.
    await store.update(id, { scopes: ['*'] });
    const again = await verifier.verify(bearer);
    expect(again.ok && [...again.principal.scopes]).toEqual(['cache:*', 'analytics:read']);
    expect(reasonOf(await verifier.verify(bearer, { scopes: ['keys:manage'] }))).toBe(
      'insufficient_scope',
    );
    await other.close();
  });

  it('the token carries no plaintext key', async () => {
    const { key, principal } = await principalFor(['cache:read']);
    const { access_token } = JSON.parse((await exchange(principal)).body) as {
      access_token: string;
    };
    const decoded = Buffer.from(access_token.split('.')[1]!, 'base64url').toString();
    expect(decoded).not.toMatch(PLAINTEXT_KEY);
    expect(decoded).not.toContain(key);
  });
});

describe('verified-token cache', () => {
  it('a repeated token skips the signature check but never outlives its exp (injected clock)', async () => {
    let t = Date.now();
    const store = new MemoryKeyStore();
    const verifier = createVerifier({
      store,
      now: () => t,
      jwt: { key: SECRET, algorithms: ['HS256'], issuer: ISS, audience: AUD, clockToleranceSec: 0 },
    });
    const token = await sign(secretBytes, 'HS256', {}, { exp: Math.floor(t / 1000) + 60 });
    expect(reasonOf(await verifier.verify(`Bearer ${token}`))).toBe('ok');
    expect(reasonOf(await verifier.verify(`Bearer ${token}`))).toBe('ok'); // from the cache
    t += 61_000;
    expect(reasonOf(await verifier.verify(`Bearer ${token}`))).toBe('expired');
    await verifier.close();
  });
});

describe('JWT checker edges (issue #20 survivors)', () => {
  // Whole seconds, so `iat`/`exp` land exactly on the clock's edges.
  const T0 = 1_800_000_000_000;
  const S0 = T0 / 1000;
  const HS: JwtOptions = { key: SECRET, algorithms: ['HS256'], issuer: ISS, audience: AUD };

  function token(claims: Record<string, unknown>, iat = S0, exp: number | null = S0 + 60) {
    const jwt = new SignJWT({ project_id: 'proj_a', scope: 'cache:read', ...claims })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('user_1')
      .setIssuer(ISS)
      .setAudience(AUD)
      .setIssuedAt(iat);
    if (exp !== null) jwt.setExpirationTime(exp);
    return jwt.sign(secretBytes);
  }

  /** A checker on an injected clock that counts its reads (a cache hit reads it once). */
  function checker(jwt: Record<string, unknown> = {}, start = T0) {
    const clock = { t: start, reads: 0 };
    const check = createJwtChecker({ ...HS, ...jwt } as JwtOptions, {
      max: 100,
      now: () => {
        clock.reads++;
        return clock.t;
      },
    });
    return { clock, check };
  }
  const reason = (r: JwtCheck): string => (r.ok ? 'ok' : r.reason);

  it('only a JWT-shaped token of at least 20 characters takes the JWT path', async () => {
    const verifier = createVerifier({ store: new MemoryKeyStore(), jwt: HS });
    const shaped = (length: number): string => `${'a'.repeat(length - 4)}.b.c`;
    expect(shaped(19)).toHaveLength(19);
    expect(reasonOf(await verifier.verify(`Bearer ${shaped(19)}`))).toBe('invalid_format');
    expect(reasonOf(await verifier.verify(`Bearer ${shaped(20)}`))).toBe('unknown');
    expect(reasonOf(await verifier.verify(`Bearer ${'a'.repeat(20)}`))).toBe('invalid_format');
    await verifier.close();
  });

  it.each([['a string'], [42], [null]])(
    'a jwt option that is not an object (%p) is an invalid_option',
    (jwt) => {
      const thrown = (() => {
        try {
          createJwtChecker(jwt as never);
        } catch (err) {
          return err as VectorcacheAuthError;
        }
        return undefined;
      })();
      expect(thrown).toBeInstanceOf(VectorcacheAuthError);
      expect([thrown?.code, thrown?.message]).toEqual([
        'invalid_option',
        'jwt must be an object, e.g. { key: process.env.JWT_SECRET, algorithms: ["HS256"] }.',
      ]);
    },
  );

  it('refuses a token without exp, even with a valid signature', async () => {
    const { check } = checker();
    expect(reason(await check(await token({}, S0, null)))).toBe('unknown');
    expect(reason(await check(await token({})))).toBe('ok');
  });

  it('refuses a token whose project claim is an empty string', async () => {
    const { check } = checker();
    expect(reason(await check(await token({ project_id: '' })))).toBe('unknown');
  });

  it('drops scopes that break the grammar from the principal', async () => {
    const { check } = checker();
    const result = await check(await token({ scope: 'cache:read Cache:Write! *:*' }));
    expect(result.ok && result.principal.scopes).toEqual(['cache:read']);
    const numeric = await check(await token({ scope: 42 }));
    expect(numeric.ok && numeric.principal.scopes).toEqual([]);
  });

  it('iat may be ahead by max(60 s, clockToleranceSec), exactly, and no more', async () => {
    const wide = checker({ clockToleranceSec: 120 }).check;
    expect(reason(await wide(await token({}, S0 + 120, S0 + 3600)))).toBe('ok');
    expect(reason(await wide(await token({}, S0 + 121, S0 + 3600)))).toBe('unknown');
    const narrow = checker({ clockToleranceSec: 0 }).check;
    expect(reason(await narrow(await token({}, S0 + 60, S0 + 3600)))).toBe('ok');
    expect(reason(await narrow(await token({}, S0 + 61, S0 + 3600)))).toBe('unknown');
  });

  it('a cached token is served from the cache until its exp, and refused at exp', async () => {
    const { clock, check } = checker({ clockToleranceSec: 0 });
    const jwt = await token({}, S0, S0 + 60);
    expect(reason(await check(jwt))).toBe('ok');
    clock.t = T0 + 60_000 - 1;
    clock.reads = 0;
    expect(reason(await check(jwt))).toBe('ok');
    expect(clock.reads).toBe(1); // a cache hit: one clock read, no signature check
    clock.t = T0 + 60_000;
    expect(reason(await check(jwt))).toBe('expired');
  });

  const tokenPrincipal = (scopes: string[]): Principal =>
    Object.freeze(
      markJwtPrincipal({
        keyId: 'key_0123456789abcdef01234567',
        projectId: 'proj_a',
        name: 'k',
        prefix: '',
        scopes: Object.freeze(scopes),
        environment: null,
        ownerId: null,
        meta: null,
      }),
    );

  it('a key that still holds every token scope leaves the token principal as it is', () => {
    const principal = tokenPrincipal(['cache:*']);
    expect(boundByKeyScopes(principal, ['cache:*', 'cache:read'])).toBe(principal);
  });

  it('a narrowed key keeps the token scopes it still grants and adds none of its own', () => {
    const bounded = boundByKeyScopes(tokenPrincipal(['cache:read', 'analytics:read']), ['cache:*']);
    expect(bounded.scopes).toEqual(['cache:read']);
    expect(isJwtPrincipal(bounded)).toBe(true);
  });
});

describe('usage of a key through its tokens', () => {
  it('a request with a token is counted for the key it was issued for', async () => {
    const store = new MemoryKeyStore();
    const { key, record } = await createKeyManager({ store }).create({
      projectId: 'acme',
      name: 'n',
      scopes: ['cache:read'],
    });
    const issuer = createTokenIssuer({ key: SECRET, issuer: ISS, audience: AUD, ttl: 120 });
    const verifier = createVerifier({
      store,
      jwt: { key: SECRET, algorithms: ['HS256'], issuer: ISS, audience: AUD },
      usage: { flushIntervalMs: 3_600_000 },
    });
    const viaKey = await verifier.verify(`Bearer ${key}`);
    if (!viaKey.ok) throw new Error('setup: the key is refused');
    const { token } = await issuer.issue(viaKey.principal);
    for (let i = 0; i < 3; i++) {
      expect(await verifier.verify(`Bearer ${token}`)).toMatchObject({ ok: true });
    }
    await verifier.flush();
    // One use with the key itself, three with its token.
    expect((await store.get(record.id))?.requestCount).toBe(4);
    await verifier.close();
  });
});
