/**
 * Every cache of the verifier holds at most its `max` entries, checked directly (not through
 * heap growth): after a flood of more keys than the bound, the keys are presented again, newest
 * first, and every one answered without a store read was held by the cache. An LRU of `max`
 * holds exactly the newest `max`; an unbounded one would answer all of them.
 */
import { generateApiKey } from '../src/keys/key-format';
import { createKeyManager } from '../src/keys/key-manager';
import type { CacheOptions } from '../src/types';
import { createVerifier } from '../src/verify/verifier';
import { FaultyStore } from './fixtures';

const MAX = 50;
const FLOOD = 8 * MAX;

const bearer = (key: string): string => `Bearer ${key}`;

/** Floods a verifier with `keys`, then counts how many of them it still answers from a cache. */
async function heldAfterFlood(
  store: FaultyStore,
  cache: CacheOptions,
  keys: string[],
  expected: { ok: boolean; reason?: string },
): Promise<number> {
  const verifier = createVerifier({ store, cache, usage: { enabled: false } });
  for (const key of keys) expect(await verifier.verify(bearer(key))).toMatchObject(expected);
  expect(store.reads).toBe(keys.length); // each key read once: none was answered from nothing
  const before = store.reads;
  for (const key of [...keys].reverse()) {
    expect(await verifier.verify(bearer(key))).toMatchObject(expected);
  }
  const held = keys.length - (store.reads - before);
  await verifier.close();
  return held;
}

describe('cache bounds', () => {
  it(`the unknown-key cache never holds more than cache.unknownMax (${MAX}) after ${FLOOD} random keys`, async () => {
    const keys = Array.from({ length: FLOOD }, generateApiKey);
    const held = await heldAfterFlood(new FaultyStore(), { unknownMax: MAX }, keys, {
      ok: false,
      reason: 'unknown',
    });
    expect(held).toBeLessThanOrEqual(MAX);
    expect(held).toBe(MAX); // and it is a cache: the newest MAX are held
  });

  it(`the verified cache never holds more than cache.max (${MAX})`, async () => {
    const store = new FaultyStore();
    const manager = createKeyManager({ store });
    const keys: string[] = [];
    for (let i = 0; i < FLOOD; i++)
      keys.push((await manager.create({ projectId: 'p', name: `k${i}` })).key);
    const held = await heldAfterFlood(store, { max: MAX }, keys, { ok: true });
    expect(held).toBeLessThanOrEqual(MAX);
    expect(held).toBe(MAX);
  });

  it(`the revoked and expired cache never holds more than cache.revokedMax (${MAX})`, async () => {
    const store = new FaultyStore();
    const manager = createKeyManager({ store });
    const keys: string[] = [];
    for (let i = 0; i < FLOOD; i++) {
      const { key, record } = await manager.create({ projectId: 'p', name: `k${i}` });
      await manager.revoke(record.id);
      keys.push(key);
    }
    const held = await heldAfterFlood(store, { revokedMax: MAX }, keys, {
      ok: false,
      reason: 'revoked',
    });
    expect(held).toBeLessThanOrEqual(MAX);
    expect(held).toBe(MAX);
  });

  it('refused keys read from the store never push a live key out of the verified cache', async () => {
    const store = new FaultyStore();
    let clock = Date.now();
    const manager = createKeyManager({ store, now: () => clock });
    const live: string[] = [];
    for (let i = 0; i < MAX; i++)
      live.push((await manager.create({ projectId: 'p', name: `live${i}` })).key);
    const dead: string[] = [];
    for (let i = 0; i < FLOOD; i++) {
      // Half revoked, half expiring in a minute (the verifier's clock is then moved past it).
      const expiresAt = i % 2 === 0 ? undefined : new Date(clock + 60_000).toISOString();
      const created = await manager.create({ projectId: 'p', name: `dead${i}`, expiresAt });
      if (i % 2 === 0) await manager.revoke(created.record.id);
      dead.push(created.key);
    }
    clock += 120_000;
    const verifier = createVerifier({
      store,
      cache: { max: MAX },
      usage: { enabled: false },
      now: () => clock,
    });
    for (const key of live) expect((await verifier.verify(bearer(key))).ok).toBe(true);
    for (const [i, key] of dead.entries()) {
      expect(await verifier.verify(bearer(key))).toMatchObject({
        ok: false,
        reason: i % 2 === 0 ? 'revoked' : 'expired',
      });
    }
    const before = store.reads;
    for (const key of live) expect((await verifier.verify(bearer(key))).ok).toBe(true);
    expect(store.reads - before).toBe(0); // every live key still answered from the cache
    await verifier.close();
  });
});
