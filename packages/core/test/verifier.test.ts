import { createKeyManager } from '../src/keys/key-manager';
import { MemoryKeyStore } from '../src/stores/memory-store';
import type { AuthEvent } from '../src/types';
import { createVerifier } from '../src/verify/verifier';
import { coreVerifier, verifyNow } from '../src/verify/core-verifier';
import { failureFor } from '../src/http/answers';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { FaultyStore, PLAINTEXT_KEY, manualClock, storeWithoutFeed, thrownBy } from './fixtures';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const bearer = (key: string): string => `Bearer ${key}`;

async function setup(options: { staleIfErrorMs?: number; timeoutMs?: number } = {}) {
  const clock = manualClock();
  const store = new FaultyStore();
  const keys = createKeyManager({ store, now: clock.now });
  const events: AuthEvent[] = [];
  const verifier = createVerifier({
    store,
    now: clock.now,
    onEvent: (e) => events.push(e),
    usage: { flushIntervalMs: 3_600_000 },
    ...options,
  });
  return { clock, store, keys, events, verifier };
}

describe('verifier caching', () => {
  it('reads the store once per cached key, again after the ttl', async () => {
    const { store, keys, verifier, clock } = await setup();
    const { key } = await keys.create({ projectId: 'p', name: 'n' });
    for (let i = 0; i < 50; i++) expect((await verifier.verify(bearer(key))).ok).toBe(true);
    expect(store.reads).toBe(1);
    clock.advance(60_000);
    expect((await verifier.verify(bearer(key))).ok).toBe(true);
    expect(store.reads).toBe(2);
    await verifier.close();
  });

  it('repeated unknown keys do not reach the store until the unknown ttl passes', async () => {
    const { store, verifier, clock } = await setup();
    const unknown = bearer(`vc_${'c'.repeat(32)}`);
    for (let i = 0; i < 10; i++) expect((await verifier.verify(unknown)).ok).toBe(false);
    expect(store.reads).toBe(1);
    clock.advance(10_001);
    await verifier.verify(unknown);
    expect(store.reads).toBe(2);
    await verifier.close();
  });

  // A 10-second measurement: left out of mutation runs (jest.mutation.config.ts), where the
  // bound is checked directly by cache-bounds.test.ts.
  const measured = (globalThis as { VECTORCACHE_MUTATION_RUN?: boolean }).VECTORCACHE_MUTATION_RUN
    ? it.skip
    : it;
  measured(
    '200,000 random unknown keys: the store is read once per key and heap growth stays bounded',
    async () => {
      const store = new FaultyStore();
      const verifier = createVerifier({
        store,
        cache: { unknownMax: 1000, max: 1000, revokedMax: 1000 },
      });
      const random = (): string => {
        let hex = '';
        for (let i = 0; i < 4; i++)
          hex += Math.floor(Math.random() * 2 ** 32)
            .toString(16)
            .padStart(8, '0');
        return `vc_${hex}`;
      };
      const warm = Array.from({ length: 5000 }, random);
      for (const key of warm) await verifier.verify(bearer(key));
      gc();
      const before = process.memoryUsage().heapUsed;
      const total = 200_000;
      for (let i = 0; i < total; i++) await verifier.verify(bearer(random()));
      gc();
      const growth = process.memoryUsage().heapUsed - before;
      expect(store.reads).toBe(total + warm.length);
      // 200,000 cached hashes would take well over 20 MB; the bounded cache keeps about 1,000.
      expect(growth).toBeLessThan(8 * 1024 * 1024);
      await verifier.close();
    },
    120_000,
  );
});

describe('revocation', () => {
  it('is immediate on the instance sharing the store', async () => {
    const { keys, verifier } = await setup();
    const { key, record } = await keys.create({ projectId: 'p', name: 'n' });
    expect((await verifier.verify(bearer(key))).ok).toBe(true);
    await keys.revoke(record.id);
    const result = await verifier.verify(bearer(key));
    expect(!result.ok && result.reason).toBe('revoked');
  });

  it('a revocation during an in-flight read wins: the stale record is not cached', async () => {
    const { store, keys, verifier } = await setup();
    const { key, record } = await keys.create({ projectId: 'p', name: 'n' });
    let release!: () => void;
    store.gate = new Promise((r) => (release = r));
    const inFlight = verifier.verify(bearer(key));
    await new Promise((r) => setImmediate(r));
    await keys.revoke(record.id); // lands while the read is held
    store.gate = undefined;
    release();
    const first = await inFlight;
    expect(!first.ok && first.reason).toBe('revoked');
    const second = await verifier.verify(bearer(key));
    expect(!second.ok && second.reason).toBe('revoked');
    await verifier.close();
  });

  it('without a feed, staleness is bounded by the ttl', async () => {
    const clock = manualClock();
    const inner = new MemoryKeyStore();
    const store = storeWithoutFeed(inner);
    const keys = createKeyManager({ store, now: clock.now });
    const verifier = createVerifier({ store, now: clock.now, cache: { ttlMs: 5000 } });
    const { key, record } = await keys.create({ projectId: 'p', name: 'n' });
    expect((await verifier.verify(bearer(key))).ok).toBe(true);
    await keys.revoke(record.id);
    expect((await verifier.verify(bearer(key))).ok).toBe(true); // cached, no feed
    clock.advance(5000);
    expect((await verifier.verify(bearer(key))).ok).toBe(false);
    await verifier.close();
  });
});

