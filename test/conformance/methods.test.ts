/**
 * Every method (HEAD and OPTIONS included), on a route and off any route: each adapter's refusal
 * carries the same status, body and full set of headers a client can observe (all but `Date`,
 * `Connection` and `Keep-Alive`, which the HTTP server writes), byte for byte.
 */
import { rawRequest, type RawHeader, type RawResponse } from './raw-client';
import { ADAPTERS, seededApps, type AdapterName, type Keys } from './servers';

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

const apps = seededApps();

type Observed = ReturnType<typeof observable>;

const ask = async (adapter: AdapterName, path: string, headers: RawHeader[], method: string) =>
  observable(await rawRequest(apps.targets()[adapter].port, path, headers, 5000, method));

describe.each(REFUSALS)('%s', (_name, headersOf) => {
  it.each(METHODS)('%s: the same status, body and headers from every adapter', async (method) => {
    for (const path of PATHS) {
      const headers = headersOf(apps.keys());
      const seen: Record<string, Observed> = {};
      for (const adapter of ADAPTERS) seen[adapter] = await ask(adapter, path, headers, method);
      const first = seen[ADAPTERS[0]!]!;
      expect(seen).toEqual(Object.fromEntries(ADAPTERS.map((adapter) => [adapter, first])));
      // Core's answer with its length, also for HEAD (sent without the body GET gets).
      const full = method === 'HEAD' ? await ask(ADAPTERS[0]!, path, headers, 'GET') : first;
      expect(first.body).toBe(method === 'HEAD' ? '' : full.body);
      expect(first.headers).toContain(`content-length: ${Buffer.byteLength(full.body)}`);
      expect(first.headers.map((h) => h.split(':')[0])).toEqual(
        expect.arrayContaining(['content-length', 'content-type', 'www-authenticate']),
      );
      for (const target of Object.values(apps.targets())) expect(target.errors).toEqual([]);
    }
  });
});
