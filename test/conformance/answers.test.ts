/**
 * One table of requests, run against every adapter of servers.ts over real sockets: every
 * adapter must give the answer of docs/contract.md, and all of them the same bytes.
 */
import { MemoryKeyStore } from '@vectorcache/auth-core';
import request from 'supertest';
import { rawRequest, type RawHeader, type RawResponse } from './raw-client';
import {
  ADAPTERS,
  downStore,
  seedStore,
  startAll,
  STORE_SECRET,
  type AdapterName,
  type Keys,
  type Target,
} from './servers';

const INVALID = '{"detail":"Invalid or missing API key"}';
const WRONG_PROJECT = '{"detail":"API key does not have permission to access this project"}';
const WRONG_ENVIRONMENT =
  '{"detail":"API key does not have permission to access this environment"}';
const UNAVAILABLE = '{"detail":"Authentication service unavailable"}';
const OK = '{"ok":true}';
const REALM = 'Bearer realm="vectorcache"';
const INVALID_REQUEST = `${REALM}, error="invalid_request"`;
const INVALID_TOKEN = `${REALM}, error="invalid_token"`;
const INSUFFICIENT = `${REALM}, error="insufficient_scope"`;

interface Expected {
  status: number;
  body: string;
  /** The exact challenge, or null when there must be none. */
  www: string | null;
  retryAfter?: string;
}

interface Row {
  name: string;
  path?: string;
  /** Against the apps whose store is down. */
  storeDown?: true;
  /**
   * `supertest`: at most one `Authorization` value and a query string. `raw`: header lines written
   * byte for byte, for what an ordinary client will not send.
   */
  send:
    | { via: 'supertest'; authorization?: (k: Keys) => string; query?: (k: Keys) => string }
    | { via: 'raw'; headers: (k: Keys) => RawHeader[] };
  expect: Expected;
}

const missing: Expected = { status: 401, body: INVALID, www: REALM };
const malformed: Expected = { status: 401, body: INVALID, www: INVALID_REQUEST };
const invalidToken: Expected = { status: 401, body: INVALID, www: INVALID_TOKEN };
const allowed: Expected = { status: 200, body: OK, www: null };

const bearer = (value: (k: Keys) => string): Row['send'] => ({
  via: 'supertest',
  authorization: value,
});
const raw = (...values: Array<(k: Keys) => string | Buffer>): Row['send'] => ({
  via: 'raw',
  headers: (k) => values.map((value): RawHeader => ['Authorization', value(k)]),
});
const hex = (n: number): string => 'a1b2c3d4e5f60789'.repeat(4).slice(0, n);

