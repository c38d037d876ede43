import { createAuthHandler, type AuthOutcome } from '../src/http/auth-handler';
import { exactBearerToken } from '../src/http/parse';
import { createKeyManager } from '../src/keys/key-manager';
import { MemoryKeyStore } from '../src/stores/memory-store';
import type {
  AuthEvent,
  StoreChangeListener,
  UsageEntry,
  Verifier,
  VerifyResult,
} from '../src/types';
import { createVerifier } from '../src/verify/verifier';
import { manualClock } from './fixtures';

// The adapters' hot path (`handler.allowCached`, cached-hit.ts) must answer exactly as `decide`
// would, or do nothing at all and leave the request to `decide`.

/** A memory store that keeps its usage batches and lets the test drop its change feed. */
class WatchedStore extends MemoryKeyStore {
  batches: UsageEntry[][] = [];
  reads = 0;
  feed: StoreChangeListener[] = [];

  override subscribe(listener: StoreChangeListener): () => void {
    this.feed.push(listener);
    return super.subscribe(listener);
  }

  override async findByHash(hash: string) {
    this.reads++;
    return super.findByHash(hash);
  }

  override async recordUsage(batch: UsageEntry[], flushId?: string): Promise<void> {
    this.batches.push(structuredClone(batch));
    return super.recordUsage(batch, flushId);
  }

  /** Every outcome counted for key `id`, summed over all batches. */
  counts(id: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const entry of this.batches.flat()) {
      if (entry.id !== id) continue;
      for (const b of entry.buckets ?? []) out[b.outcome] = (out[b.outcome] ?? 0) + b.count;
    }
    return out;
  }
}

async function world() {
  const clock = manualClock();
  const store = new WatchedStore({ now: clock.now });
  const keys = createKeyManager({ store, now: clock.now });
  const events: AuthEvent[] = [];
  const verifier = createVerifier({
    store,
    now: clock.now,
    onEvent: (e) => events.push(e),
    usage: { flushIntervalMs: 3_600_000 },
  });
  const created = await keys.create({ projectId: 'acme', name: 'n', scopes: ['cache:read'] });
  const header = `Bearer ${created.key}`;
  return { clock, store, keys, events, verifier, id: created.record.id, header, key: created.key };
}

type World = Awaited<ReturnType<typeof world>>;

/** Verifies the key once through `decide`, so it is in the verified cache. */
async function warm(w: World, handler = createAuthHandler({ verifier: w.verifier })) {
  expect(await handler.decide({}, w.header)).toMatchObject({ action: 'allow' });
  w.events.length = 0;
  return handler;
}

const allowOf = (o: AuthOutcome | Promise<AuthOutcome>) => o as { principal?: unknown };

