import { clientAddress, checkTrustProxy } from '../src/http/client-address';
import { createKeyManager } from '../src/keys/key-manager';
import type { AuthEvent, VerifierOptions, VerifyResult } from '../src/types';
import { createVerifier } from '../src/verify/verifier';
import { FaultyStore, manualClock, thrownBy } from './fixtures';

const statusOf = (r: VerifyResult): number => (r.ok ? 200 : r.status);
const bad = (i: number): string => `Bearer vc_${i.toString(16).padStart(32, '0')}`;

describe('failed-attempt limiting (opt-in)', () => {
  it('answers 429 with Retry-After after max failures in the window, without reading the store', async () => {
    const clock = manualClock();
    const store = new FaultyStore();
    const { key } = await createKeyManager({ store }).create({ projectId: 'p', name: 'n' });
    const events: AuthEvent[] = [];
    const verifier = createVerifier({
      store,
      now: clock.now,
      attemptLimit: { max: 5, windowMs: 60_000 },
      onEvent: (e) => events.push(e),
    });
    const client = { client: '203.0.113.7' };
    for (let i = 0; i < 5; i++) expect((await verifier.verify(bad(i), client)).ok).toBe(false);
    const readsBefore = store.reads;
    clock.advance(20_000);
    const limited = await verifier.verify(`Bearer ${key}`, client); // even a good key waits
    expect(limited).toEqual({
      ok: false,
      status: 429,
      body: '{"detail":"Too many failed authentication attempts"}',
      headers: { 'content-type': 'application/json', 'retry-after': '40' },
      reason: 'rate_limited',
    });
    expect(store.reads).toBe(readsBefore);
    expect(events.at(-1)).toEqual({ type: 'rejected', reason: 'rate_limited' });
    // Another client is not affected.
    expect((await verifier.verify(`Bearer ${key}`, { client: '198.51.100.1' })).ok).toBe(true);
    clock.advance(40_000);
    expect((await verifier.verify(`Bearer ${key}`, client)).ok).toBe(true);
    await verifier.close();
  });

  it('a missing header and a valid key with a missing scope do not count', async () => {
    const store = new FaultyStore();
    const { key } = await createKeyManager({ store }).create({ projectId: 'p', name: 'n' });
    const verifier = createVerifier({ store, attemptLimit: { max: 2 } });
    const client = { client: '203.0.113.8' };
    for (let i = 0; i < 5; i++) await verifier.verify(undefined, client);
    for (let i = 0; i < 5; i++)
      await verifier.verify(`Bearer ${key}`, { ...client, scopes: ['keys:manage'] });
    expect((await verifier.verify(`Bearer ${key}`, client)).ok).toBe(true);
    await verifier.close();
  });

  it('keeps memory bounded by maxClients', async () => {
    const store = new FaultyStore();
    const verifier = createVerifier({ store, attemptLimit: { max: 1, maxClients: 100 } });
    for (let i = 0; i < 1000; i++)
      await verifier.verify(bad(i), { client: `10.0.${i >> 8}.${i & 255}` });
    // The first clients were forgotten (bounded), the last ones are still blocked.
    expect(statusOf(await verifier.verify(bad(1), { client: '10.0.0.0' }))).toBe(401);
    expect(statusOf(await verifier.verify(bad(1), { client: '10.0.3.231' }))).toBe(429);
    await verifier.close();
  });

  it('shares the count through a store that offers countFailedAttempt', async () => {
    const counts = new Map<string, number>();
    class SharedCounts extends FaultyStore {
      async countFailedAttempt(client: string): Promise<number> {
        const n = (counts.get(client) ?? 0) + 1;
        counts.set(client, n);
        return n;
      }
    }
    const a = createVerifier({ store: new SharedCounts(), attemptLimit: { max: 4 } });
    const b = createVerifier({ store: new SharedCounts(), attemptLimit: { max: 4 } });
    const client = { client: '203.0.113.9' };
    await a.verify(bad(1), client);
    await a.verify(bad(2), client);
    await a.verify(bad(3), client);
    await b.verify(bad(4), client); // the 4th failure overall, counted on b
    await new Promise((r) => setImmediate(r));
    expect(statusOf(await b.verify(bad(5), client))).toBe(429);
    await Promise.all([a.close(), b.close()]);
  });

  it.each([
    [
      { max: 0 },
      'attemptLimit.max must be a whole number >= 1 (got 0); leave it out for the default 20.',
    ],
    [
      { windowMs: 0.5 },
      'attemptLimit.windowMs must be a whole number >= 1 (got 0.5); leave it out for the default 60000.',
    ],
    [
      { maxClients: -1 },
      'attemptLimit.maxClients must be a whole number >= 1 (got -1); leave it out for the default 10000.',
    ],
  ])('refuses attemptLimit %j, naming the option and its default', (attemptLimit, message) => {
    const error = thrownBy(() => createVerifier({ store: new FaultyStore(), attemptLimit }));
    expect(error.code).toBe('invalid_option');
    expect(error.message).toBe(message);
  });

  /** A verifier on a fault-injecting store holding one key, with a hand-moved clock and `attemptLimit`. */
  async function limitedVerifier(attemptLimit: NonNullable<VerifierOptions['attemptLimit']>) {
    const clock = manualClock();
    const store = new FaultyStore();
    const { key } = await createKeyManager({ store }).create({ projectId: 'p', name: 'n' });
    const verifier = createVerifier({ store, now: clock.now, attemptLimit });
    return { clock, store, key, verifier };
  }

  it('a window that has ended is forgotten: it frees the client and does not push a still-blocked client out', async () => {
    const { clock, key, verifier } = await limitedVerifier({
      max: 1,
      windowMs: 60_000,
      maxClients: 2,
    });
    const [a, b, c] = [{ client: '10.0.0.1' }, { client: '10.0.0.2' }, { client: '10.0.0.3' }];
    await verifier.verify(bad(1), a); // a blocked until 60 s
    clock.advance(10_000);
    await verifier.verify(bad(2), b); // b blocked until 70 s
    clock.advance(50_000); // a's window ends exactly now
    expect(statusOf(await verifier.verify(`Bearer ${key}`, a))).toBe(200);
    // a's ended window left the table, so a third client fits beside b without evicting it.
    expect(statusOf(await verifier.verify(bad(3), c))).toBe(401);
    expect(await verifier.verify(`Bearer ${key}`, b)).toMatchObject({
      status: 429,
      headers: { 'retry-after': '10' },
    });
    clock.advance(10_001); // past the end of b's window, not only at it
    expect(statusOf(await verifier.verify(`Bearer ${key}`, b))).toBe(200);
    await verifier.close();
  });

  it('a failure whose store read ends exactly at the end of the window counts in the next window', async () => {
    const { clock, store, key, verifier } = await limitedVerifier({ max: 2, windowMs: 60_000 });
    const client = { client: '203.0.113.10' };
    await verifier.verify(bad(1), client); // the window runs until 60 s
    clock.advance(59_999);
    let release!: () => void;
    store.gate = new Promise<void>((r) => (release = r));
    const held = verifier.verify(bad(2), client); // not blocked (1 of 2), its read held
    clock.advance(1); // the read answers exactly at the end of the window
    release();
    store.gate = undefined;
    expect(statusOf(await held)).toBe(401);
    // That failure opened a new window: one more and the client is blocked for a whole window.
    expect(statusOf(await verifier.verify(bad(3), client))).toBe(401);
    expect(await verifier.verify(`Bearer ${key}`, client)).toMatchObject({
      status: 429,
      headers: { 'retry-after': '60' },
    });
    await verifier.close();
  });

  it('a shared count lower than the local one (a restarted store count) never lowers it', async () => {
    class RestartedCounts extends FaultyStore {
      async countFailedAttempt(): Promise<number> {
        return 1; // e.g. the shared counter expired early or the store was flushed
      }
    }
    const store = new RestartedCounts();
    const { key } = await createKeyManager({ store }).create({ projectId: 'p', name: 'n' });
    const verifier = createVerifier({ store, attemptLimit: { max: 3 } });
    const client = { client: '203.0.113.11' };
    for (let i = 0; i < 3; i++) {
      expect(statusOf(await verifier.verify(bad(i), client))).toBe(401);
      await new Promise((r) => setImmediate(r)); // the shared count has answered
    }
    expect(statusOf(await verifier.verify(`Bearer ${key}`, client))).toBe(429);
    await verifier.close();
  });
});