const ROWS: Row[] = [
  // The answers table of docs/contract.md, row by row.
  { name: 'no Authorization header', send: { via: 'supertest' }, expect: missing },
  { name: 'empty header', send: raw(() => ''), expect: missing },
  { name: 'whitespace-only header', send: raw(() => '   '), expect: missing },
  { name: 'Basic scheme', send: bearer(() => 'Basic dXNlcjpwYXNz'), expect: malformed },
  {
    name: 'Bearerx look-alike scheme',
    send: bearer((k) => `Bearerx ${k.good}`),
    expect: malformed,
  },
  { name: 'reraeB look-alike scheme', send: bearer((k) => `reraeB ${k.good}`), expect: malformed },
  { name: 'Token scheme', send: bearer((k) => `Token ${k.good}`), expect: malformed },
  { name: 'Bearer with no token', send: bearer(() => 'Bearer'), expect: malformed },
  { name: 'Bearer and spaces, no token', send: raw(() => 'Bearer    '), expect: malformed },
  { name: 'key without scheme', send: bearer((k) => k.good), expect: malformed },
  { name: 'a tab as separator', send: raw((k) => `Bearer\t${k.good}`), expect: malformed },
  { name: 'trailing junk', send: bearer((k) => `Bearer ${k.good} junk`), expect: malformed },
  {
    name: 'a comma list',
    send: bearer((k) => `Bearer ${k.good}, Bearer ${k.good}`),
    expect: malformed,
  },
  {
    name: 'a comma right after the key',
    send: bearer((k) => `Bearer ${k.good},`),
    expect: malformed,
  },
  {
    name: 'two Authorization headers',
    send: raw(
      (k) => `Bearer ${k.good}`,
      (k) => `Bearer ${k.good}`,
    ),
    expect: malformed,
  },
  {
    name: 'two Authorization headers, the second empty',
    send: raw(
      (k) => `Bearer ${k.good}`,
      () => '',
    ),
    expect: malformed,
  },
  { name: 'an 8 KB value', send: raw(() => `Bearer vc_${'a'.repeat(8192)}`), expect: malformed },
  { name: '31 hex', send: bearer(() => `Bearer vc_${hex(31)}`), expect: invalidToken },
  { name: '33 hex', send: bearer(() => `Bearer vc_${hex(33)}`), expect: invalidToken },
  {
    name: 'uppercase hex',
    send: bearer((k) => `Bearer vc_${k.good.slice(3).toUpperCase()}`),
    expect: invalidToken,
  },
  {
    name: 'uppercase prefix',
    send: bearer((k) => `Bearer VC_${k.good.slice(3)}`),
    expect: invalidToken,
  },
  { name: 'non-hex', send: bearer(() => `Bearer vc_${hex(31)}g`), expect: invalidToken },
  { name: 'no vc_ prefix', send: bearer(() => `Bearer ${hex(32)}`), expect: invalidToken },
  {
    name: 'non-ASCII bytes (UTF-8)',
    send: raw((k) => Buffer.from(`Bearer ${k.good.slice(0, 34)}é`, 'utf8')),
    expect: invalidToken,
  },
  {
    name: 'non-ASCII byte (latin1)',
    send: raw((k) => `Bearer ${k.good.slice(0, 34)}\u00ff`),
    expect: invalidToken,
  },
  { name: 'unknown key', send: bearer((k) => `Bearer ${k.unknown}`), expect: invalidToken },
  { name: 'revoked key', send: bearer((k) => `Bearer ${k.revoked}`), expect: invalidToken },
  { name: 'expired key', send: bearer((k) => `Bearer ${k.expired}`), expect: invalidToken },
  {
    name: 'key only in the query string',
    send: { via: 'supertest', query: (k) => `api_key=${k.good}&access_token=${k.good}` },
    expect: missing,
  },
  {
    name: 'key of another project',
    send: bearer((k) => `Bearer ${k.otherProject}`),
    expect: { status: 403, body: WRONG_PROJECT, www: INSUFFICIENT },
  },
  {
    name: 'key of another environment',
    path: '/write',
    send: bearer((k) => `Bearer ${k.otherEnvironment}`),
    expect: { status: 403, body: WRONG_ENVIRONMENT, www: INSUFFICIENT },
  },
  {
    name: 'a missing scope',
    path: '/write',
    send: bearer((k) => `Bearer ${k.good}`),
    expect: {
      status: 403,
      body: '{"detail":"API key does not have the required scope: cache:write"}',
      www: `${INSUFFICIENT}, scope="cache:write"`,
    },
  },
  {
    name: 'two missing scopes',
    path: '/admin',
    send: bearer((k) => `Bearer ${k.good}`),
    expect: {
      status: 403,
      body: '{"detail":"API key does not have the required scope: cache:write, keys:manage"}',
      www: `${INSUFFICIENT}, scope="cache:write keys:manage"`,
    },
  },
  {
    name: 'a missing scope, no key at all',
    path: '/write',
    send: { via: 'supertest' },
    expect: missing,
  },
  {
    name: 'the store down',
    storeDown: true,
    send: bearer((k) => `Bearer ${k.good}`),
    expect: { status: 503, body: UNAVAILABLE, www: null, retryAfter: '1' },
  },
  {
    name: 'the store down, malformed header (no store read needed)',
    storeDown: true,
    send: bearer(() => 'Basic dXNlcjpwYXNz'),
    expect: malformed,
  },
  // Accepted spellings.
  { name: 'a valid key', send: bearer((k) => `Bearer ${k.good}`), expect: allowed },
  {
    name: 'a valid key on a scoped route',
    path: '/read',
    send: bearer((k) => `Bearer ${k.good}`),
    expect: allowed,
  },
  {
    name: "a valid key of the server's environment",
    send: bearer((k) => `Bearer ${k.sameEnvironment}`),
    expect: allowed,
  },
  { name: 'bearer (lowercase scheme)', send: bearer((k) => `bearer ${k.good}`), expect: allowed },
  { name: 'BEARER (uppercase scheme)', send: bearer((k) => `BEARER ${k.good}`), expect: allowed },
  { name: 'two spaces', send: bearer((k) => `Bearer  ${k.good}`), expect: allowed },
  { name: 'surrounding whitespace', send: raw((k) => `  Bearer ${k.good} \t`), expect: allowed },
];

