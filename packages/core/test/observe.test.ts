import { createScopeGuard } from '../src/http/auth-handler';
import { debugLoggerFromEnv } from '../src/config/env';
import { hashApiKey } from '../src/keys/key-format';
import { createKeyManager } from '../src/keys/key-manager';
import { isDecisionEvent } from '../src/verify/observe';
import { MemoryKeyStore } from '../src/stores/memory-store';
import type { AuthEvent, Principal, StoreChangeListener } from '../src/types';
import { createVerifier } from '../src/verify/verifier';
import { FaultyStore, PLAINTEXT_KEY, storeWithoutFeed } from './fixtures';

const bearer = (key: string): string => `Bearer ${key}`;

/** A store whose change feed the test drives by hand. */
class FeedStore extends FaultyStore {
  listener: StoreChangeListener = () => undefined;
  override subscribe(listener: StoreChangeListener): () => void {
    this.listener = listener;
    return () => undefined;
  }
}

async function setup(usage = true) {
  const store = new FeedStore();
  const keys = createKeyManager({ store });
  const events: AuthEvent[] = [];
  const verifier = createVerifier({
    store,
    onEvent: (e) => events.push(e),
    usage: usage ? { flushIntervalMs: 3_600_000 } : { enabled: false },
  });
  return { store, keys, events, verifier };
}

describe('cache and store-read events', () => {
  it('a first verification is a miss with one timed store read, the next ones hits', async () => {
    const { keys, events, verifier } = await setup();
    const { key, record } = await keys.create({ projectId: 'p', name: 'n' });
    await verifier.verify(bearer(key));
    await verifier.verify(bearer(key));
    expect(events.map((e) => e.type)).toEqual([
      'cache_miss',
      'store_read',
      'verified',
      'cache_hit',
      'verified',
    ]);
    const read = events[1]!;
    expect(read.result).toBe('found');
    expect(read.durationMs).toBeGreaterThanOrEqual(0);
    expect(Object.keys(read).sort()).toEqual(['durationMs', 'result', 'type']);
    const text = JSON.stringify(events);
    expect(text).not.toMatch(PLAINTEXT_KEY);
    expect(text).not.toContain(record.hash);
    await verifier.close();
  });

  it('unknown and revoked keys: a read that finds nothing, then hits of the negative caches', async () => {
    const { store, keys, events, verifier } = await setup();
    const unknown = bearer(`vc_${'d'.repeat(32)}`);
    await verifier.verify(unknown);
    await verifier.verify(unknown);
    expect(events.map((e) => [e.type, e.result ?? e.reason])).toEqual([
      ['cache_miss', undefined],
      ['store_read', 'not_found'],
      ['rejected', 'unknown'],
      ['cache_hit', undefined],
      ['rejected', 'unknown'],
    ]);
    events.length = 0;
    const { key, record } = await keys.create({ projectId: 'p', name: 'r' });
    await verifier.verify(bearer(key));
    await keys.revoke(record.id);
    store.listener({ type: 'changed', id: record.id, hash: record.hash });
    // The feed evicted it: one read finds it revoked, then the revoked-key cache answers.
    await verifier.verify(bearer(key));
    await verifier.verify(bearer(key));
    expect(events.map((e) => [e.type, e.result ?? e.reason])).toEqual([
      ['cache_miss', undefined],
      ['store_read', 'found'],
      ['verified', undefined],
      ['cache_miss', undefined],
      ['store_read', 'found'],
      ['rejected', 'revoked'],
      ['cache_hit', undefined],
      ['rejected', 'revoked'],
    ]);
    await verifier.close();
  });

  it('a failing or corrupt store read is reported as an error, with its duration', async () => {
    const { store, keys, events, verifier } = await setup();
    const { key } = await keys.create({ projectId: 'p', name: 'n' });
    store.mode = 'throw';
    expect(await verifier.verify(bearer(key))).toMatchObject({ reason: 'store_unavailable' });
    store.mode = 'corrupt';
    expect(await verifier.verify(bearer(key))).toMatchObject({ reason: 'store_unavailable' });
    const reads = events.filter((e) => e.type === 'store_read');
    expect(reads.map((e) => e.result)).toEqual(['error', 'error']);
    for (const read of reads) expect(read.durationMs).toBeGreaterThanOrEqual(0);
    await verifier.close();
  });

  it('isDecisionEvent tells decisions from the other events', async () => {
    const { keys, events, verifier } = await setup();
    const { key } = await keys.create({ projectId: 'p', name: 'n' });
    await verifier.verify(bearer(key));
    expect(events.filter(isDecisionEvent).map((e) => e.type)).toEqual(['verified']);
    await verifier.close();
  });
});

