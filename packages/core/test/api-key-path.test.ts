import { failureFor } from '../src/http/answers';
import { createKeyManager } from '../src/keys/key-manager';
import { MemoryKeyStore } from '../src/stores/memory-store';
import type { StoredKeyRecord } from '../src/types';
import { manualClock } from './fixtures';
import {
  CountingStore,
  bearer,
  isPromise,
  outcome,
  usageRowsNear,
  verifierOver,
} from './verifier-harness';

// The API-key path at the verifier's surface: what the header and the caches settle at once
// (`verifyNow` answers synchronously), what needs one store read (a promise), and the one rule
// list every answer comes from (status, project, scopes).

const UNKNOWN_KEY = 'vc_0123456789abcdef0123456789abcdef';
const JWT_LIKE = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlc2lnbmF0dXJl';

async function setup(
  settings: Partial<Parameters<typeof verifierOver>[0]> = {},
  input: { scopes?: string[]; expiresAt?: number; environment?: string } = {},
) {
  const clock = manualClock();
  const memory = new MemoryKeyStore({ now: clock.now });
  const counting = new CountingStore(memory);
  const keys = createKeyManager({ store: memory, now: clock.now, pepper: settings.pepper });
  const parts = verifierOver({ store: counting.store, now: clock.now, ...settings });
  const { key, record } = await keys.create({
    projectId: 'p',
    name: 'one',
    scopes: input.scopes ?? ['cache:read', 'analytics:read'],
    expiresAt: input.expiresAt ?? null,
    environment: input.environment,
  });
  return { clock, memory, counting, keys, parts, key, record };
}

describe('what the header alone settles', () => {
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
    const { counting, parts } = await setup();
    const decided = parts.now(header as string | undefined);
    expect(decided).toBe(failureFor(reason as 'missing'));
    expect(counting.hashReads).toBe(0);
    expect(parts.events).toEqual([{ type: 'rejected', reason }]);
  });

  it('a JWT-shaped token goes to the JWT check when JWTs are accepted, never to the store', async () => {
    const { parts, counting } = await setup({
      jwt: { key: 'a-secret-of-at-least-thirty-two-bytes!', algorithms: ['HS256'] },
    });
    expect(outcome(await parts.verify(`Bearer ${JWT_LIKE}`))).toBe('unknown'); // a bad signature
    expect(counting.hashReads + counting.idReads).toBe(0);
  });

  it('a key not in any cache: one store read, awaited', async () => {
    const { parts, key, counting } = await setup();
    const decided = parts.now(bearer(key));
    expect(isPromise(decided)).toBe(true);
    expect(parts.events).toEqual([{ type: 'cache_miss' }]);
    expect(outcome(await decided)).toBe('ok');
    expect(counting.hashReads).toBe(1);
  });

  it('the pepper: a key is found by its HMAC, and by nothing else', async () => {
    const pepper = 'pepper-of-at-least-some-length';
    const { parts, key, memory, clock } = await setup({ pepper });
    expect(outcome(await parts.verify(bearer(key)))).toBe('ok');
    const unpeppered = verifierOver({ store: memory, now: clock.now });
    expect(outcome(await unpeppered.verify(bearer(key)))).toBe('unknown');
  });

  it('a header in another accepted form (lower-case scheme, extra spaces) decides the same', async () => {
    const { parts, key } = await setup();
    expect(outcome(await parts.verify(bearer(key)))).toBe('ok');
    for (const header of [`bearer ${key}`, `Bearer   ${key}`, ` Bearer ${key} `, [bearer(key)]]) {
      const decided = parts.now(header as string);
      expect(isPromise(decided)).toBe(false);
      expect(outcome(decided as never)).toBe('ok');
    }
  });
});

