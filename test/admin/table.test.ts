/**
 * One table of requests to the management API, run in order against every mount (Express with
 * and without `express.json()`, Koa with and without `@koa/bodyparser`, Fastify with its built-in
 * parser and with the app's own, Hono with and without a middleware reading the body) over real
 * sockets: every answer must be the expected one, match the OpenAPI document, and be byte for
 * byte the same on every mount (after replacing the random ids, keys and times).
 */
import { gzipSync } from 'node:zlib';
import { openApiDocument } from '@vectorcache/auth-admin';
import { createKeyManager, MemoryKeyStore } from '@vectorcache/auth-core';
import { MOUNTS, send, startMount, type Call, type MountName, type Reply } from './mounts';
import { checkAnswer, jsonOperations, template, validateDocument } from './openapi-check';
import { seed, PROJECT_A, type Seed } from './seed';

const PLAINTEXT_KEY = /vc_[0-9a-f]{32}/g;
const REALM = 'Bearer realm="vectorcache"';
const INVALID = '{"detail":"Invalid or missing API key"}';
const insufficient = (scope: string) => ({
  status: 403,
  body: `{"detail":"API key does not have the required scope: ${scope}"}`,
  www: `${REALM}, error="insufficient_scope", scope="${scope}"`,
});
const err = (status: number, detail: string) => ({ status, body: JSON.stringify({ detail }) });

interface Expect {
  status: number;
  /** The exact body, when it is fixed. */
  body?: string;
  www?: string;
  allow?: string;
  /** Further checks of the parsed body. */
  check?: (body: unknown, k: Seed) => void;
}

interface Case {
  name: string;
  call: (k: Seed) => Call;
  expect: Expect | ((k: Seed) => Expect);
}

const auth = (key: string): [string, string] => ['Authorization', `Bearer ${key}`];
const jsonType: [string, string] = ['Content-Type', 'application/json'];
const get = (path: string, key?: string): Call => ({
  method: 'GET',
  path: `/admin${path}`,
  headers: key ? [auth(key)] : [],
});
const post = (path: string, key: string, body?: unknown, method = 'POST'): Call => ({
  method,
  path: `/admin${path}`,
  headers: body === undefined ? [auth(key)] : [auth(key), jsonType],
  body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
});

const recordKeys = (body: unknown): string[] => Object.keys(body as object).sort();
const RECORD_FIELDS = [
  'createdAt',
  'environment',
  'expiresAt',
  'id',
  'lastUsedAt',
  'meta',
  'name',
  'ownerId',
  'prefix',
  'projectId',
  'requestCount',
  'revokedAt',
  'rotationDue',
  'scopes',
  'status',
];
/** About 10 KB: a name nested 5,000 arrays deep. */
const deep = `{"name":${'['.repeat(5000)}"x"${']'.repeat(5000)}}`;
const LABELLED_KEY = `vc_${'0a'.repeat(16)}`;
const big = JSON.stringify({ name: 'x', scopes: ['cache:read'], pad: 'p'.repeat(17 * 1024) });

