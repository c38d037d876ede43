/**
 * Every method (HEAD and OPTIONS included), on a route and off any route: each adapter's refusal
 * carries the same status, body and full set of headers a client can observe (all but `Date`,
 * `Connection` and `Keep-Alive`, which the HTTP server writes), byte for byte.
 */
import { MemoryKeyStore } from '@vectorcache/auth-core';
import { rawRequest, type RawHeader, type RawResponse } from './raw-client';
import { ADAPTERS, seedStore, startAll, type AdapterName, type Keys, type Target } from './servers';

const METHODS = ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
const PATHS = ['/', '/read', '/no-such-route'];
const SERVER_WRITTEN = new Set(['date', 'connection', 'keep-alive']);

const REFUSALS: Array<[string, (k: Keys) => RawHeader[]]> = [
  ['no key', () => []],
  ['a malformed header', () => [['Authorization', 'Basic dXNlcjpwYXNz']]],
  ['an unknown key (a store read)', (k) => [['Authorization', `Bearer ${k.unknown}`]]],
  ['a revoked key', (k) => [['Authorization', `Bearer ${k.revoked}`]]],
  ['a key of another project', (k) => [['Authorization', `Bearer ${k.otherProject}`]]],
];

/** Status, body and every observable header (names lower-cased, repeats kept, sorted). */
function observable(res: RawResponse): { status: number; body: string; headers: string[] } {
  const headers = Object.entries(res.headers)
    .filter(([name]) => !SERVER_WRITTEN.has(name))
    .flatMap(([name, values]) => values.map((value) => `${name}: ${value}`))
    .sort();
  return { status: res.status, body: res.body.toString('latin1'), headers };
}

let keys: Keys;
let targets: Record<AdapterName, Target>;

beforeAll(async () => {
  const store = new MemoryKeyStore();
  keys = await seedStore(store);
  targets = await startAll(store);
});

afterAll(async () => {
  await Promise.all(Object.values(targets).map((t) => t.close()));
});

describe.each(REFUSALS)('%s', (_name, headers) => {
  it.each(METHODS)('%s: the same status, body and headers from every adapter', async (method) => {
    for (const path of PATHS) {
      const seen = await Promise.all(
        ADAPTERS.map(async (adapter) => [
          adapter,
          observable(await rawRequest(targets[adapter].port, path, headers(keys), 5000, method)),
        ]),
      );
      const [, first] = seen[0]!;
      expect(Object.fromEntries(seen)).toEqual(
        Object.fromEntries(ADAPTERS.map((adapter) => [adapter, first])),
      );
      // Core's answer: its headers and a Content-Length, even for HEAD (with no body).
      const expectedBody = method === 'HEAD' ? '' : first.body;
      expect(first.body).toBe(expectedBody);
      const length = first.headers.find((h) => h.startsWith('content-length: '));
      expect(length).toBeDefined();
      expect(first.headers.map((h) => h.split(':')[0])).toEqual(
        expect.arrayContaining(['content-length', 'content-type', 'www-authenticate']),
      );
      for (const target of Object.values(targets)) expect(target.errors).toEqual([]);
    }
  });
});