describe('the store read and the cached answer', () => {
  it('a stored active key: its principal, then the same answer from the cache, synchronously', async () => {
    const { parts, key, record, counting } = await setup();
    const first = await parts.verify(bearer(key));
    expect(first).toEqual({
      ok: true,
      principal: {
        keyId: record.id,
        projectId: 'p',
        name: 'one',
        prefix: key.slice(0, 7),
        scopes: ['cache:read', 'analytics:read'],
        environment: null,
        ownerId: null,
        meta: null,
      },
    });
    expect(Object.isFrozen(first.ok && first.principal.scopes)).toBe(true);
    const again = parts.now(bearer(key));
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
    const { parts, counting } = await setup();
    expect(await parts.verify(bearer(UNKNOWN_KEY))).toBe(failureFor('unknown'));
    expect(parts.now(bearer(UNKNOWN_KEY))).toBe(failureFor('unknown'));
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
    const lying = verifierOver({
      store: { ...counting.store, findByHash: () => Promise.resolve(other) },
      now: Date.now,
    });
    expect(await lying.verify(bearer(key))).toBe(failureFor('unknown'));
    expect(lying.sizes()).toEqual({ verifiedKeys: 0, refusedKeys: 0, unknownKeys: 1 });
    expect(outcome(await parts.verify(bearer(key)))).toBe('ok'); // the honest store's answer
  });

  it('a revoked key: revoked (401), then refused from the cache without a store read', async () => {
    const { parts, keys, key, record, counting } = await setup();
    await keys.revoke(record.id);
    expect(await parts.verify(bearer(key))).toBe(failureFor('revoked'));
    expect(parts.now(bearer(key))).toBe(failureFor('revoked'));
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
    const { parts, key, clock: c } = await setup({}, { expiresAt });
    expect(c.now()).toBe(clock.now());
    expect(outcome(await parts.verify(bearer(key)))).toBe('ok');
    c.advance(10_000 - 1);
    expect(outcome(parts.now(bearer(key)) as never)).toBe('ok');
    c.advance(1);
    expect(parts.now(bearer(key))).toBe(failureFor('expired'));
    // Remembered as refused: no store read, the same answer.
    expect(parts.now(bearer(key))).toBe(failureFor('expired'));
    expect(parts.sizes()).toEqual({ verifiedKeys: 0, refusedKeys: 1, unknownKeys: 0 });
  });

  it('a verified key is trusted for the ttl, then read again (to the millisecond)', async () => {
    const { parts, key, clock, counting } = await setup({ ttl: 5000 });
    await parts.verify(bearer(key));
    clock.advance(4999);
    expect(isPromise(parts.now(bearer(key)))).toBe(false);
    clock.advance(1);
    parts.events.length = 0;
    const decided = parts.now(bearer(key));
    expect(isPromise(decided)).toBe(true);
    expect(parts.events).toEqual([{ type: 'cache_miss' }]);
    expect(outcome(await parts.verify(bearer(key)))).toBe('ok');
    expect(counting.hashReads).toBe(2);
  });
});

