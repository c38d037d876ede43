import { createAuthHandler } from '../src/http/auth-handler';
import { createKeyManager } from '../src/keys/key-manager';
import { MemoryKeyStore } from '../src/stores/memory-store';
import type { Verifier } from '../src/types';
import { createVerifier } from '../src/verify/verifier';
import { authenticateRequest, readWebAuthorization, toWebResponse } from '../src/http/web-request';
import { FaultyStore } from './fixtures';

const URL = 'http://127.0.0.1/v1/cache/query';

function requestWith(...authorization: string[]): Request {
  const headers = new Headers();
  for (const value of authorization) headers.append('Authorization', value);
  return new Request(URL, { headers });
}

/** A Response reduced to what a client sees: status, every header, the body text. */
async function seen(response: Response): Promise<{
  status: number;
  headers: Record<string, string>;
  body: string;
}> {
  return {
    status: response.status,
    headers: Object.fromEntries(response.headers),
    body: await response.text(),
  };
}

describe('authenticateRequest', () => {
  const store = new FaultyStore();
  const keys = createKeyManager({ store });
  let verifier: Verifier;
  let reader: string;
  let otherProject: string;
  beforeAll(async () => {
    verifier = createVerifier({ store, timeoutMs: 100 });
    reader = (await keys.create({ projectId: 'acme', name: 'r', scopes: ['cache:read'] })).key;
    otherProject = (await keys.create({ projectId: 'globex', name: 'o' })).key;
  });
  afterAll(() => verifier.close());
  afterEach(() => {
    store.mode = 'ok';
  });

  it('resolves to the principal of a valid key', async () => {
    const principal = await authenticateRequest(verifier, requestWith(`Bearer ${reader}`), {
      projectId: 'acme',
      scopes: ['cache:read'],
    });
    expect(principal).toMatchObject({ projectId: 'acme', name: 'r', prefix: reader.slice(0, 7) });
    expect(principal).not.toBeInstanceOf(Response);
  });

  // Each refusal must be verify()'s answer, and nothing more: same status, headers and bytes.
  const cases: Array<[string, () => string[], object | undefined]> = [
    ['no header', () => [], undefined],
    ['another scheme', () => ['Basic dTpw'], undefined],
    ['the header sent twice', () => [`Bearer ${reader}`, `Bearer ${reader}`], undefined],
    ['a token not of key format', () => ['Bearer vc_nope'], undefined],
    ['an unknown key', () => [`Bearer vc_${'0'.repeat(32)}`], undefined],
    ['a key of another project', () => [`Bearer ${otherProject}`], { projectId: 'acme' }],
    ['a missing scope', () => [`Bearer ${reader}`], { scopes: ['cache:write', 'keys:manage'] }],
  ];
  it.each(cases)('%s: a Response with exactly the answer of verify()', async (_, values, needs) => {
    const sent = values();
    const response = await authenticateRequest(verifier, requestWith(...sent), needs);
    if (!(response instanceof Response)) throw new Error('expected a Response');
    const expected = await verifier.verify(sent.length > 1 ? sent : sent[0], needs);
    if (expected.ok) throw new Error('expected a refusal');
    expect(await seen(response)).toEqual({
      status: expected.status,
      headers: { ...expected.headers, 'content-length': String(Buffer.byteLength(expected.body)) },
      body: expected.body,
    });
  });

  it('answers 503 with Retry-After when the store is down, without its message', async () => {
    store.mode = 'throw';
    store.secret = 'hunter2';
    const response = await authenticateRequest(
      verifier,
      requestWith(`Bearer vc_${'1'.repeat(32)}`),
    );
    expect(await seen(response as Response)).toEqual({
      status: 503,
      headers: { 'content-type': 'application/json', 'retry-after': '1', 'content-length': '47' },
      body: '{"detail":"Authentication service unavailable"}',
    });
  });

  it('limits failed attempts by the client address it is given', async () => {
    const limited = createVerifier({ store, attemptLimit: { max: 1 } });
    try {
      const bad = requestWith(`Bearer vc_${'2'.repeat(32)}`);
      expect(await authenticateRequest(limited, bad, { client: '203.0.113.7' })).toHaveProperty(
        'status',
        401,
      );
      const next = await authenticateRequest(limited, requestWith(`Bearer ${reader}`), {
        client: '203.0.113.7',
      });
      expect((next as Response).status).toBe(429);
      const other = await authenticateRequest(limited, requestWith(`Bearer ${reader}`), {
        client: '203.0.113.8',
      });
      expect(other).toMatchObject({ projectId: 'acme' });
    } finally {
      await limited.close();
    }
  });
});

describe('Web requests in the adapters’ auth handler', () => {
  it('reads the header through Headers and the client from the peer and trusted proxies', async () => {
    const store = new MemoryKeyStore();
    const { key } = await createKeyManager({ store }).create({ projectId: 'p', name: 'n' });
    const handler = createAuthHandler<null>({
      store,
      attemptLimit: { max: 1 },
      trustProxy: ['10.0.0.5'],
    });
    try {
      const web = (authorization: string, forwardedFor: string) => ({
        webRequest: new Request(URL, {
          headers: { authorization, 'x-forwarded-for': forwardedFor },
        }),
        remoteAddress: '10.0.0.5',
      });
      expect(await handler.decide(null, web(`Bearer ${key}`, '198.51.100.1'))).toMatchObject({
        action: 'allow',
      });
      const bad = `Bearer vc_${'3'.repeat(32)}`;
      expect(await handler.decide(null, web(bad, '198.51.100.1'))).toMatchObject({
        status: 401,
      });
      // The client behind the trusted proxy is limited; another one behind it is not.
      expect(await handler.decide(null, web(`Bearer ${key}`, '198.51.100.1'))).toMatchObject({
        status: 429,
      });
      expect(await handler.decide(null, web(`Bearer ${key}`, '198.51.100.2'))).toMatchObject({
        action: 'allow',
      });
    } finally {
      await handler.close();
    }
  });
});

describe('helpers', () => {
  it('readWebAuthorization: undefined without the header, the joined values with two', () => {
    expect(readWebAuthorization(new Request(URL))).toBeUndefined();
    expect(readWebAuthorization(requestWith('Bearer a', 'Bearer b'))).toBe('Bearer a, Bearer b');
  });

  it('toWebResponse keeps the status, the body bytes and only the given headers, with their length', async () => {
    const response = toWebResponse({
      status: 401,
      body: '{"detail":"é"}',
      headers: { 'content-type': 'application/json', 'www-authenticate': 'Bearer' },
    });
    expect(await seen(response)).toEqual({
      status: 401,
      headers: {
        'content-type': 'application/json',
        'www-authenticate': 'Bearer',
        'content-length': '15',
      },
      body: '{"detail":"é"}',
    });
  });
});