describe('change-feed events and stats()', () => {
  it('reports the feed going down and coming back, and stats() follows', async () => {
    const { store, keys, events, verifier } = await setup();
    const { key } = await keys.create({ projectId: 'p', name: 'n' });
    await verifier.verify(bearer(key));
    await verifier.verify(bearer(`vc_${'e'.repeat(32)}`));
    expect(verifier.stats()).toEqual({
      verifiedKeys: 1,
      refusedKeys: 0,
      unknownKeys: 1,
      feed: 'up',
    });
    store.listener({ type: 'feed_lost' });
    expect(verifier.stats().feed).toBe('down');
    store.listener({ type: 'feed_restored' });
    expect(verifier.stats()).toEqual({
      verifiedKeys: 0,
      refusedKeys: 0,
      unknownKeys: 0,
      feed: 'up',
    });
    expect(events.filter((e) => e.type.startsWith('feed_'))).toEqual([
      { type: 'feed_lost' },
      { type: 'feed_restored' },
    ]);
    await verifier.close();
  });

  it('counts revoked keys it remembers, and says `none` for a store without a feed', async () => {
    const inner = new MemoryKeyStore();
    const store = storeWithoutFeed(inner);
    const keys = createKeyManager({ store });
    const verifier = createVerifier({ store });
    const { key, record } = await keys.create({ projectId: 'p', name: 'n' });
    await keys.revoke(record.id);
    await verifier.verify(bearer(key));
    expect(verifier.stats()).toEqual({
      verifiedKeys: 0,
      refusedKeys: 1,
      unknownKeys: 0,
      feed: 'none',
    });
    await verifier.close();
  });
});

describe('route-guard refusals', () => {
  it.each([true, false])(
    'a requireScopes 403 is a rejected event with stage route (usage %s)',
    async (usage) => {
      const { keys, events, verifier } = await setup(usage);
      const { key, record } = await keys.create({
        projectId: 'p',
        name: 'n',
        scopes: ['cache:read'],
      });
      const result = await verifier.verify(bearer(key));
      const principal = (result as { principal: Principal }).principal;
      const guard = createScopeGuard(['cache:write']);
      expect(guard({}, principal)).toMatchObject({ action: 'deny', status: 403 });
      expect(guard({}, principal)).toMatchObject({ action: 'deny', status: 403 });
      expect(createScopeGuard(['cache:read'])({}, principal)).toMatchObject({ action: 'allow' });
      expect(events.filter(isDecisionEvent)).toEqual([
        { type: 'verified', keyId: record.id, prefix: record.prefix, projectId: 'p' },
        ...Array.from({ length: 2 }, () => ({
          type: 'rejected',
          reason: 'insufficient_scope',
          stage: 'route',
          keyId: record.id,
          prefix: record.prefix,
          projectId: 'p',
        })),
      ]);
      await verifier.close();
    },
  );
});

describe('VECTORCACHE_DEBUG', () => {
  it('logs decisions and feed changes, not cache lookups or store reads', () => {
    const lines: string[] = [];
    const log = debugLoggerFromEnv({ VECTORCACHE_DEBUG: '1' }, (line) => lines.push(line))!;
    log({ type: 'cache_miss' });
    log({ type: 'store_read', durationMs: 1, result: 'found' });
    log({ type: 'feed_lost' });
    log({ type: 'rejected', reason: 'unknown', prefix: 'vc_1234' });
    expect(lines).toEqual([
      'vectorcache auth: feed_lost\n',
      'vectorcache auth: rejected reason=unknown prefix=vc_1234...\n',
    ]);
  });
});

// The hash of a key must never be reported: checked above on a found record; here for reads.
it('no event carries the hash that was looked up', async () => {
  const { events, verifier } = await setup();
  const key = `vc_${'f'.repeat(32)}`;
  await verifier.verify(bearer(key));
  expect(JSON.stringify(events)).not.toContain(hashApiKey(key));
  await verifier.close();
});
