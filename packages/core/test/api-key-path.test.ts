import { failureFor } from '../src/http/answers';
import { hashApiKey } from '../src/keys/key-format';
import { createKeyManager } from '../src/keys/key-manager';
import { MemoryKeyStore } from '../src/stores/memory-store';
import type { StoredKeyRecord } from '../src/types';
import { manualClock } from './fixtures';
import {
  CountingStore,
  apiKeyParts,
  bearer,
  isPending,
  outcome,
  usageRowsNear,
} from './verifier-parts';

// The API-key path on its own: `decideNow` settles from the header and the caches, or says what
// to wait for; `verifyFromStore` reads the store once and settles.

const UNKNOWN_KEY = 'vc_0123456789abcdef0123456789abcdef';
const JWT_LIKE = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlc2lnbmF0dXJl';

async function setup(
  settings: Partial<Parameters<typeof apiKeyParts>[0]> = {},
  input: { scopes?: string[]; expiresAt?: number } = {},
) {
  const clock = manualClock();
  const memory = new MemoryKeyStore({ now: clock.now });
  const counting = new CountingStore(memory);
  const keys = createKeyManager({ store: memory, now: clock.now, pepper: settings.pepper });
  const parts = apiKeyParts({ store: counting.store, now: clock.now, ...settings });
  const { key, record } = await keys.create({
    projectId: 'p',
    name: 'one',
    scopes: input.scopes ?? ['cache:read', 'analytics:read'],
    expiresAt: input.expiresAt ?? null,
  });
  return { clock, memory, counting, keys, parts, path: parts.path, key, record };
}

describe('decideNow: what the header alone settles', () => {
  it.each([
    [undefined, 'missing'],
    ['', 'missing'],
    ['Basic dXNlcjpwYXNz', 'malformed'],
    [['Bearer a', 'Bearer b'], 'malformed'],
    ['Bearer not-a-key', 'invalid_format'],
    [`Bearer ${UNKNOWN_KEY.toUpperCase()}`, 'invalid_format'],
    [`Bearer ${UNKNOWN_KEY}x`, 'invalid_format'],
    [`Bearer ${JWT_LIKE}`, 'invalid_format'],
  ])('%p: the fixed %s answer, without reading the store', async (header, reason) => {
    const { path, counting, parts } = await setup();
    const decided = path.decideNow(header as string | undefined, undefined);
    expect(decided).toBe(failureFor(reason as 'missing'));
    expect(counting.hashReads).toBe(0);
    expect(parts.events).toEqual([{ type: 'rejected', reason }]);
  });

  it('a JWT-shaped token goes to the JWT path when JWTs are accepted', async () => {
    const { path } = await setup({ jwt: true });
    expect(path.decideNow(`Bearer ${JWT_LIKE}`, undefined)).toEqual({
      wait: 'jwt',
      token: JWT_LIKE,
    });
    // A key-shaped token never does.
    const decided = path.decideNow(bearer(UNKNOWN_KEY), undefined);
    expect(isPending(decided) && decided.wait).toBe('store');
  });

  it('a key not in any cache: wait for the store, with the token, its cache key and the time', async () => {
    const { path, key, clock, counting, parts } = await setup();
    const decided = path.decideNow(bearer(key), undefined);
    expect(decided).toEqual({
      wait: 'store',
      token: key,
      cacheKey: Buffer.from(hashApiKey(key), 'hex').toString('binary'),
      entry: undefined,
      at: clock.now(),
    });
    expect(counting.hashReads).toBe(0);
    expect(parts.events).toEqual([{ type: 'cache_miss' }]);
  });

  it('the cache key follows the pepper', async () => {
    const { path, key } = await setup({ pepper: 'pepper-of-at-least-some-length' });
    const decided = path.decideNow(bearer(key), undefined);
    expect(isPending(decided) && decided.wait === 'store' && decided.cacheKey).toBe(
      Buffer.from(hashApiKey(key, { pepper: 'pepper-of-at-least-some-length' }), 'hex').toString(
        'binary',
      ),
    );
  });

  it('a header in another accepted form (lower-case scheme, extra spaces) decides the same', async () => {
    const { path, parts, key } = await setup();
    expect(outcome(await parts.verify(bearer(key)))).toBe('ok');
    for (const header of [`bearer ${key}`, `Bearer   ${key}`, ` Bearer ${key} `, [bearer(key)]]) {
      const decided = path.decideNow(header as string, undefined);
      expect(isPending(decided)).toBe(false);
      expect(outcome(decided as never)).toBe('ok');
    }
  });
});

