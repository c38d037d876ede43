import { hashApiKey } from '../src/keys/key-format';
import { createKeyManager } from '../src/keys/key-manager';
import { MemoryKeyStore } from '../src/stores/memory-store';
import { manualClock } from './fixtures';
import { CountingStore, apiKeyParts, bearer, outcome, usageRowsNear } from './verifier-parts';

// The API-key cache on its own (with the API-key path that fills it): bounded LRUs of verified,
// refused and unknown keys, coalesced store reads, and the change feed's eviction.

const UNKNOWN_KEY = 'vc_0123456789abcdef0123456789abcdef';

async function setup(settings: Partial<Parameters<typeof apiKeyParts>[0]> = {}) {
  const clock = manualClock();
  const memory = new MemoryKeyStore({ now: clock.now });
  const counting = new CountingStore(memory);
  const keys = createKeyManager({ store: memory, now: clock.now });
  const parts = apiKeyParts({ store: counting.store, now: clock.now, ...settings });
  const { key, record } = await keys.create({ projectId: 'p', name: 'one' });
  return { clock, memory, counting, keys, parts, cache: parts.cache, key, record };
}

describe('ApiKeyCache: what it holds', () => {
  it('starts empty, with the feed trusted', async () => {
    const { cache } = await setup();
    expect(cache.sizes()).toEqual({ verifiedKeys: 0, refusedKeys: 0, unknownKeys: 0 });
    expect(cache.feedUp).toBe(true);
  });

  it('a verified key is held once and served without another store read', async () => {
    const { parts, counting, key } = await setup();
    expect(outcome(await parts.verify(bearer(key)))).toBe('ok');
    expect(outcome(await parts.verify(bearer(key)))).toBe('ok');
    expect(counting.hashReads).toBe(1);
    expect(parts.cache.sizes()).toEqual({ verifiedKeys: 1, refusedKeys: 0, unknownKeys: 0 });
  });

  it('a revoked key is held as refused, an unknown key as unknown', async () => {
    const { parts, counting, keys, key, record } = await setup();
    await keys.revoke(record.id);
    expect(outcome(await parts.verify(bearer(key)))).toBe('revoked');
    expect(outcome(await parts.verify(bearer(UNKNOWN_KEY)))).toBe('unknown');
    expect(outcome(await parts.verify(bearer(key)))).toBe('revoked');
    expect(outcome(await parts.verify(bearer(UNKNOWN_KEY)))).toBe('unknown');
    expect(counting.hashReads).toBe(2);
    expect(parts.cache.sizes()).toEqual({ verifiedKeys: 0, refusedKeys: 1, unknownKeys: 1 });
  });

  it('every cache keeps at most its max entries, least recently used out first', async () => {
    const { parts, keys, key, counting } = await setup({
      cacheMax: 2,
      revokedMax: 2,
      unknownMax: 2,
    });
    const more = [
      (await keys.create({ projectId: 'p', name: 'two' })).key,
      (await keys.create({ projectId: 'p', name: 'three' })).key,
    ];
    const unknown = ['a', 'b', 'c'].map((c) => `vc_${c.repeat(32)}`);
    for (const k of unknown) expect(outcome(await parts.verify(bearer(k)))).toBe('unknown');
    const revoked = await Promise.all(
      ['r1', 'r2', 'r3'].map(async (name) => {
        const issued = await keys.create({ projectId: 'p', name });
        await keys.revoke(issued.record.id);
        return issued.key;
      }),
    );
    for (const k of revoked) expect(outcome(await parts.verify(bearer(k)))).toBe('revoked');
    for (const k of [key, ...more]) expect(outcome(await parts.verify(bearer(k)))).toBe('ok');
    expect(parts.cache.sizes()).toEqual({ verifiedKeys: 2, refusedKeys: 2, unknownKeys: 2 });
    // The first of each was dropped: it needs the store again; the last did not.
    const before = counting.hashReads;
    await parts.verify(bearer(more[1]!));
    await parts.verify(bearer(unknown[2]!));
    await parts.verify(bearer(revoked[2]!));
    expect(counting.hashReads).toBe(before);
    await parts.verify(bearer(key));
    await parts.verify(bearer(unknown[0]!));
    await parts.verify(bearer(revoked[0]!));
    expect(counting.hashReads).toBe(before + 3);
  });

  it('unknown hashes are forgotten after unknownTtlMs, to the millisecond', async () => {
    const { parts, clock, counting } = await setup({ unknownTtlMs: 1000 });
    await parts.verify(bearer(UNKNOWN_KEY));
    clock.advance(1000);
    await parts.verify(bearer(UNKNOWN_KEY));
    expect(counting.hashReads).toBe(1);
    clock.advance(1);
    await parts.verify(bearer(UNKNOWN_KEY));
    expect(counting.hashReads).toBe(2);
  });

  it('refused keys are forgotten after the ttl, to the millisecond (a key can be changed back)', async () => {
    const { parts, clock, counting, keys, key, record } = await setup({ ttl: 5000 });
    await keys.revoke(record.id);
    await parts.verify(bearer(key));
    clock.advance(5000);
    expect(outcome(await parts.verify(bearer(key)))).toBe('revoked');
    expect(counting.hashReads).toBe(1);
    clock.advance(1);
    expect(outcome(await parts.verify(bearer(key)))).toBe('revoked');
    expect(counting.hashReads).toBe(2);
  });
});