describe('clientAddress', () => {
  const req = (peer: string, xff?: string) => ({
    socket: { remoteAddress: peer },
    headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
  });

  it('uses the socket peer and ignores X-Forwarded-For unless proxies are trusted', () => {
    expect(clientAddress(req('::ffff:203.0.113.5', '1.2.3.4'), false)).toBe('203.0.113.5');
  });

  it('walks X-Forwarded-For right to left through trusted proxies only', () => {
    const trusted = checkTrustProxy(['loopback', '10.0.0.2']);
    expect(clientAddress(req('127.0.0.1', 'spoofed, 198.51.100.4, 10.0.0.2'), trusted)).toBe(
      '198.51.100.4',
    );
    expect(clientAddress(req('203.0.113.5', '1.2.3.4'), trusted)).toBe('203.0.113.5');
    expect(clientAddress(req('127.0.0.1', '198.51.100.4, 5.6.7.8'), 1)).toBe('5.6.7.8');
    expect(clientAddress(req('127.0.0.1', '198.51.100.4, 5.6.7.8'), 2)).toBe('198.51.100.4');
    expect(clientAddress(req('127.0.0.1'), 1)).toBe('127.0.0.1');
  });

  it('validates trustProxy', () => {
    expect(() => checkTrustProxy(true)).toThrow(/trustProxy must be/);
    expect(() => checkTrustProxy(-1)).toThrow(/trustProxy must be/);
    expect(() => checkTrustProxy(1.5)).toThrow(/trustProxy must be/);
    expect(() => checkTrustProxy([''])).toThrow(/trustProxy must be/);
    expect(() => checkTrustProxy(['10.0.0.5', 7])).toThrow(/trustProxy must be/);
    expect(() => checkTrustProxy('loopback')).toThrow(/trustProxy must be/);
    expect(() => checkTrustProxy([['10.0.0.5']])).toThrow(/trustProxy must be/);
    expect(checkTrustProxy(undefined)).toBe(false);
    expect(checkTrustProxy(false)).toBe(false);
    expect(checkTrustProxy(0)).toBe(0);
    expect(checkTrustProxy([' ::ffff:10.0.0.5 ', 'loopback'])).toEqual([
      '10.0.0.5',
      '127.0.0.1',
      '::1',
    ]);
  });

  it('has no address without a socket peer, and reads a repeated X-Forwarded-For as one list', () => {
    expect(clientAddress({ headers: {} }, false)).toBeUndefined();
    expect(clientAddress({ headers: {}, socket: null }, 1)).toBeUndefined();
    const repeated = {
      socket: { remoteAddress: '127.0.0.1' },
      headers: { 'x-forwarded-for': ['198.51.100.4', '5.6.7.8, 10.0.0.2'] },
    };
    expect(clientAddress(repeated, 2)).toBe('5.6.7.8');
    expect(clientAddress(repeated, 3)).toBe('198.51.100.4');
    // Empty entries are skipped, and the walk stops at the leftmost address.
    expect(clientAddress(req('127.0.0.1', ' , 198.51.100.4,, '), 5)).toBe('198.51.100.4');
    // An IPv6 address that is not an IPv4 mapping stays whole.
    expect(clientAddress(req('::ffff:abcd'), false)).toBe('::ffff:abcd');
  });
});