describe('requirements: project and scopes', () => {
  it('another project: wrong_project (403), from the store and from the cache', async () => {
    const { parts, key } = await setup();
    expect(await parts.verify(bearer(key), { projectId: 'q' })).toBe(failureFor('wrong_project'));
    expect(parts.now(bearer(key), { projectId: 'q' })).toBe(failureFor('wrong_project'));
    expect(outcome(parts.now(bearer(key), { projectId: 'p' }) as never)).toBe('ok');
  });

  it('another environment: wrong_environment (403), from the store and the cache; after the project, before the scopes', async () => {
    const { parts, key } = await setup({ usage: true }, { environment: 'staging' });
    const production = { environment: 'production' };
    expect(await parts.verify(bearer(key), production)).toBe(failureFor('wrong_environment'));
    expect(parts.now(bearer(key), production)).toBe(failureFor('wrong_environment'));
    expect(failureFor('wrong_environment')).toMatchObject({
      status: 403,
      body: '{"detail":"API key does not have permission to access this environment"}',
      headers: { 'www-authenticate': 'Bearer realm="vectorcache", error="insufficient_scope"' },
    });
    expect(parts.now(bearer(key), { ...production, projectId: 'q' })).toBe(
      failureFor('wrong_project'),
    );
    expect(parts.now(bearer(key), { ...production, scopes: ['cache:write'] })).toBe(
      failureFor('wrong_environment'),
    );
    expect(outcome(parts.now(bearer(key), { environment: 'staging' }) as never)).toBe('ok');
    const plain = await setup();
    expect(outcome(await plain.parts.verify(bearer(plain.key), production))).toBe('ok');
  });

  it('a missing scope: insufficient_scope (403) naming it; the project is checked first', async () => {
    const { parts, key } = await setup();
    const refused = await parts.verify(bearer(key), { scopes: ['cache:read', 'cache:write'] });
    expect(refused).toMatchObject({
      ok: false,
      status: 403,
      reason: 'insufficient_scope',
      body: JSON.stringify({ detail: 'API key does not have the required scope: cache:write' }),
    });
    const both = parts.now(bearer(key), { projectId: 'q', scopes: ['cache:write'] });
    expect(both).toBe(failureFor('wrong_project'));
  });

  it('the answer for a route scopes list is not reused for another list or another mode', async () => {
    const { parts, key } = await setup();
    const route = ['cache:read'];
    expect(outcome(await parts.verify(bearer(key), { scopes: route }))).toBe('ok');
    expect(outcome(parts.now(bearer(key), { scopes: route }) as never)).toBe('ok');
    expect(outcome(parts.now(bearer(key), { scopes: ['cache:write'] }) as never)).toBe(
      'insufficient_scope',
    );
    const pair = ['cache:read', 'cache:write'];
    expect(outcome(parts.now(bearer(key), { scopes: pair }) as never)).toBe('insufficient_scope');
    expect(outcome(parts.now(bearer(key), { scopes: pair, scopeMode: 'any' }) as never)).toBe('ok');
    expect(outcome(parts.now(bearer(key), { scopes: pair, scopeMode: 'all' }) as never)).toBe(
      'insufficient_scope',
    );
    expect(outcome(parts.now(bearer(key), { scopes: route }) as never)).toBe('ok');
  });

  it('an answer kept for one mode is never given for the other, whatever the order', async () => {
    const { parts, key } = await setup({}, { scopes: ['cache:read'] });
    const route = ['cache:read'];
    const pair = ['cache:read', 'cache:write'];
    expect(outcome(await parts.verify(bearer(key), { scopes: route }))).toBe('ok');
    // "any" of the pair passes (and is kept for the pair); "all" of the same array must not.
    expect(outcome(parts.now(bearer(key), { scopes: pair, scopeMode: 'any' }) as never)).toBe('ok');
    expect(outcome(parts.now(bearer(key), { scopes: pair }) as never)).toBe('insufficient_scope');
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
    parts.feed({ type: 'feed_lost' });
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
    await parts.verifier.flush();
    const rows = await usageRowsNear(memory, clock.now());
    const byOutcome = Object.fromEntries(rows.map((r) => [r.outcome, r.count]));
    expect(byOutcome).toEqual({ valid: 2, wrong_project: 1, insufficient_scope: 1 });
    const stored = await memory.get(record.id);
    expect(stored?.requestCount).toBe(4);
    expect(stored?.lastUsedAt).toBe(new Date(clock.now()).toISOString());
  });

  it('counts a key refused for its environment as wrong_environment', async () => {
    const { parts, memory, key, clock } = await setup({ usage: true }, { environment: 'dev' });
    await parts.verify(bearer(key), { environment: 'production' });
    parts.now(bearer(key), { environment: 'production' });
    await parts.verify(bearer(key), { environment: 'dev' });
    await parts.verifier.flush();
    const rows = await usageRowsNear(memory, clock.now());
    const byOutcome = Object.fromEntries(rows.map((r) => [r.outcome, r.count]));
    expect(byOutcome).toEqual({ valid: 1, wrong_environment: 2 });
  });
});