describe('ApiKeyCache.onChange: the change feed', () => {
  it('a change to a key evicts it from every cache; a change to another key evicts nothing', async () => {
    const { parts, cache, counting, keys, key, record } = await setup();
    const other = await keys.create({ projectId: 'p', name: 'other' });
    await parts.verify(bearer(key));
    await parts.verify(bearer(other.key));
    await parts.verify(bearer(UNKNOWN_KEY));
    cache.onChange({ type: 'changed', id: other.record.id, hash: other.record.hash });
    expect(cache.sizes()).toEqual({ verifiedKeys: 1, refusedKeys: 0, unknownKeys: 1 });
    await parts.verify(bearer(key));
    expect(counting.hashReads).toBe(3);
    cache.onChange({ type: 'changed', id: record.id, hash: record.hash });
    cache.onChange({ type: 'changed', id: 'key_x', hash: hashApiKey(UNKNOWN_KEY) });
    expect(cache.sizes()).toEqual({ verifiedKeys: 0, refusedKeys: 0, unknownKeys: 0 });
    await parts.verify(bearer(key));
    expect(counting.hashReads).toBe(4);
  });

  it('a change evicts a refused key, so a key changed back is accepted at once', async () => {
    const { parts, cache, memory, keys, key, record } = await setup();
    await keys.revoke(record.id);
    expect(outcome(await parts.verify(bearer(key)))).toBe('revoked');
    await memory.update(record.id, { revokedAt: null });
    expect(outcome(await parts.verify(bearer(key)))).toBe('revoked'); // no change heard yet
    cache.onChange({ type: 'changed', id: record.id, hash: record.hash });
    expect(cache.sizes().refusedKeys).toBe(0);
    expect(outcome(await parts.verify(bearer(key)))).toBe('ok');
  });

  it('subscribed to a real store, a revocation is refused on the next request', async () => {
    const { parts, cache, memory, keys, key, record } = await setup();
    const unsubscribe = memory.subscribe(cache.onChange);
    expect(outcome(await parts.verify(bearer(key)))).toBe('ok');
    await keys.revoke(record.id);
    expect(outcome(await parts.verify(bearer(key)))).toBe('revoked');
    unsubscribe();
  });

  it('a change to a key drops its state kept for tokens (by id)', async () => {
    const { parts, cache, counting, clock, record } = await setup();
    await parts.keyStates.lookup(record.id, clock.now());
    await parts.keyStates.lookup(record.id, clock.now());
    expect(counting.idReads).toBe(1);
    cache.onChange({ type: 'changed', id: record.id, hash: record.hash });
    await parts.keyStates.lookup(record.id, clock.now());
    expect(counting.idReads).toBe(2);
  });

  it('feed lost: cached keys are not trusted (each request reads the store) until it is back', async () => {
    const { parts, cache, counting, key, keys, record } = await setup();
    await parts.verify(bearer(key));
    cache.onChange({ type: 'feed_lost' });
    expect(cache.feedUp).toBe(false);
    expect(parts.events.filter((e) => e.type === 'feed_lost')).toHaveLength(1);
    await parts.verify(bearer(key));
    await parts.verify(bearer(key));
    expect(counting.hashReads).toBe(3);
    // A revocation that the lost feed never delivered is seen all the same.
    await keys.revoke(record.id);
    expect(outcome(await parts.verify(bearer(key)))).toBe('revoked');
  });

  it('feed lost: token key states are re-read too', async () => {
    const { parts, cache, counting, clock, record } = await setup();
    await parts.keyStates.lookup(record.id, clock.now());
    cache.onChange({ type: 'feed_lost' });
    await parts.keyStates.lookup(record.id, clock.now());
    expect(counting.idReads).toBe(2);
  });

  it('feed restored: every cache is cleared (messages may have been missed) and trusted again', async () => {
    const { parts, cache, counting, clock, keys, key, record } = await setup();
    const revoked = await keys.create({ projectId: 'p', name: 'revoked' });
    await keys.revoke(revoked.record.id);
    await parts.verify(bearer(key));
    await parts.verify(bearer(revoked.key));
    await parts.verify(bearer(UNKNOWN_KEY));
    await parts.keyStates.lookup(record.id, clock.now());
    cache.onChange({ type: 'feed_lost' });
    cache.onChange({ type: 'feed_restored' });
    expect(cache.feedUp).toBe(true);
    expect(cache.sizes()).toEqual({ verifiedKeys: 0, refusedKeys: 0, unknownKeys: 0 });
    expect(parts.events.map((e) => e.type).filter((t) => t.startsWith('feed'))).toEqual([
      'feed_lost',
      'feed_restored',
    ]);
    await parts.keyStates.lookup(record.id, clock.now());
    expect(counting.idReads).toBe(2);
    const reads = counting.hashReads;
    await parts.verify(bearer(key));
    await parts.verify(bearer(key));
    expect(counting.hashReads).toBe(reads + 1);
  });
});

