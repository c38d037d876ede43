import { hashApiKey } from '../src/keys/key-format';
import { createKeyManager } from '../src/keys/key-manager';
import { MemoryKeyStore } from '../src/stores/memory-store';
import { manualClock } from './fixtures';
import { CountingStore, bearer, outcome, usageRowsNear, verifierOver } from './verifier-harness';

// The verifier's API-key caches, seen from its surface: bounded LRUs of verified, refused and
// unknown keys, coalesced store reads, and the change feed's eviction.

const UNKNOWN_KEY = 'vc_0123456789abcdef0123456789abcdef';

async function setup(settings: Partial<Parameters<typeof verifierOver>[0]> = {}) {
  const clock = manualClock();
  const memory = new MemoryKeyStore({ now: clock.now });
  const counting = new CountingStore(memory);
  const keys = createKeyManager({ store: memory, now: clock.now });
  const parts = verifierOver({ store: counting.store, now: clock.now, ...settings });
  const { key, record } = await keys.create({ projectId: 'p', name: 'one' });
  return { clock, memory, counting, keys, parts, key, record };
}

describe('the API-key caches: what they hold', () => {
  it('starts empty, with the feed trusted', async () => {
    const { parts } = await setup();
    expect(parts.verifier.stats()).toEqual({
      verifiedKeys: 0,
      refusedKeys: 0,
      unknownKeys: 0,
      feed: 'up',
    });
  });

  it('a verified key is held once and served without another store read', async () => {
    const { parts, counting, key } = await setup();
    expect(outcome(await parts.verify(bearer(key)))).toBe('ok');
    expect(outcome(await parts.verify(bearer(key)))).toBe('ok');
    expect(counting.hashReads).toBe(1);
    expect(parts.sizes()).toEqual({ verifiedKeys: 1, refusedKeys: 0, unknownKeys: 0 });
  });

  it('a revoked key is held as refused, an unknown key as unknown', async () => {
    const { parts, counting, keys, key, record } = await setup();
    await keys.revoke(record.id);
    expect(outcome(await parts.verify(bearer(key)))).toBe('revoked');
    expect(outcome(await parts.verify(bearer(UNKNOWN_KEY)))).toBe('unknown');
    expect(outcome(await parts.verify(bearer(key)))).toBe('revoked');
    expect(outcome(await parts.verify(bearer(UNKNOWN_KEY)))).toBe('unknown');
    expect(counting.hashReads).toBe(2);
    expect(parts.sizes()).toEqual({ verifiedKeys: 0, refusedKeys: 1, unknownKeys: 1 });
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

describe('the change feed', () => {
  it('a change to a key evicts it from every cache; a change to another key evicts nothing', async () => {
    const { parts, counting, keys, key, record } = await setup();
    const other = await keys.create({ projectId: 'p', name: 'other' });
    await parts.verify(bearer(key));
    await parts.verify(bearer(other.key));
    await parts.verify(bearer(UNKNOWN_KEY));
    parts.feed({ type: 'changed', id: other.record.id, hash: other.record.hash });
    expect(parts.sizes()).toEqual({ verifiedKeys: 1, refusedKeys: 0, unknownKeys: 1 });
    await parts.verify(bearer(key));
    expect(counting.hashReads).toBe(3);
    parts.feed({ type: 'changed', id: record.id, hash: record.hash });
    parts.feed({ type: 'changed', id: 'key_x', hash: hashApiKey(UNKNOWN_KEY) });
    expect(parts.sizes()).toEqual({ verifiedKeys: 0, refusedKeys: 0, unknownKeys: 0 });
    await parts.verify(bearer(key));
    expect(counting.hashReads).toBe(4);
  });

  it('a change evicts a refused key, so a key changed back is accepted at once', async () => {
    const { parts, memory, keys, key, record } = await setup();
    await keys.revoke(record.id);
    expect(outcome(await parts.verify(bearer(key)))).toBe('revoked');
    await memory.update(record.id, { revokedAt: null });
    expect(outcome(await parts.verify(bearer(key)))).toBe('revoked'); // no change heard yet
    parts.feed({ type: 'changed', id: record.id, hash: record.hash });
    expect(parts.sizes().refusedKeys).toBe(0);
    expect(outcome(await parts.verify(bearer(key)))).toBe('ok');
  });

  it('an expiry moved later (a key changed back): the change makes it valid again at once', async () => {
    const { parts, memory, clock, key, record } = await setup();
    memory.subscribe(parts.feed);
    await memory.update(record.id, { expiresAt: new Date(clock.now() + 1000).toISOString() });
    expect(outcome(await parts.verify(bearer(key)))).toBe('ok');
    clock.advance(1000);
    expect(outcome(await parts.verify(bearer(key)))).toBe('expired');
    expect(outcome(await parts.verify(bearer(key)))).toBe('expired'); // held as refused
    await memory.update(record.id, { expiresAt: new Date(clock.now() + 3_600_000).toISOString() });
    expect(outcome(await parts.verify(bearer(key)))).toBe('ok');
  });

  it('subscribed to a real store, a revocation is refused on the next request', async () => {
    const { parts, memory, keys, key, record } = await setup();
    const unsubscribe = memory.subscribe(parts.feed);
    expect(outcome(await parts.verify(bearer(key)))).toBe('ok');
    await keys.revoke(record.id);
    expect(outcome(await parts.verify(bearer(key)))).toBe('revoked');
    unsubscribe();
  });

  it('feed lost: cached keys are not trusted (each request reads the store) until it is back', async () => {
    const { parts, counting, key, keys, record } = await setup();
    await parts.verify(bearer(key));
    parts.feed({ type: 'feed_lost' });
    expect(parts.verifier.stats().feed).toBe('down');
    expect(parts.events.filter((e) => e.type === 'feed_lost')).toHaveLength(1);
    await parts.verify(bearer(key));
    await parts.verify(bearer(key));
    expect(counting.hashReads).toBe(3);
    // A revocation that the lost feed never delivered is seen all the same.
    await keys.revoke(record.id);
    expect(outcome(await parts.verify(bearer(key)))).toBe('revoked');
  });

  it('feed restored: every cache is cleared (messages may have been missed) and trusted again', async () => {
    const { parts, counting, keys, key } = await setup();
    const revoked = await keys.create({ projectId: 'p', name: 'revoked' });
    await keys.revoke(revoked.record.id);
    await parts.verify(bearer(key));
    await parts.verify(bearer(revoked.key));
    await parts.verify(bearer(UNKNOWN_KEY));
    parts.feed({ type: 'feed_lost' });
    parts.feed({ type: 'feed_restored' });
    expect(parts.verifier.stats().feed).toBe('up');
    expect(parts.sizes()).toEqual({ verifiedKeys: 0, refusedKeys: 0, unknownKeys: 0 });
    expect(parts.events.map((e) => e.type).filter((t) => t.startsWith('feed'))).toEqual([
      'feed_lost',
      'feed_restored',
    ]);
    const reads = counting.hashReads;
    await parts.verify(bearer(key));
    await parts.verify(bearer(key));
    expect(counting.hashReads).toBe(reads + 1);
  });
});

describe('one store read per key in flight', () => {
  it('concurrent requests with one key share one store read; other keys read on their own', async () => {
    const { parts, counting, key, record } = await setup();
    let open!: () => void;
    counting.gate = new Promise((resolve) => (open = resolve));
    const reads = [parts.verify(bearer(key)), parts.verify(bearer(key)), parts.verify(bearer(key))];
    const other = parts.verify(bearer(UNKNOWN_KEY));
    // A change to another key leaves these reads alone.
    parts.feed({ type: 'changed', id: 'key_x', hash: 'f'.repeat(64) });
    open();
    for (const result of await Promise.all(reads)) {
      expect(result.ok && result.principal.keyId).toBe(record.id);
    }
    expect(counting.hashReads).toBe(2);
    expect(outcome(await other)).toBe('unknown');
    counting.gate = undefined;
    parts.feed({ type: 'changed', id: record.id, hash: record.hash });
    await parts.verify(bearer(key));
    expect(counting.hashReads).toBe(3); // nothing in flight any more: a new read
  });

  it('a change during the read: read again and cached; a second change: answered, not cached', async () => {
    const { parts, counting, key, record } = await setup();
    const change = () => parts.feed({ type: 'changed', id: record.id, hash: record.hash });
    let open!: () => void;
    counting.gate = new Promise((resolve) => (open = resolve));
    const once = parts.verify(bearer(key));
    change();
    counting.gate = undefined;
    open();
    expect(outcome(await once)).toBe('ok');
    expect(counting.hashReads).toBe(2);
    await parts.verify(bearer(key));
    expect(counting.hashReads).toBe(2); // the second answer was cached

    change();
    const first = counting.holdNext();
    const second = counting.holdNext();
    const twice = parts.verify(bearer(key));
    change();
    first();
    // The second attempt is in flight (held): a change now makes its answer not cacheable.
    await new Promise((resolve) => setImmediate(resolve));
    expect(counting.hashReads).toBe(4);
    change();
    second();
    expect(outcome(await twice)).toBe('ok');
    expect(counting.hashReads).toBe(4);
    await parts.verify(bearer(key));
    expect(counting.hashReads).toBe(5); // not cached: read again
  });

  it('a read in flight when the feed is lost is read again', async () => {
    const { parts, counting, key } = await setup();
    let open!: () => void;
    counting.gate = new Promise((resolve) => (open = resolve));
    const read = parts.verify(bearer(key));
    parts.feed({ type: 'feed_lost' });
    counting.gate = undefined;
    open();
    expect(outcome(await read)).toBe('ok');
    expect(counting.hashReads).toBe(2);
  });

  it('a store failure answers every request of the shared read 503, and the next one tries again', async () => {
    const { parts, counting, key } = await setup();
    counting.failure = new Error('down');
    const both = await Promise.all([parts.verify(bearer(key)), parts.verify(bearer(key))]);
    expect(both.map(outcome)).toEqual(['store_unavailable', 'store_unavailable']);
    expect(counting.hashReads).toBe(1);
    counting.failure = undefined;
    expect(outcome(await parts.verify(bearer(key)))).toBe('ok');
  });
});

describe('a client refused by the attempt limit', () => {
  it('is counted rate_limited for a key the caches hold (verified or refused), and nothing else', async () => {
    const { memory, keys, key, record, clock, counting } = await setup();
    const limited = verifierOver({
      store: counting.store,
      now: clock.now,
      usage: true,
      attemptLimit: { max: 1, windowMs: 60_000 },
    });
    const revoked = await keys.create({ projectId: 'p', name: 'revoked' });
    await keys.revoke(revoked.record.id);
    const client = { client: '192.0.2.1' };
    await limited.verify(bearer(key), client);
    await limited.verify(bearer(revoked.key), client); // a failure: the client is now limited
    for (const header of [
      bearer(key),
      bearer(key),
      bearer(revoked.key),
      bearer(UNKNOWN_KEY),
      'Basic abc',
      undefined,
    ]) {
      expect(outcome(await limited.verify(header, client))).toBe('rate_limited');
    }
    await limited.verifier.flush();
    const rows = await usageRowsNear(memory, clock.now());
    const count = (keyId: string, what: string): number =>
      rows.filter((r) => r.keyId === keyId && r.outcome === what).reduce((n, r) => n + r.count, 0);
    expect(count(record.id, 'rate_limited')).toBe(2);
    expect(count(record.id, 'valid')).toBe(1);
    expect(count(revoked.record.id, 'rate_limited')).toBe(1);
    expect(count(revoked.record.id, 'revoked')).toBe(1);
    expect(rows.reduce((n, r) => n + r.count, 0)).toBe(5);
    // requestCount is the sum of the key's outcomes: its valid request and its 2 rate-limited ones.
    expect((await memory.get(record.id))?.requestCount).toBe(3);
    expect((await memory.get(revoked.record.id))?.requestCount).toBe(2);
  });
});