const CASES: Case[] = [
  // Public and unknown paths.
  {
    name: 'the OpenAPI document, without a key',
    call: () => get('/openapi.json'),
    expect: { status: 200, check: (b) => expect((b as { openapi: string }).openapi).toBe('3.1.0') },
  },
  { name: 'an unknown path', call: () => get('/v2/keys'), expect: err(404, 'Not found') },
  {
    name: 'a trailing slash',
    call: (k) => get('/v1/keys/', k.manager),
    expect: err(404, 'Not found'),
  },
  {
    name: 'a wrong method on /v1/keys',
    call: (k) => post('/v1/keys', k.manager, undefined, 'DELETE'),
    expect: { ...err(405, 'Method not allowed'), allow: 'GET, HEAD, POST' },
  },
  {
    name: 'a wrong method on a key',
    call: (k) => post(`/v1/keys/${k.targetId}`, k.manager, undefined, 'PUT'),
    expect: { ...err(405, 'Method not allowed'), allow: 'GET, HEAD, PATCH' },
  },
  {
    name: 'GET on revoke',
    call: (k) => get(`/v1/keys/${k.targetId}/revoke`, k.manager),
    expect: { ...err(405, 'Method not allowed'), allow: 'POST' },
  },
  // Authentication: the verifier's exact answers.
  {
    name: 'no key',
    call: () => get('/v1/keys'),
    expect: { status: 401, body: INVALID, www: REALM },
  },
  {
    name: 'a Basic header',
    call: () => ({ ...get('/v1/keys'), headers: [['Authorization', 'Basic dXNlcjpwYXNz']] }),
    expect: { status: 401, body: INVALID, www: `${REALM}, error="invalid_request"` },
  },
  {
    name: 'two Authorization headers',
    call: (k) => ({ ...get('/v1/keys'), headers: [auth(k.manager), auth(k.manager)] }),
    expect: { status: 401, body: INVALID, www: `${REALM}, error="invalid_request"` },
  },
  {
    name: 'an unknown key',
    call: (k) => get('/v1/keys', k.unknown),
    expect: { status: 401, body: INVALID, www: `${REALM}, error="invalid_token"` },
  },
  {
    name: 'a revoked manager key',
    call: (k) => get('/v1/keys', k.revoked),
    expect: { status: 401, body: INVALID, www: `${REALM}, error="invalid_token"` },
  },
  // Scopes: cache:* only is refused everywhere; analytics:read reads usage, not keys.
  ...(
    [
      ['list keys', (k: Seed) => get('/v1/keys', k.cacheOnly)],
      ['create a key', (k: Seed) => post('/v1/keys', k.cacheOnly, { name: 'x' })],
      ['get a key', (k: Seed) => get(`/v1/keys/${k.targetId}`, k.cacheOnly)],
      ['patch a key', (k: Seed) => post(`/v1/keys/${k.targetId}`, k.cacheOnly, {}, 'PATCH')],
      ['revoke a key', (k: Seed) => post(`/v1/keys/${k.targetId}/revoke`, k.cacheOnly)],
      ['rotate a key', (k: Seed) => post(`/v1/keys/${k.targetId}/rotate`, k.cacheOnly)],
      ['read the audit list', (k: Seed) => get('/v1/audit', k.cacheOnly)],
    ] as Array<[string, (k: Seed) => Call]>
  ).map(([what, call]): Case => ({
    name: `a cache:* key cannot ${what}`,
    call,
    expect: insufficient('keys:manage'),
  })),
  {
    name: 'a cache:* key cannot read usage',
    call: (k) => get('/v1/analytics/usage', k.cacheOnly),
    expect: insufficient('analytics:read'),
  },
  {
    name: 'an analytics:read key cannot list keys',
    call: (k) => get('/v1/keys', k.analyst),
    expect: insufficient('keys:manage'),
  },
  {
    name: 'an analytics:read key reads the project usage',
    call: (k) => get('/v1/analytics/usage?granularity=day', k.analyst),
    expect: {
      status: 200,
      check: (b) => expect((b as { points: unknown[] }).points).toHaveLength(30),
    },
  },
  {
    name: 'an analytics:read key reads a key usage',
    call: (k) => get(`/v1/keys/${k.targetId}/usage`, k.analyst),
    expect: (k) => ({
      status: 200,
      check: (b) => {
        const usage = b as { keyId: string; points: unknown[] };
        expect(usage.keyId).toBe(k.targetId);
        expect(usage.points).toHaveLength(24);
      },
    }),
  },
  // Keys: list, get, confinement to the caller's project.
  {
    name: 'list keys: the project A keys only, newest first, no hash',
    call: (k) => get('/v1/keys', k.manager),
    expect: (k) => ({
      status: 200,
      check: (b) => {
        const keys = (b as { keys: Array<{ id: string; projectId: string; createdAt: string }> })
          .keys;
        expect(keys).toHaveLength(7);
        expect(keys.every((r) => r.projectId === PROJECT_A)).toBe(true);
        expect(keys.map((r) => r.id)).not.toContain(k.bKeyId);
        const created = keys.map((r) => r.createdAt);
        expect(created).toEqual([...created].sort().reverse());
        keys.forEach((r) => expect(recordKeys(r)).toEqual(RECORD_FIELDS));
      },
    }),
  },
  {
    name: 'list revoked keys',
    call: (k) => get('/v1/keys?status=revoked', k.manager),
    expect: {
      status: 200,
      check: (b) =>
        expect((b as { keys: Array<{ name: string }> }).keys.map((r) => r.name)).toEqual([
          'revoked manager',
        ]),
    },
  },
  {
    name: 'a bad status filter',
    call: (k) => get('/v1/keys?status=bogus', k.manager),
    expect: err(400, 'Invalid status "bogus": use active, revoked or expired'),
  },
  {
    name: 'get a key',
    call: (k) => get(`/v1/keys/${k.targetId}`, k.manager),
    expect: (k) => ({
      status: 200,
      check: (b) => expect(b).toMatchObject({ id: k.targetId, name: 'target', status: 'active' }),
    }),
  },
  {
    name: 'get a key of project B: 404',
    call: (k) => get(`/v1/keys/${k.bKeyId}`, k.manager),
    expect: err(404, 'API key not found'),
  },
  {
    name: 'get a guessed id: 404',
    call: (k) => get('/v1/keys/key_000000000000000000000000', k.manager),
    expect: err(404, 'API key not found'),
  },
  {
    name: 'get an id that is not even an id: 404',
    call: (k) => get('/v1/keys/key_%C3%A9%20%2F..', k.manager),
    expect: err(404, 'API key not found'),
  },
  {
    name: 'usage of a key of project B: 404',
    call: (k) => get(`/v1/keys/${k.bKeyId}/usage`, k.manager),
    expect: err(404, 'API key not found'),
  },
  {
    name: 'patch a key of project B: 404',
    call: (k) => post(`/v1/keys/${k.bKeyId}`, k.manager, { name: 'mine' }, 'PATCH'),
    expect: err(404, 'API key not found'),
  },
  {
    name: 'revoke a key of project B: 404',
    call: (k) => post(`/v1/keys/${k.bKeyId}/revoke`, k.manager),
    expect: err(404, 'API key not found'),
  },
  {
    name: 'rotate a key of project B: 404',
    call: (k) => post(`/v1/keys/${k.bKeyId}/rotate`, k.manager),
    expect: err(404, 'API key not found'),
  },
  // Create, and every bad input.
  {
    name: 'create a key',
    call: (k) =>
      post('/v1/keys', k.manager, { name: 'new', scopes: ['cache:read'], expiresIn: '30d' }),
    expect: {
      status: 201,
      check: (b) => {
        const issued = b as { key: string; record: Record<string, unknown> };
        expect(issued.key).toMatch(/^vc_[0-9a-f]{32}$/);
        expect(issued.record).toMatchObject({
          name: 'new',
          scopes: ['cache:read'],
          projectId: PROJECT_A,
        });
        expect(recordKeys(issued.record)).toEqual(RECORD_FIELDS);
      },
    },
  },
  {
    name: 'create a key for an environment and an owner, with metadata',
    call: (k) =>
      post('/v1/keys', k.manager, {
        name: 'labelled',
        scopes: ['cache:read'],
        environment: 'production',
        ownerId: 'u_42',
        meta: { plan: 'pro', seats: 3, beta: true },
      }),
    expect: {
      status: 201,
      check: (b) => {
        const { record } = b as { record: Record<string, unknown> };
        expect(record).toMatchObject({
          environment: 'production',
          ownerId: 'u_42',
          meta: { plan: 'pro', seats: 3, beta: true },
          rotationDue: false,
        });
      },
    },
  },
  {
    name: 'list the keys of one environment and owner',
    call: (k) => get('/v1/keys?environment=production&ownerId=u_42', k.manager),
    expect: {
      status: 200,
      check: (b) =>
        expect((b as { keys: Array<{ name: string }> }).keys.map((r) => r.name)).toEqual([
          'labelled',
        ]),
    },
  },
  {
    name: 'list with a bad environment filter',
    call: (k) => get('/v1/keys?environment=Prod', k.manager),
    expect: err(
      400,
      'Invalid environment "Prod": give 1 to 32 lowercase letters, digits, "_" or "-", e.g. "production", or null for any environment.',
    ),
  },
  {
    name: 'create with a bad environment, quoted',
    call: (k) => post('/v1/keys', k.manager, { name: 'x', environment: 'prod env' }),
    expect: err(
      400,
      'Invalid environment "prod env": give 1 to 32 lowercase letters, digits, "_" or "-", e.g. "production", or null for any environment.',
    ),
  },
  {
    name: 'create with nested metadata, quoted',
    call: (k) => post('/v1/keys', k.manager, { name: 'x', meta: { a: { b: 1 } } }),
    expect: err(
      400,
      'Invalid meta value {"b":1} for "a": values are strings, numbers or booleans (no objects, arrays or null).',
    ),
  },
  {
    name: 'create with a key in the metadata: refused, never echoed',
    call: (k) => post('/v1/keys', k.manager, { name: 'x', meta: { token: LABELLED_KEY } }),
    expect: err(
      400,
      'The meta entry "token" holds something shaped like an API key (vc_...); it was not used or stored. Never keep a key in meta.',
    ),
  },
  {
    name: 'create with a key as owner: refused, never echoed',
    call: (k) => post('/v1/keys', k.manager, { name: 'x', ownerId: LABELLED_KEY }),
    expect: err(
      400,
      'The owner id given looks like an API key (vc_...); it was not used or stored. Give the owner id itself.',
    ),
  },
  {
    name: 'create with the default scopes by a narrower key',
    call: (k) => post('/v1/keys', k.narrow, { name: 'wide' }),
    expect: err(403, 'Cannot grant scopes the calling key does not have: cache:*, analytics:read'),
  },
  {
    name: 'create keys:manage plus cache:write by a narrower key',
    call: (k) => post('/v1/keys', k.narrow, { name: 'w', scopes: ['keys:manage', 'cache:write'] }),
    expect: err(403, 'Cannot grant scopes the calling key does not have: cache:write'),
  },
  {
    name: 'a narrower key may grant what it has',
    call: (k) => post('/v1/keys', k.narrow, { name: 'r', scopes: ['cache:read'] }),
    expect: { status: 201 },
  },
  {
    name: 'a body that is not JSON',
    call: (k) => post('/v1/keys', k.manager, '{"name": "x"'),
    expect: err(400, 'Request body is not valid JSON'),
  },
  {
    name: 'a JSON array body',
    call: (k) => post('/v1/keys', k.manager, '[1]'),
    expect: err(400, 'Request body must be a JSON object'),
  },
  {
    name: 'a JSON string body',
    call: (k) => post('/v1/keys', k.manager, '"x"'),
    expect: err(400, 'Request body must be a JSON object'),
  },
  {
    name: 'an empty JSON body is an empty object',
    call: (k) => ({ ...post('/v1/keys', k.manager, ''), body: '' }),
    expect: err(400, 'Missing field "name": give 1 to 100 characters, e.g. "backend"'),
  },
  {
    name: 'a text/plain body',
    call: (k) => ({
      ...post('/v1/keys', k.manager),
      headers: [auth(k.manager), ['Content-Type', 'text/plain']],
      body: '{"name":"x"}',
    }),
    expect: err(415, 'Content-Type must be application/json'),
  },
  {
    name: 'no Content-Type',
    call: (k) => ({ ...post('/v1/keys', k.manager), body: '{"name":"x"}' }),
    expect: err(415, 'Content-Type must be application/json'),
  },
  {
    name: 'a latin1 charset',
    call: (k) => ({
      ...post('/v1/keys', k.manager),
      headers: [auth(k.manager), ['Content-Type', 'application/json; charset=latin1']],
      body: '{"name":"x"}',
    }),
    expect: err(415, 'Content-Type must be application/json'),
  },
  {
    name: 'a gzip-encoded body',
    call: (k) => ({
      ...post('/v1/keys', k.manager),
      headers: [auth(k.manager), jsonType, ['Content-Encoding', 'gzip']],
      body: gzipSync('{"name":"x"}'),
    }),
    expect: err(415, 'Content-Encoding is not supported: send the body uncompressed'),
  },
  {
    name: 'a body over 16 KiB',
    call: (k) => post('/v1/keys', k.manager, big),
    expect: err(413, 'Request body is larger than 16 KiB'),
  },
  {
    name: 'a chunked body over 16 KiB',
    call: (k) => ({ ...post('/v1/keys', k.manager, big), chunked: true }),
    expect: err(413, 'Request body is larger than 16 KiB'),
  },
  {
    name: 'a body over 1 MiB, past the limits of the app parsers themselves',
    call: (k) => post('/v1/keys', k.manager, { name: 'x', pad: 'p'.repeat(1100 * 1024) }),
    expect: err(413, 'Request body is larger than 16 KiB'),
  },
  {
    name: 'a body that is not JSON, without a key: the key is checked first',
    call: () => ({
      method: 'POST',
      path: '/admin/v1/keys',
      headers: [jsonType],
      body: '{"name": "x"',
    }),
    expect: { status: 401, body: INVALID, www: REALM },
  },
  {
    name: 'an empty Content-Type, without a key: the key is checked first',
    call: () => ({
      method: 'POST',
      path: '/admin/v1/keys',
      headers: [['Content-Type', '']],
      body: '{"name":"x"}',
    }),
    expect: { status: 401, body: INVALID, www: REALM },
  },
  {
    name: 'a text/plain body, without a key: the key is checked first',
    call: () => ({
      method: 'POST',
      path: '/admin/v1/keys',
      headers: [['Content-Type', 'text/plain']],
      body: '{"name":"x"}',
    }),
    expect: { status: 401, body: INVALID, www: REALM },
  },
  {
    name: 'a name nested 5,000 deep: bad input, not a store fault',
    call: (k) => post('/v1/keys', k.manager, deep),
    expect: err(400, 'Request body is nested too deeply (at most 32 levels)'),
  },
  {
    name: 'a patch nested 5,000 deep: bad input, not a store fault',
    call: (k) => post(`/v1/keys/${k.targetId}`, k.manager, deep, 'PATCH'),
    expect: err(400, 'Request body is nested too deeply (at most 32 levels)'),
  },
  {
    name: 'no body at all',
    call: (k) => post('/v1/keys', k.manager),
    expect: err(415, 'Content-Type must be application/json'),
  },
  {
    name: 'a missing name',
    call: (k) => post('/v1/keys', k.manager, { scopes: ['cache:read'] }),
    expect: err(400, 'Missing field "name": give 1 to 100 characters, e.g. "backend"'),
  },
  {
    name: 'an empty name',
    call: (k) => post('/v1/keys', k.manager, { name: '' }),
    expect: err(400, 'Invalid name "": give 1 to 100 characters, e.g. "production backend".'),
  },
  {
    name: 'a 101-character name',
    call: (k) => post('/v1/keys', k.manager, { name: 'n'.repeat(101) }),
    expect: err(
      400,
      `Invalid name "${'n'.repeat(101)}": give 1 to 100 characters, e.g. "production backend".`,
    ),
  },
  {
    name: 'a name holding a key is refused without quoting it',
    call: (k) => post('/v1/keys', k.manager, { name: `${k.manager}${'n'.repeat(80)}` }),
    expect: err(
      400,
      'The name given looks like an API key (vc_...); it was not used or stored. Give the name itself.',
    ),
  },
  {
    name: 'an invalid scope',
    call: (k) => post('/v1/keys', k.manager, { name: 'x', scopes: ['Cache:Read'] }),
    expect: err(
      400,
      'Invalid scope "Cache:Read": use "resource:action" with lowercase letters, digits, "_" or "-" (e.g. "cache:read"), "resource:*" or "*".',
    ),
  },
  {
    name: 'scopes not an array',
    call: (k) => post('/v1/keys', k.manager, { name: 'x', scopes: 'cache:read' }),
    expect: err(400, 'Invalid scopes "cache:read": give an array of scopes such as ["cache:read"]'),
  },
  {
    name: 'a bad duration',
    call: (k) => post('/v1/keys', k.manager, { name: 'x', expiresIn: '30x' }),
    expect: err(
      400,
      'Invalid duration "30x" for expiresIn: use a whole number followed by s, m, h or d (e.g. 90s, 15m, 24h, 30d)',
    ),
  },
  {
    name: 'an expiry in the past',
    call: (k) => post('/v1/keys', k.manager, { name: 'x', expiresAt: '2020-01-01T00:00:00Z' }),
    expect: err(
      400,
      'Invalid expiresAt "2020-01-01T00:00:00Z": give an ISO-8601 date in the future, e.g. "2030-01-01T00:00:00Z"',
    ),
  },
  {
    name: 'both expiresIn and expiresAt',
    call: (k) =>
      post('/v1/keys', k.manager, {
        name: 'x',
        expiresIn: '1d',
        expiresAt: '2099-01-01T00:00:00Z',
      }),
    expect: err(400, 'Give expiresIn or expiresAt, not both'),
  },
  {
    name: 'an unknown field',
    call: (k) => post('/v1/keys', k.manager, { name: 'x', scope: ['cache:read'] }),
    expect: err(
      400,
      'Unknown field "scope"; the fields are name, scopes, expiresIn, expiresAt, environment, ownerId, meta',
    ),
  },
  // Patch.
  {
    name: 'rename a key and narrow its scopes',
    call: (k) =>
      post(`/v1/keys/${k.targetId}`, k.manager, { name: 'renamed', scopes: [] }, 'PATCH'),
    expect: (k) => ({
      status: 200,
      check: (b) => expect(b).toMatchObject({ id: k.targetId, name: 'renamed', scopes: [] }),
    }),
  },
  {
    name: 'widen scopes beyond the caller',
    call: (k) => post(`/v1/keys/${k.targetId}`, k.narrow, { scopes: ['cache:*'] }, 'PATCH'),
    expect: err(403, 'Cannot grant scopes the calling key does not have: cache:*'),
  },
  {
    name: 'patch with an unknown field',
    call: (k) => post(`/v1/keys/${k.targetId}`, k.manager, { expiresIn: '1d' }, 'PATCH'),
    expect: err(
      400,
      'Unknown field "expiresIn"; the fields are name, scopes, environment, ownerId, meta',
    ),
  },
  {
    name: 'patch the environment, owner and metadata; null clears, meta is replaced whole',
    call: (k) =>
      post(
        `/v1/keys/${k.targetId}`,
        k.manager,
        { environment: 'staging', ownerId: null, meta: { tier: 'gold' } },
        'PATCH',
      ),
    expect: (k) => ({
      status: 200,
      check: (b) =>
        expect(b).toMatchObject({
          id: k.targetId,
          environment: 'staging',
          ownerId: null,
          meta: { tier: 'gold' },
        }),
    }),
  },
  {
    name: 'patch with oversized metadata',
    call: (k) =>
      post(`/v1/keys/${k.targetId}`, k.manager, { meta: { v: 'x'.repeat(2041) } }, 'PATCH'),
    expect: err(
      400,
      'Invalid meta: 2049 bytes as compact JSON, over the 2048-byte limit; keep only what a request needs.',
    ),
  },
  // Rotate and revoke.
  {
    name: 'rotate with a bad grace',
    call: (k) => post(`/v1/keys/${k.spareId}/rotate`, k.manager, { grace: 'soon' }),
    expect: err(
      400,
      'Invalid duration "soon" for grace: use a whole number followed by s, m, h or d (e.g. 90s, 15m, 24h, 30d)',
    ),
  },
  {
    name: 'rotate a key the caller could not grant',
    call: (k) => post(`/v1/keys/${k.managerId}/rotate`, k.narrow),
    expect: err(403, 'Cannot grant scopes the calling key does not have: cache:*, analytics:read'),
  },
  {
    name: 'rotate with a grace period',
    call: (k) => post(`/v1/keys/${k.spareId}/rotate`, k.manager, { grace: '1h' }),
    expect: (k) => ({
      status: 201,
      check: (b) => {
        const rotated = b as {
          key: string;
          record: { id: string };
          previous: { id: string; expiresAt: string };
        };
        expect(rotated.key).toMatch(/^vc_[0-9a-f]{32}$/);
        expect(rotated.previous.id).toBe(k.spareId);
        expect(rotated.previous.expiresAt).not.toBeNull();
        expect(rotated.record.id).not.toBe(k.spareId);
      },
    }),
  },
  {
    name: 'revoke a key',
    call: (k) => post(`/v1/keys/${k.targetId}/revoke`, k.manager),
    expect: { status: 200, check: (b) => expect(b).toMatchObject({ status: 'revoked' }) },
  },
  {
    name: 'revoke it again: a no-op',
    call: (k) => post(`/v1/keys/${k.targetId}/revoke`, k.manager),
    expect: { status: 200, check: (b) => expect(b).toMatchObject({ status: 'revoked' }) },
  },
  {
    name: 'rotate a revoked key',
    call: (k) => post(`/v1/keys/${k.targetId}/rotate`, k.manager),
    expect: err(
      409,
      'API key is already revoked or expired; create a new key instead of rotating it',
    ),
  },
  // Usage and audit inputs.
  {
    name: 'a bad granularity',
    call: (k) => get('/v1/analytics/usage?granularity=minute', k.analyst),
    expect: err(400, 'Invalid granularity "minute": use hour or day'),
  },
  {
    name: 'from after to',
    call: (k) => get('/v1/analytics/usage?from=2026-02-02&to=2026-02-01', k.analyst),
    expect: err(400, 'from "2026-02-02" is after to "2026-02-01"'),
  },
  {
    name: 'a range over 31 days hourly',
    call: (k) => get('/v1/analytics/usage?from=2026-01-01&to=2026-02-02', k.analyst),
    expect: err(
      400,
      'The range from "2026-01-01" to "2026-02-02" is longer than 31 days, the most for hourly points; use granularity=day',
    ),
  },
  {
    name: 'a range over 400 days daily',
    call: (k) =>
      get('/v1/analytics/usage?from=2025-01-01&to=2026-02-06&granularity=day', k.analyst),
    expect: err(
      400,
      'The range from "2025-01-01" to "2026-02-06" is longer than 400 days, the most for daily points',
    ),
  },
  {
    name: 'a date that is not one',
    call: (k) => get(`/v1/keys/${k.targetId}/usage?from=yesterday`, k.analyst),
    expect: err(
      400,
      'Invalid from "yesterday": give an ISO-8601 date such as 2026-12-01 or 2026-12-01T10:00:00Z',
    ),
  },
  {
    name: 'a bad audit limit',
    call: (k) => get('/v1/audit?limit=0', k.manager),
    expect: err(400, 'Invalid limit "0": give a whole number from 1 to 1000'),
  },
  {
    name: 'the audit list: every action of this table, by the manager, newest first',
    call: (k) => get('/v1/audit', k.manager),
    expect: (k) => ({
      status: 200,
      check: (b) => {
        const events = (b as { events: Array<{ action: string; actor: { keyId: string } | null }> })
          .events;
        expect(events.slice(0, 5).map((e) => e.action)).toEqual([
          'key.revoked',
          'key.rotated',
          'key.updated', // environment, owner and metadata
          'key.updated', // name and scopes
          'key.created',
        ]);
        expect(events[0]!.actor).toMatchObject({ keyId: k.managerId });
        expect(events.filter((e) => e.action === 'key.revoked')).toHaveLength(2); // seed + table
      },
    }),
  },
];