describe('rotation', () => {
  it('the old key works during the grace period and is expired after it', async () => {
    const { keys, verifier, clock } = await setup();
    const old = await keys.create({ projectId: 'p', name: 'svc', scopes: ['cache:read'] });
    expect((await verifier.verify(bearer(old.key))).ok).toBe(true);
    const rotated = await keys.rotate(old.record.id, { gracePeriodMs: 60 * 60_000 });
    expect(rotated.record.id).not.toBe(old.record.id);
    expect(rotated.record).toMatchObject({ projectId: 'p', name: 'svc', scopes: ['cache:read'] });
    clock.advance(59 * 60_000);
    expect((await verifier.verify(bearer(old.key))).ok).toBe(true);
    expect((await verifier.verify(bearer(rotated.key))).ok).toBe(true);
    clock.advance(60_000);
    const after = await verifier.verify(bearer(old.key));
    expect(!after.ok && after.reason).toBe('expired');
    expect((await verifier.verify(bearer(rotated.key))).ok).toBe(true);
    expect((await keys.get(old.record.id))?.status).toBe('expired');
  });

  it('without a grace period the old key stops at once', async () => {
    const { keys, verifier } = await setup();
    const old = await keys.create({ projectId: 'p', name: 'svc' });
    expect((await verifier.verify(bearer(old.key))).ok).toBe(true);
    const rotated = await keys.rotate(old.record.id);
    const after = await verifier.verify(bearer(old.key));
    expect(!after.ok && after.reason).toBe('revoked');
    expect((await verifier.verify(bearer(rotated.key))).ok).toBe(true);
  });
});

describe('usage', () => {
  it('N verifies then flush: requestCount N and lastUsedAt set, in one batched store call', async () => {
    const { store, keys, verifier, clock } = await setup();
    const a = await keys.create({ projectId: 'p', name: 'a' });
    const b = await keys.create({ projectId: 'p', name: 'b', scopes: ['cache:read'] });
    for (let i = 0; i < 37; i++) {
      clock.advance(10);
      await verifier.verify(bearer(a.key));
    }
    // Found active but refused for its scope: still counted.
    for (let i = 0; i < 5; i++) await verifier.verify(bearer(b.key), { scopes: ['cache:write'] });
    expect(store.usageCalls).toBe(0);
    await verifier.flush();
    expect(store.usageCalls).toBe(1);
    const recA = await keys.get(a.record.id);
    expect(recA?.requestCount).toBe(37);
    expect(recA?.lastUsedAt).toBe(new Date(clock.now()).toISOString());
    expect((await keys.get(b.record.id))?.requestCount).toBe(5);
    await verifier.flush();
    expect(store.usageCalls).toBe(1); // nothing pending, no write
  });

  it('without usage analytics or an event listener, a principal holds its fields and nothing hidden', async () => {
    const store = new MemoryKeyStore();
    const { key } = await createKeyManager({ store }).create({ projectId: 'p', name: 'a' });
    const fields = [
      'keyId',
      'projectId',
      'name',
      'prefix',
      'scopes',
      'environment',
      'ownerId',
      'meta',
    ];
    const plain = createVerifier({ store, usage: { enabled: false } });
    const counted = createVerifier({ store });
    const principalOf = async (verifier: typeof plain): Promise<object> => {
      const result = await verifier.verify(bearer(key));
      if (!result.ok) throw new Error('the key must verify');
      return result.principal;
    };
    expect(Reflect.ownKeys(await principalOf(plain))).toEqual(fields);
    // With usage on, the declared hook a route guard's refusal is counted through (not enumerable).
    const principal = await principalOf(counted);
    expect(Reflect.ownKeys(principal)).toEqual([...fields, 'onRouteRefusal']);
    expect(Object.keys(principal)).toEqual(fields);
    await Promise.all([plain.close(), counted.close()]);
  });

  it('close() flushes what is pending', async () => {
    const { keys, verifier } = await setup();
    const a = await keys.create({ projectId: 'p', name: 'a' });
    for (let i = 0; i < 12; i++) await verifier.verify(bearer(a.key));
    await verifier.close();
    expect((await keys.get(a.record.id))?.requestCount).toBe(12);
  });

  it('a failed flush keeps the counts for the next one', async () => {
    const { store, keys, verifier } = await setup();
    const a = await keys.create({ projectId: 'p', name: 'a' });
    for (let i = 0; i < 4; i++) await verifier.verify(bearer(a.key));
    const original = store.recordUsage.bind(store);
    store.recordUsage = async () => {
      throw new Error('down');
    };
    await expect(verifier.flush()).rejects.toThrow('down');
    store.recordUsage = original;
    await verifier.flush();
    expect((await keys.get(a.record.id))?.requestCount).toBe(4);
  });
});

