/**
 * The dashboard page and its files, as every mount of the management API serves them at `/admin`
 * over real sockets: the page and its content-hashed assets with the strict CSP, `nosniff` and
 * `no-referrer`, ETags and 304s, the mount point without its slash redirected under it, and the
 * same answers, byte for byte, on every mount.
 */
import { MemoryKeyStore } from '@vectorcache/auth-core';
import { dashboardAssetMap } from '../../packages/admin/dashboard/dist/asset-map';
import { MOUNTS, send, startMount, type Mount, type MountName, type Reply } from './mounts';

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
const SHOWN = [
  'content-type',
  'cache-control',
  'etag',
  'content-security-policy',
  'x-content-type-options',
  'referrer-policy',
  'location',
  'allow',
];
const ASSETS = Object.keys(dashboardAssetMap).filter((path) => path !== '/');

/** Status, the headers the contract names, and the body: what must match across mounts. */
const visible = (reply: Reply) => ({
  status: reply.status,
  headers: Object.fromEntries(SHOWN.map((name) => [name, reply.headers[name]])),
  body: reply.body,
});

describe('the dashboard as every mount serves it', () => {
  const store = new MemoryKeyStore();
  const mounts = new Map<MountName, Mount>();
  const seen = new Map<string, Map<MountName, ReturnType<typeof visible>>>();

  beforeAll(async () => {
    for (const name of MOUNTS) mounts.set(name, await startMount(name, { store }));
  });
  afterAll(async () => {
    for (const mount of mounts.values()) await mount.close();
    await store.close();
  });

  /** Sends the request to every mount, records what each answered, returns the answers. */
  async function everywhere(
    label: string,
    method: string,
    path: string,
    headers: Array<[string, string]> = [],
  ): Promise<Array<[MountName, Reply]>> {
    const replies: Array<[MountName, Reply]> = [];
    for (const [name, mount] of mounts) {
      const reply = await send(mount.port, { method, path, headers });
      replies.push([name, reply]);
      const row = seen.get(label) ?? new Map();
      row.set(name, visible(reply));
      seen.set(label, row);
      expect(mount.errors).toEqual([]);
    }
    return replies;
  }

  test('GET /admin/ is the page, with the CSP, nosniff, no-referrer and an ETag', async () => {
    const page = dashboardAssetMap['/']!;
    for (const [name, reply] of await everywhere('page', 'GET', '/admin/')) {
      expect([name, reply.status]).toEqual([name, 200]);
      expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(reply.headers['content-security-policy']).toBe(CSP);
      expect(reply.headers['x-content-type-options']).toBe('nosniff');
      expect(reply.headers['referrer-policy']).toBe('no-referrer');
      expect(reply.headers['cache-control']).toBe('no-cache');
      expect(reply.headers.etag).toBe(page.etag);
      expect(reply.body).toBe(page.body);
    }
  });

  test('every asset the page names is served, typed, immutable, under the same headers', async () => {
    expect(ASSETS.length).toBeGreaterThanOrEqual(2);
    for (const path of ASSETS) {
      const asset = dashboardAssetMap[path]!;
      for (const [name, reply] of await everywhere(path, 'GET', `/admin${path}`)) {
        expect([name, path, reply.status]).toEqual([name, path, 200]);
        expect(reply.headers['content-type']).toBe(asset.contentType);
        expect(reply.headers['cache-control']).toBe('public, max-age=31536000, immutable');
        expect(reply.headers['content-security-policy']).toBe(CSP);
        expect(reply.headers['x-content-type-options']).toBe('nosniff');
        expect(reply.body).toBe(asset.body);
      }
    }
  });

  test('a known ETag gets 304 without a body; another one gets the page', async () => {
    const page = dashboardAssetMap['/']!;
    for (const [, reply] of await everywhere('304', 'GET', '/admin/', [
      ['If-None-Match', page.etag],
    ])) {
      expect(reply.status).toBe(304);
      expect(reply.body).toBe('');
      expect(reply.headers.etag).toBe(page.etag);
    }
    for (const [, reply] of await everywhere('stale etag', 'GET', '/admin/', [
      ['If-None-Match', '"stale"'],
    ])) {
      expect(reply.status).toBe(200);
    }
  });

  test('the mount point without its slash is redirected under it', async () => {
    for (const [name, reply] of await everywhere('no slash', 'GET', '/admin')) {
      expect([name, reply.status, reply.headers.location]).toEqual([name, 308, './admin/']);
    }
  });

  test('HEAD has no body; other methods get 405 with Allow; unknown assets 404', async () => {
    for (const [, reply] of await everywhere('head', 'HEAD', '/admin/')) {
      expect(reply.status).toBe(200);
      expect(reply.body).toBe('');
    }
    for (const [, reply] of await everywhere('post', 'POST', '/admin/')) {
      expect(reply.status).toBe(405);
      expect(reply.headers.allow).toBe('GET, HEAD');
      expect(reply.body).toBe('{"detail":"Method not allowed"}');
    }
    for (const [, reply] of await everywhere('unknown', 'GET', '/admin/assets/app-OLDHASH1.js')) {
      expect(reply.status).toBe(404);
      expect(reply.body).toBe('{"detail":"Not found"}');
    }
  });

  test('every mount answered every request byte for byte alike', () => {
    expect(seen.size).toBeGreaterThanOrEqual(8);
    for (const [label, row] of seen) {
      const [first, ...rest] = [...row.values()];
      for (const other of rest) expect([label, other]).toEqual([label, first]);
    }
  });
});