/** What a response is reduced to for comparison. */
interface Seen {
  status: number;
  body: Buffer;
  www: string | null;
  retryAfter: string | null;
  contentType: string | null;
}

function fromRaw(res: RawResponse): Seen {
  const one = (name: string): string | null => {
    const values = res.headers[name];
    if (values && values.length > 1) throw new Error(`${name} sent ${values.length} times`);
    return values?.[0] ?? null;
  };
  return {
    status: res.status,
    body: res.body,
    www: one('www-authenticate'),
    retryAfter: one('retry-after'),
    contentType: one('content-type'),
  };
}

async function send(target: Target, row: Row, keys: Keys): Promise<Seen> {
  const path = row.path ?? '/';
  if (row.send.via === 'raw')
    return fromRaw(await rawRequest(target.port, path, row.send.headers(keys)));
  const query = row.send.query ? `?${row.send.query(keys)}` : '';
  let req = request(`http://127.0.0.1:${target.port}`).get(`${path}${query}`);
  if (row.send.authorization) req = req.set('Authorization', row.send.authorization(keys));
  const res = await req.buffer(true).parse((r, done) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => done(null, Buffer.concat(chunks)));
  });
  const header = (name: string): string | null => (res.headers[name] as string | undefined) ?? null;
  return {
    status: res.status,
    body: res.body as Buffer,
    www: header('www-authenticate'),
    retryAfter: header('retry-after'),
    contentType: header('content-type'),
  };
}

let keys: Keys;
let up: Record<AdapterName, Target>;
let down: Record<AdapterName, Target>;

beforeAll(async () => {
  const store = new MemoryKeyStore();
  keys = await seedStore(store);
  up = await startAll(store);
  down = await startAll(downStore());
});

afterAll(async () => {
  await Promise.all([...Object.values(up), ...Object.values(down)].map((t) => t.close()));
});

describe.each(ROWS)('$name', (row) => {
  const targets = (): Record<AdapterName, Target> => (row.storeDown ? down : up);

  it.each(ADAPTERS)('%s gives the answer of docs/contract.md', async (adapter) => {
    const target = targets()[adapter];
    const seen = await send(target, row, keys);
    expect({ status: seen.status, body: seen.body.toString('utf8'), www: seen.www }).toEqual({
      status: row.expect.status,
      body: row.expect.body,
      www: row.expect.www,
    });
    expect(seen.retryAfter).toBe(row.expect.retryAfter ?? null);
    if (row.expect.status !== 200) expect(seen.contentType).toBe('application/json');
    expect(seen.body.toString('latin1')).not.toContain(STORE_SECRET);
    expect(target.errors).toEqual([]);
  });

  it('all adapters answer byte for byte alike', async () => {
    const [first, ...others] = await Promise.all(
      ADAPTERS.map((adapter) => send(targets()[adapter], row, keys)),
    );
    for (const other of others) {
      expect(other.status).toBe(first!.status);
      expect(other.body.equals(first!.body)).toBe(true);
      expect(other.www).toBe(first!.www);
      expect(other.retryAfter).toBe(first!.retryAfter);
      if (first!.status !== 200) expect(other.contentType).toBe(first!.contentType);
    }
  });
});