describe('verifyFromStore and the cached answer', () => {
  it('a stored active key: its principal, then the same answer from the cache, synchronously', async () => {
    const { parts, path, key, record, counting } = await setup();
    const first = await parts.verify(bearer(key));
    expect(first).toEqual({
      ok: true,
      principal: {
        keyId: record.id,
        projectId: 'p',
        name: 'one',
        prefix: key.slice(0, 7),
        scopes: ['cache:read', 'analytics:read'],
      },
    });
    expect(Object.isFrozen(first.ok && first.principal.scopes)).toBe(true);
    const again = path.decideNow(bearer(key), undefined);
    expect(again).toBe(first);
    expect(counting.hashReads).toBe(1);
    expect(parts.events.map((e) => e.type)).toEqual([
      'cache_miss',
      'store_read',
      'verified',
      'cache_hit',
      'verified',
    ]);
  });

  it('a key the store does not hold: unknown (401), remembered', async () => {
    const { parts, path, counting } = await setup();
    expect(await parts.verify(bearer(UNKNOWN_KEY))).toBe(failureFor('unknown'));
    expect(path.decideNow(bearer(UNKNOWN_KEY), undefined)).toBe(failureFor('unknown'));
    expect(counting.hashReads).toBe(1);
    expect(parts.events.at(-1)).toEqual({
      type: 'rejected',
      reason: 'unknown',
      prefix: 'vc_0123',
      keyId: undefined,
      projectId: undefined,
    });
  });

  it('a store that answers another record than asked for: unknown, and nothing is cached', async () => {
    const { parts, counting, key, record } = await setup();
    // A third-party store may answer a valid record of another hash: it must never let a key in.
    const other: StoredKeyRecord = {
      ...record,
      id: 'key_aaaaaaaaaaaaaaaaaaaaaaaa',
      hash: 'f'.repeat(64),
    };
    const lying = apiKeyParts({
      store: { ...counting.store, findByHash: () => Promise.resolve(other) },
      now: Date.now,
    });
    expect(await lying.verify(bearer(key))).toBe(failureFor('unknown'));
    expect(lying.cache.sizes()).toEqual({ verifiedKeys: 0, refusedKeys: 0, unknownKeys: 1 });
    expect(outcome(await parts.verify(bearer(key)))).toBe('ok'); // the honest store's answer
  });

  it('a revoked key: revoked (401), then refused from the cache without a store read', async () => {
    const { parts, path, keys, key, record, counting } = await setup();
    await keys.revoke(record.id);
    expect(await parts.verify(bearer(key))).toBe(failureFor('revoked'));
    expect(path.decideNow(bearer(key), undefined)).toBe(failureFor('revoked'));
    expect(counting.hashReads).toBe(1);
    expect(parts.events.at(-1)).toEqual({
      type: 'rejected',
      reason: 'revoked',
      prefix: key.slice(0, 7),
      keyId: record.id,
      projectId: 'p',
    });
  });

  it('expiry at the second: accepted until the instant before, refused from that instant on', async () => {
    const clock = manualClock();
    const expiresAt = clock.now() + 10_000;
    const { parts, path, key, clock: c } = await setup({}, { expiresAt });
    expect(c.now()).toBe(clock.now());
    expect(outcome(await parts.verify(bearer(key)))).toBe('ok');
    c.advance(10_000 - 1);
    expect(outcome(path.decideNow(bearer(key), undefined) as never)).toBe('ok');
    c.advance(1);
    expect(path.decideNow(bearer(key), undefined)).toBe(failureFor('expired'));
    // Remembered as refused: no store read, the same answer.
    expect(path.decideNow(bearer(key), undefined)).toBe(failureFor('expired'));
    expect(parts.cache.sizes()).toEqual({ verifiedKeys: 0, refusedKeys: 1, unknownKeys: 0 });
  });

  it('a verified key is trusted for the ttl, then read again (to the millisecond)', async () => {
    const { parts, path, key, clock, counting } = await setup({ ttl: 5000 });
    await parts.verify(bearer(key));
    clock.advance(4999);
    expect(isPending(path.decideNow(bearer(key), undefined))).toBe(false);
    clock.advance(1);
    parts.events.length = 0;
    const decided = path.decideNow(bearer(key), undefined);
    expect(isPending(decided)).toBe(true);
    expect(parts.events).toEqual([{ type: 'cache_miss' }]);
    // The old entry travels with the wait, for serving it stale if the store fails.
    expect(isPending(decided) && decided.wait === 'store' && decided.entry?.record.id).toBeTruthy();
    expect(outcome(await parts.verify(bearer(key)))).toBe('ok');
    expect(counting.hashReads).toBe(2);
  });
});