describe('handler.allowCached', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });
  afterEach(async () => {
    await w.verifier.close();
  });

  it('gives a cached key its principal: the same object, events and usage count as decide', async () => {
    const handler = await warm(w);
    const decided = handler.decide({}, w.header);
    expect(decided).toMatchObject({ action: 'allow' });
    const viaDecide = [...w.events];
    w.events.length = 0;

    const principal = handler.allowCached(w.header);
    expect(principal).toBe(allowOf(decided).principal);
    expect(principal).toMatchObject({ keyId: w.id, projectId: 'acme', scopes: ['cache:read'] });
    expect(w.events).toEqual(viaDecide);
    expect(w.events.map((e) => e.type)).toEqual(['cache_hit', 'verified']);

    for (let i = 0; i < 5; i++) expect(handler.allowCached(w.header)).toBe(principal);
    await w.verifier.flush();
    // 1 read from the store + 1 decide + 6 cached hits: each request counted once.
    expect(w.store.counts(w.id)).toEqual({ valid: 8 });
    expect(w.store.reads).toBe(1);
  });

  it("meets the route: a fixed project and the key's scopes", async () => {
    const route = createAuthHandler({
      verifier: w.verifier,
      projectId: 'acme',
      scopes: ['cache:read'],
    });
    await warm(w, route);
    expect(route.allowCached(w.header)).toMatchObject({ keyId: w.id });
  });

  it.each<[string, { projectId?: string; scopes?: string[] }, number]>([
    ['another project', { projectId: 'other' }, 403],
    ['a scope the key lacks', { scopes: ['cache:write'] }, 403],
    ['one of two scopes in all mode', { scopes: ['cache:read', 'keys:manage'] }, 403],
  ])('does nothing for %s; decide answers %d', async (_name, route, status) => {
    const handler = createAuthHandler({ verifier: w.verifier, ...route });
    await warm(w); // cached through a handler without requirements
    expect(handler.allowCached(w.header)).toBeUndefined();
    expect(w.events).toEqual([]);
    expect(handler.decide({}, w.header)).toMatchObject({ action: 'deny', status });
    await w.verifier.flush();
    expect(w.store.counts(w.id)).toEqual({
      valid: 1,
      [route.projectId ? 'wrong_project' : 'insufficient_scope']: 1,
    });
  });

  it('does nothing for a key revoked, expired, past its ttl, or while the change feed is down', async () => {
    const handler = await warm(w);
    // Expired: a key expiring in 30 s, then the clock 30 s on (within the cache's ttl).
    const expiring = await w.keys.create({
      projectId: 'acme',
      name: 'e',
      scopes: ['cache:read'],
      expiresAt: w.clock.now() + 30_000,
    });
    const expiringHeader = `Bearer ${expiring.key}`;
    expect(await handler.decide({}, expiringHeader)).toMatchObject({ action: 'allow' });
    expect(handler.allowCached(expiringHeader)).toMatchObject({ keyId: expiring.record.id });
    w.clock.advance(30_000);
    w.events.length = 0;
    expect(handler.allowCached(expiringHeader)).toBeUndefined();
    expect(w.events).toEqual([]);
    expect(handler.decide({}, expiringHeader)).toMatchObject({ action: 'deny', status: 401 });

    // Past the ttl (60 s by default): the store is read again, by decide.
    w.clock.advance(30_000);
    w.events.length = 0;
    const reads = w.store.reads;
    expect(handler.allowCached(w.header)).toBeUndefined();
    expect(w.events).toEqual([]);
    expect(await handler.decide({}, w.header)).toMatchObject({ action: 'allow' });
    expect(w.store.reads).toBe(reads + 1);
    expect(handler.allowCached(w.header)).toMatchObject({ keyId: w.id });

    // The change feed down: the cache is not trusted.
    for (const listener of w.store.feed) listener({ type: 'feed_lost' });
    w.events.length = 0;
    expect(handler.allowCached(w.header)).toBeUndefined();
    expect(w.events).toEqual([]);
    expect(await handler.decide({}, w.header)).toMatchObject({ action: 'allow' });
    for (const listener of w.store.feed) listener({ type: 'feed_restored' });

    // Revoked: the feed evicts it, and decide refuses it.
    await handler.decide({}, w.header);
    expect(handler.allowCached(w.header)).toMatchObject({ keyId: w.id });
    await w.keys.revoke(w.id);
    expect(handler.allowCached(w.header)).toBeUndefined();
    expect(await handler.decide({}, w.header)).toMatchObject({ action: 'deny', status: 401 });
  });

  it('takes only the exact `Bearer vc_…` form; decide reads the others', async () => {
    const handler = await warm(w);
    const others = [
      w.header.replace('Bearer', 'bearer'),
      w.header.replace('Bearer ', 'Bearer  ').slice(0, -1),
      ` ${w.header}`,
      `${w.header} `,
      [w.header, w.header],
      undefined,
      '',
    ];
    for (const value of others) {
      expect(handler.allowCached(value)).toBeUndefined();
    }
    expect(w.events).toEqual([]);
    // What decide makes of them (the case of the scheme and the blanks around are allowed).
    expect(handler.decide({}, w.header.replace('Bearer', 'bearer'))).toMatchObject({
      action: 'allow',
    });
    expect(handler.decide({}, [w.header, w.header])).toMatchObject({
      action: 'deny',
      status: 401,
      body: '{"detail":"Invalid or missing API key"}',
    });
  });

  it('is off where decide must run first: skip, a projectId function, an attempt limit, a verifier of its own kind', async () => {
    await warm(w);
    const third: Verifier = {
      verify: (a, r) => w.verifier.verify(a, r),
      stats: () => w.verifier.stats(),
      flush: () => w.verifier.flush(),
      close: async () => undefined,
    };
    const handlers = [
      createAuthHandler({ verifier: w.verifier, skip: () => false }),
      createAuthHandler({ verifier: w.verifier, projectId: () => 'acme' }),
      createAuthHandler({ store: w.store, attemptLimit: { max: 5 } }),
      createAuthHandler({ verifier: third }),
    ];
    for (const handler of handlers) {
      expect(handler.allowCached(w.header)).toBeUndefined();
      expect(await handler.decide({}, w.header)).toMatchObject({ action: 'allow' });
    }
    await Promise.all(handlers.map((h) => h.close()));
    // A verifier built with an attempt limit has no cached hit either: every request is checked.
    const limited = createVerifier({ store: w.store, attemptLimit: { max: 5 } });
    const handler = createAuthHandler({ verifier: limited });
    expect(await handler.decide({}, w.header)).toMatchObject({ action: 'allow' });
    expect(handler.allowCached(w.header)).toBeUndefined();
    await limited.close();
  });

  it('after a miss, decide answers the request it was given, whatever the hit last hashed', async () => {
    const handler = await warm(w);
    const unknown = `Bearer vc_${'0'.repeat(32)}`;
    expect(handler.allowCached(unknown)).toBeUndefined();
    // Another key than the one missed: its own answer.
    expect(handler.decide({}, w.header)).toMatchObject({ action: 'allow' });
    expect(handler.allowCached(unknown)).toBeUndefined();
    const reads = w.store.reads;
    const refused = (await handler.decide({}, unknown)) as AuthOutcome;
    expect(refused).toMatchObject({ action: 'deny', status: 401 });
    expect(w.store.reads).toBe(reads + 1);
    // A missed key that the store holds: read once, then hit.
    const other = await w.keys.create({ projectId: 'acme', name: 'o', scopes: [] });
    const otherHeader = `Bearer ${other.key}`;
    expect(handler.allowCached(otherHeader)).toBeUndefined();
    expect(await handler.decide({}, otherHeader)).toMatchObject({
      action: 'allow',
      principal: { keyId: other.record.id },
    });
    expect(handler.allowCached(otherHeader)).toMatchObject({ keyId: other.record.id });
  });
});