describe('store failures', () => {
  it('a store that never answers gets the 503 within the timeout', async () => {
    const { store, verifier } = await setup({ timeoutMs: 100 });
    store.mode = 'hang';
    const started = Date.now();
    const result = await verifier.verify(bearer(`vc_${'d'.repeat(32)}`));
    expect(!result.ok && result.status).toBe(503);
    // Generous bound: the point is that it does not hang.
    expect(Date.now() - started).toBeLessThan(5000);
    await verifier.close();
  });

  it('a store error that contains the key: fixed 503 body, the key in no event', async () => {
    const { store, keys, events, verifier } = await setup();
    const { key } = await keys.create({ projectId: 'p', name: 'n' });
    store.mode = 'throw';
    store.secret = key;
    const result = await verifier.verify(bearer(key));
    expect(result).toMatchObject({ ok: false, status: 503, reason: 'store_unavailable' });
    expect(JSON.stringify(result)).not.toContain(key);
    expect(JSON.stringify(events)).not.toMatch(PLAINTEXT_KEY);
    expect(events.at(-1)).toMatchObject({ type: 'rejected', reason: 'store_unavailable' });
  });

  it('fails closed by default even for a cached key once the ttl passed', async () => {
    const { store, keys, verifier, clock } = await setup();
    const { key } = await keys.create({ projectId: 'p', name: 'n' });
    expect((await verifier.verify(bearer(key))).ok).toBe(true);
    store.mode = 'throw';
    clock.advance(60_000);
    expect((await verifier.verify(bearer(key))).ok).toBe(false);
  });

  it('staleIfError serves a recently verified key while the store is down, not older', async () => {
    const { store, keys, verifier, clock } = await setup({ staleIfErrorMs: 30_000 });
    const { key } = await keys.create({ projectId: 'p', name: 'n' });
    expect((await verifier.verify(bearer(key))).ok).toBe(true);
    store.mode = 'throw';
    clock.advance(60_000 + 29_000);
    expect((await verifier.verify(bearer(key))).ok).toBe(true);
    clock.advance(1_000);
    expect((await verifier.verify(bearer(key))).ok).toBe(false);
    // An unknown key is never served from nothing.
    expect((await verifier.verify(bearer(`vc_${'e'.repeat(32)}`))).ok).toBe(false);
  });

  it('a throwing onEvent listener does not change the answer', async () => {
    const store = new MemoryKeyStore();
    const { key } = await createKeyManager({ store }).create({ projectId: 'p', name: 'n' });
    const verifier = createVerifier({
      store,
      onEvent: () => {
        throw new Error('listener bug');
      },
    });
    expect((await verifier.verify(bearer(key))).ok).toBe(true);
    expect((await verifier.verify('Basic x')).ok).toBe(false);
    await verifier.close();
  });
});