describe('ApiKeyCache.read: one store read per hash in flight', () => {
  it('concurrent reads of one hash share one store read; other hashes read on their own', async () => {
    const { cache, counting, record } = await setup();
    let open!: () => void;
    counting.gate = new Promise((resolve) => (open = resolve));
    const reads = [cache.read(record.hash), cache.read(record.hash), cache.read(record.hash)];
    const other = cache.read(hashApiKey(UNKNOWN_KEY));
    open();
    const results = await Promise.all(reads);
    expect(counting.hashReads).toBe(2);
    for (const result of results) {
      expect(result.cacheable).toBe(true);
      expect(result.record?.id).toBe(record.id);
    }
    expect(await other).toEqual({ record: null, cacheable: true });
    counting.gate = undefined;
    await cache.read(record.hash);
    expect(counting.hashReads).toBe(3); // nothing in flight any more: a new read
  });

  it('a change during the read: read again; a second change: the answer is not cacheable', async () => {
    const { cache, counting, record } = await setup();
    let open!: () => void;
    counting.gate = new Promise((resolve) => (open = resolve));
    const once = cache.read(record.hash);
    cache.onChange({ type: 'changed', id: record.id, hash: record.hash });
    counting.gate = undefined;
    open();
    expect((await once).cacheable).toBe(true);
    expect(counting.hashReads).toBe(2);

    const first = counting.holdNext();
    const second = counting.holdNext();
    const twice = cache.read(record.hash);
    cache.onChange({ type: 'changed', id: record.id, hash: record.hash });
    first();
    // The second attempt is in flight (held): a change now makes its answer not cacheable.
    await new Promise((resolve) => setImmediate(resolve));
    expect(counting.hashReads).toBe(4);
    cache.onChange({ type: 'changed', id: record.id, hash: record.hash });
    second();
    expect((await twice).cacheable).toBe(false);
    expect(counting.hashReads).toBe(4);
  });

  it('a read in flight when the feed is lost is read again', async () => {
    const { cache, counting, record } = await setup();
    let open!: () => void;
    counting.gate = new Promise((resolve) => (open = resolve));
    const read = cache.read(record.hash);
    cache.onChange({ type: 'feed_lost' });
    counting.gate = undefined;
    open();
    expect((await read).record?.id).toBe(record.id);
    expect(counting.hashReads).toBe(2);
  });

  it('a store failure rejects every caller of the shared read, and the next read tries again', async () => {
    const { cache, counting, record } = await setup();
    counting.failure = new Error('down');
    await expect(Promise.all([cache.read(record.hash), cache.read(record.hash)])).rejects.toThrow(
      'down',
    );
    expect(counting.hashReads).toBe(1);
    counting.failure = undefined;
    expect((await cache.read(record.hash)).record?.id).toBe(record.id);
  });
});

describe('ApiKeyCache.countRateLimited', () => {
  it('counts a rate-limited request for a key it holds (verified or refused), and nothing else', async () => {
    const { parts, cache, memory, keys, key, record, clock } = await setup({ usage: true });
    const revoked = await keys.create({ projectId: 'p', name: 'revoked' });
    await keys.revoke(revoked.record.id);
    await parts.verify(bearer(key));
    await parts.verify(bearer(revoked.key));
    cache.countRateLimited(bearer(key));
    cache.countRateLimited(bearer(key));
    cache.countRateLimited(bearer(revoked.key));
    cache.countRateLimited(bearer(UNKNOWN_KEY));
    cache.countRateLimited('Basic abc');
    cache.countRateLimited(undefined);
    await parts.usage!.flush();
    const rows = await usageRowsNear(memory, clock.now());
    const count = (keyId: string, what: string): number =>
      rows.filter((r) => r.keyId === keyId && r.outcome === what).reduce((n, r) => n + r.count, 0);
    expect(count(record.id, 'rate_limited')).toBe(2);
    expect(count(record.id, 'valid')).toBe(1);
    expect(count(revoked.record.id, 'rate_limited')).toBe(1);
    expect(count(revoked.record.id, 'revoked')).toBe(1);
    expect(rows.reduce((n, r) => n + r.count, 0)).toBe(5);
    // A rate-limited request is not a use of the key.
    expect((await memory.get(record.id))?.requestCount).toBe(1);
  });
});