describe('verify and the cached hit agree', () => {
  it('a verifier answers a cached key the same way whether or not the hit ran before', async () => {
    const w = await world();
    const handler = await warm(w);
    const results: VerifyResult[] = [];
    for (let i = 0; i < 3; i++) {
      handler.allowCached(w.header);
      results.push(await w.verifier.verify(w.header));
    }
    expect(results.every((r) => r.ok)).toBe(true);
    await w.verifier.flush();
    expect(w.store.counts(w.id)).toEqual({ valid: 7 });
    await w.verifier.close();
  });
});

describe('exactBearerToken: the one header form the hot paths take without parsing', () => {
  const key = 'vc_0123456789abcdef0123456789abcdef';

  it('gives the token of `Bearer ` and 35 characters, one header', () => {
    expect(exactBearerToken(`Bearer ${key}`)).toBe(key);
    // Not checked for the key format: a cached hash comes only from a key checked when cached.
    expect(exactBearerToken(`Bearer ${'x'.repeat(35)}`)).toBe('x'.repeat(35));
  });

  it.each([
    ['no header', undefined],
    ['two headers', [`Bearer ${key}`, `Bearer ${key}`]],
    ['one header in a list', [`Bearer ${key}`]],
    ['a lower-case scheme', `bearer ${key}`],
    ['another scheme of the same length', `Basic  ${key}`],
    ['a space more', `Bearer  ${key}`],
    ['a character short', `Bearer ${key.slice(1)}`],
    ['a character more', `Bearer ${key}0`],
    ['a trailing space', `Bearer ${key} `],
  ])('leaves %s to the parser (undefined)', (_name, header) => {
    expect(exactBearerToken(header)).toBeUndefined();
  });
});