describe('options', () => {
  it.each([
    [{ timeoutMs: 0 }, /timeoutMs/],
    [{ cache: { max: -1 } }, /cache\.max/],
  ])('refuses %j with a message naming the option', (bad, message) => {
    expect(() => createVerifier({ store: new MemoryKeyStore(), ...bad })).toThrow(message);
  });

  const whole = (name: string, got: string, fallback: number): string =>
    `${name} must be a whole number >= 1 (got ${got}); leave it out for the default ${fallback}.`;
  it.each([
    [{ cache: { revokedMax: 0 } }, whole('cache.revokedMax', '0', 10_000)],
    [{ cache: { unknownMax: 1.5 } }, whole('cache.unknownMax', '1.5', 10_000)],
    [{ cache: { unknownTtlMs: -1 } }, whole('cache.unknownTtlMs', '-1', 10_000)],
    [{ usage: { maxPendingKeys: 0 } }, whole('usage.maxPendingKeys', '0', 10_000)],
    [{ usage: { flushIntervalMs: 0 } }, whole('usage.flushIntervalMs', '0', 1000)],
    [
      { staleIfErrorMs: -5 },
      'staleIfErrorMs must be a number >= 0 of milliseconds (got -5); leave it out for the default 0.',
    ],
    [
      { allowedScopes: ['cache:read', 'Cache:Write'] },
      'allowedScopes holds an invalid scope "Cache:Write": use "resource:action" with lowercase letters, digits, "_" or "-" (e.g. "cache:read"), "resource:*" or "*".',
    ],
    [
      { allowedScopes: [] },
      'allowedScopes must list the scopes keys may be given, e.g. cache:read,cache:write,analytics:read.',
    ],
  ])('refuses %j: invalid_option, naming the option and what to give', (bad, message) => {
    const error = thrownBy(() => createVerifier({ store: new MemoryKeyStore(), ...bad }));
    expect(error.code).toBe('invalid_option');
    expect(error.message).toBe(message);
  });

  it.each([
    ['no store', {}],
    ['a store without findByHash', { store: { close: async () => undefined } }],
  ])('refuses %s, showing how to pass one', (_what, options) => {
    const error = thrownBy(() => createVerifier(options as never));
    expect(error.code).toBe('invalid_option');
    expect(error.message).toBe(
      'createVerifier needs a store, e.g. createVerifier({ store: new SqliteKeyStore({ path: ".vectorcache/keys.db" }) }).',
    );
  });
});

describe('what a verifier carries', () => {
  it('a JWT-shaped token is a malformed key when no jwt option was given: 401, never a throw', async () => {
    const verifier = createVerifier({ store: new MemoryKeyStore() });
    const jwtLike = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlc2lnbmF0dXJl';
    expect(await verifier.verify(`Bearer ${jwtLike}`)).toMatchObject({
      ok: false,
      status: 401,
      reason: 'invalid_format',
    });
    await verifier.close();
  });

  it('a copy of its methods ({ ...verifier }) carries none of what adapters use: they then call its verify', async () => {
    const store = new MemoryKeyStore();
    const { key } = await createKeyManager({ store }).create({ projectId: 'p', name: 'n' });
    const verifier = createVerifier({ store });
    // What adapters use is declared (`CoreVerifier`), not enumerable, and no symbol.
    expect(Object.getOwnPropertySymbols(verifier)).toEqual([]);
    expect(Object.keys(verifier).sort()).toEqual(['close', 'flush', 'stats', 'verify']);
    expect(coreVerifier(verifier)).toBe(verifier);
    // A wrapper that refuses everything is obeyed, not bypassed through the original's hot path.
    const wrapped = {
      ...verifier,
      verify: async () => failureFor('revoked'),
    };
    expect(coreVerifier(wrapped)).toBeUndefined();
    expect(await verifyNow(wrapped, `Bearer ${key}`)).toMatchObject({
      ok: false,
      reason: 'revoked',
    });
    await verifier.close();
  });
});

describe('verifyNow (the synchronous hot path)', () => {
  it('answers cached keys and bad headers at once, and returns a promise when the store is needed', async () => {
    const { store, keys, verifier } = await setup();
    const { key } = await keys.create({ projectId: 'p', name: 'n', scopes: ['cache:read'] });
    const first = verifyNow(verifier, bearer(key)); // not cached yet
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toMatchObject({ ok: true });
    expect(store.reads).toBe(1); // one read, nothing done twice
    expect(verifyNow(verifier, bearer(key), { scopes: ['cache:read'] })).toMatchObject({
      ok: true,
    });
    expect(verifyNow(verifier, bearer(key), { scopes: ['cache:write'] })).toMatchObject({
      ok: false,
      status: 403,
    });
    expect(verifyNow(verifier, 'Basic abc')).toMatchObject({ ok: false, reason: 'malformed' });
    expect(verifyNow(verifier, undefined)).toMatchObject({ ok: false, reason: 'missing' });
    const unknown = bearer(`vc_${'9'.repeat(32)}`);
    const miss = verifyNow(verifier, unknown);
    expect(miss).toBeInstanceOf(Promise);
    expect(await miss).toMatchObject({ ok: false, reason: 'unknown' });
    expect(verifyNow(verifier, unknown)).toMatchObject({ ok: false, reason: 'unknown' });
    expect(store.reads).toBe(2);
    await verifier.close();
  });
});