/** Replaces what differs between two runs (ids, keys, prefixes, times) by placeholders. */
function normalised(reply: Reply): string {
  const named = ['content-type', 'cache-control', 'www-authenticate', 'retry-after', 'allow'];
  const headers = named.map((name) => `${name}: ${String(reply.headers[name])}`).join('\n');
  const body = reply.body
    .replace(PLAINTEXT_KEY, 'vc_KEY')
    .replace(/key_[0-9a-f]{24}/g, 'key_ID')
    .replace(/vc_[0-9a-f]{4}/g, 'vc_PFX')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, 'TIME');
  return `${reply.status}\n${headers}\n${body}`;
}

describe('management API: one table through every mount', () => {
  const answers = new Map<string, Map<MountName, Reply>>();

  it('the OpenAPI document validates (OpenAPI 3.1, @seriousme/openapi-schema-validator)', async () => {
    const verdict = validateDocument(openApiDocument());
    expect(verdict).toEqual({ valid: true, errors: null });
    // A positive control: the validator does reject a broken document.
    const broken = { ...openApiDocument(), paths: { '/x': { get: { responses: 5 } } } };
    expect(validateDocument(broken).valid).toBe(false);
  });

  describe.each(MOUNTS)('%s', (mountName) => {
    it('answers every row as expected, and as the OpenAPI document says', async () => {
      const store = new MemoryKeyStore();
      const k = await seed(store);
      const mount = await startMount(mountName, { store });
      const received: Array<{ row: string; operation: string; reply: Reply }> = [];
      try {
        for (const row of CASES) {
          const call = row.call(k);
          const reply = await send(mount.port, call);
          const path = call.path.slice('/admin'.length).split('?')[0]!;
          received.push({ row: row.name, operation: `${call.method} ${template(path)}`, reply });
          const expected = typeof row.expect === 'function' ? row.expect(k) : row.expect;
          const byMount = answers.get(row.name) ?? new Map<MountName, Reply>();
          byMount.set(mountName, reply);
          answers.set(row.name, byMount);
          expect({ row: row.name, status: reply.status }).toEqual({
            row: row.name,
            status: expected.status,
          });
          if (expected.body !== undefined) {
            expect({ row: row.name, body: reply.body }).toEqual({
              row: row.name,
              body: expected.body,
            });
          }
          if (expected.www !== undefined)
            expect(reply.headers['www-authenticate']).toBe(expected.www);
          else expect(reply.headers['www-authenticate']).toBeUndefined();
          if (expected.allow !== undefined) expect(reply.headers.allow).toBe(expected.allow);
          expected.check?.(JSON.parse(reply.body), k);
          expect({
            row: row.name,
            problems: checkAnswer(call.method, call.path.slice(6), reply),
          }).toEqual({
            row: row.name,
            problems: [],
          });
          // No plaintext key in any answer but the one that issues it; never a hash.
          const issued = reply.status === 201 ? 1 : 0;
          expect({ row: row.name, keys: reply.body.match(PLAINTEXT_KEY)?.length ?? 0 }).toEqual({
            row: row.name,
            keys: issued,
          });
          expect(reply.body).not.toMatch(/"hash"|[0-9a-f]{64}/);
        }
        // The app's own routes still work beside the mount.
        expect(
          (
            await send(mount.port, {
              method: mountName.startsWith('fastify') ? 'POST' : 'GET',
              path: '/app',
              headers: [jsonType],
              body: mountName.startsWith('fastify') ? '{"a":1}' : undefined,
            })
          ).status,
        ).toBe(200);
        // Every operation of the API answered with success at least once above, and not one
        // answer of the table carries a stored hash or a `hash` field.
        const succeeded = new Set(
          received.filter(({ reply }) => reply.status < 300).map(({ operation }) => operation),
        );
        expect(jsonOperations().filter((operation) => !succeeded.has(operation))).toEqual([]);
        const hashes = (await createKeyManager({ store }).list()).map((record) => record.hash);
        expect(hashes.length).toBeGreaterThan(10);
        const leaking = received.filter(({ reply }) =>
          [...hashes, '"hash"'].some((hash) => reply.body.includes(hash)),
        );
        expect(leaking.map(({ row }) => row)).toEqual([]);
        // No answer went through the framework's error handling (an app parser's refusal included).
        expect(mount.errors).toEqual([]);
      } finally {
        await mount.close();
      }
    });
  });

  it('every mount gave byte-identical answers to every row', () => {
    expect(answers.size).toBe(CASES.length);
    for (const [row, byMount] of answers) {
      const reference = byMount.get('express')!;
      for (const [mountName, reply] of byMount) {
        expect({ row, mount: mountName, answer: normalised(reply) }).toEqual({
          row,
          mount: mountName,
          answer: normalised(reference),
        });
      }
    }
  });
});