describe('requirements: project and scopes', () => {
  it('another project: wrong_project (403), from the store and from the cache', async () => {
    const { parts, path, key } = await setup();
    expect(await parts.verify(bearer(key), { projectId: 'q' })).toBe(failureFor('wrong_project'));
    expect(path.decideNow(bearer(key), { projectId: 'q' })).toBe(failureFor('wrong_project'));
    expect(outcome(path.decideNow(bearer(key), { projectId: 'p' }) as never)).toBe('ok');
  });

  it('a missing scope: insufficient_scope (403) naming it; the project is checked first', async () => {
    const { parts, path, key } = await setup();
    const refused = await parts.verify(bearer(key), { scopes: ['cache:read', 'cache:write'] });
    expect(refused).toMatchObject({
      ok: false,
      status: 403,
      reason: 'insufficient_scope',
      body: JSON.stringify({ detail: 'API key does not have the required scope: cache:write' }),
    });
    const both = path.decideNow(bearer(key), { projectId: 'q', scopes: ['cache:write'] });
    expect(both).toBe(failureFor('wrong_project'));
  });

  it('the answer for a route scopes list is not reused for another list or another mode', async () => {
    const { parts, path, key } = await setup();
    const route = ['cache:read'];
    expect(outcome(await parts.verify(bearer(key), { scopes: route }))).toBe('ok');
    expect(outcome(path.decideNow(bearer(key), { scopes: route }) as never)).toBe('ok');
    expect(outcome(path.decideNow(bearer(key), { scopes: ['cache:write'] }) as never)).toBe(
      'insufficient_scope',
    );
    const pair = ['cache:read', 'cache:write'];
    expect(outcome(path.decideNow(bearer(key), { scopes: pair }) as never)).toBe(
      'insufficient_scope',
    );
    expect(outcome(path.decideNow(bearer(key), { scopes: pair, scopeMode: 'any' }) as never)).toBe(
      'ok',
    );
    expect(outcome(path.decideNow(bearer(key), { scopes: pair, scopeMode: 'all' }) as never)).toBe(
      'insufficient_scope',
    );
    expect(outcome(path.decideNow(bearer(key), { scopes: route }) as never)).toBe('ok');
  });

  it('an answer kept for one mode is never given for the other, whatever the order', async () => {
    const { parts, path, key } = await setup({}, { scopes: ['cache:read'] });
    const route = ['cache:read'];
    const pair = ['cache:read', 'cache:write'];
    expect(outcome(await parts.verify(bearer(key), { scopes: route }))).toBe('ok');
    // "any" of the pair passes (and is kept for the pair); "all" of the same array must not.
    expect(outcome(path.decideNow(bearer(key), { scopes: pair, scopeMode: 'any' }) as never)).toBe(
      'ok',
    );
    expect(outcome(path.decideNow(bearer(key), { scopes: pair }) as never)).toBe(
      'insufficient_scope',
    );
  });
});

describe('store failures', () => {
  it('fail closed: store_unavailable (503), never cached', async () => {
    const { parts, counting, key } = await setup();
    counting.failure = new Error('connection refused');
    expect(await parts.verify(bearer(key))).toBe(failureFor('store_unavailable'));
    counting.failure = undefined;
    expect(outcome(await parts.verify(bearer(key)))).toBe('ok');
    expect(counting.hashReads).toBe(2);
  });

  it('with staleMs, a key verified less than ttl + staleMs ago is served while the store fails', async () => {
    const { parts, counting, key, clock } = await setup({ ttl: 1000, staleMs: 2000 });
    await parts.verify(bearer(key));
    counting.failure = new Error('down');
    clock.advance(2999);
    expect(outcome(await parts.verify(bearer(key)))).toBe('ok');
    clock.advance(1);
    expect(outcome(await parts.verify(bearer(key)))).toBe('store_unavailable');
  });

  it('without staleMs, a cached key is not served while the change feed is down and the store fails', async () => {
    const { parts, counting, key, clock } = await setup({ ttl: 1000 });
    await parts.verify(bearer(key));
    parts.cache.onChange({ type: 'feed_lost' });
    counting.failure = new Error('down');
    clock.advance(500); // well within the ttl: only the lost feed sends it to the store
    expect(outcome(await parts.verify(bearer(key)))).toBe('store_unavailable');
  });

  it('without staleMs, an expired cache entry is not served while the store fails', async () => {
    const { parts, counting, key, clock } = await setup({ ttl: 1000 });
    await parts.verify(bearer(key));
    counting.failure = new Error('down');
    clock.advance(1000);
    expect(outcome(await parts.verify(bearer(key)))).toBe('store_unavailable');
  });
});

describe('usage', () => {
  it('counts each request once, by outcome, refusals included', async () => {
    const { parts, memory, key, record, clock } = await setup({ usage: true });
    await parts.verify(bearer(key));
    await parts.verify(bearer(key));
    await parts.verify(bearer(key), { projectId: 'q' });
    await parts.verify(bearer(key), { scopes: ['cache:write'] });
    await parts.usage!.flush();
    const rows = await usageRowsNear(memory, clock.now());
    const byOutcome = Object.fromEntries(rows.map((r) => [r.outcome, r.count]));
    expect(byOutcome).toEqual({ valid: 2, wrong_project: 1, insufficient_scope: 1 });
    const stored = await memory.get(record.id);
    expect(stored?.requestCount).toBe(4);
    expect(stored?.lastUsedAt).toBe(new Date(clock.now()).toISOString());
  });
});
