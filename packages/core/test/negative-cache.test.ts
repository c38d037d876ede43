import { createKeyManager } from '../src/keys/key-manager';
import { MemoryKeyStore } from '../src/stores/memory-store';
import type { StoreChangeListener } from '../src/types';
import { createVerifier } from '../src/verify/verifier';
import { verifyNow } from '../src/verify/core-verifier';
import { manualClock } from './fixtures';

const bearer = (key: string): string => `Bearer ${key}`;

/** A memory store whose change feed the test drives by hand (or silences). */
class HandFedStore extends MemoryKeyStore {
  listener: StoreChangeListener = () => undefined;
  silent = false;
  override subscribe(listener: StoreChangeListener): () => void {
    this.listener = listener;
    const inner = super.subscribe((change) => {
      if (!this.silent) listener(change);
    });
    return inner;
  }
}

async function setup() {
  const clock = manualClock();
  const store = new HandFedStore();
  const keys = createKeyManager({ store, now: clock.now });
  const verifier = createVerifier({
    store,
    now: clock.now,
    cache: { ttlMs: 5000 },
    usage: { enabled: false },
  });
  const { key, record } = await keys.create({ projectId: 'p', name: 'n' });
  return { clock, store, keys, verifier, key, id: record.id };
}

const reasonOf = async (
  verifier: ReturnType<typeof createVerifier>,
  key: string,
): Promise<string> => {
  const result = await verifier.verify(bearer(key));
  return result.ok ? 'ok' : result.reason;
};

describe('the revoked/expired cache forgets a key that changed back', () => {
  it('revokedAt cleared in the store: the change event makes the key valid again', async () => {
    const { store, keys, verifier, key, id } = await setup();
    expect(await reasonOf(verifier, key)).toBe('ok');
    await keys.revoke(id);
    expect(await reasonOf(verifier, key)).toBe('revoked');
    expect(await reasonOf(verifier, key)).toBe('revoked'); // now served from the cache
    await store.update(id, { revokedAt: null }); // an operator undoes a mistaken revocation
    expect(await reasonOf(verifier, key)).toBe('ok');
    await verifier.close();
  });

  it('an expiry moved later: the change event makes the key valid again', async () => {
    const { clock, store, verifier, key, id } = await setup();
    await store.update(id, { expiresAt: new Date(clock.now() + 1000).toISOString() });
    expect(await reasonOf(verifier, key)).toBe('ok');
    clock.advance(1000);
    expect(await reasonOf(verifier, key)).toBe('expired');
    expect(await reasonOf(verifier, key)).toBe('expired');
    await store.update(id, { expiresAt: new Date(clock.now() + 3_600_000).toISOString() });
    expect(await reasonOf(verifier, key)).toBe('ok');
    await verifier.close();
  });

  it('a restored feed clears it (a change may have been missed while the feed was down)', async () => {
    const { store, keys, verifier, key, id } = await setup();
    await keys.revoke(id);
    expect(await reasonOf(verifier, key)).toBe('revoked');
    store.silent = true; // the un-revocation is missed ...
    await store.update(id, { revokedAt: null });
    expect(await reasonOf(verifier, key)).toBe('revoked');
    store.listener({ type: 'feed_lost' });
    store.listener({ type: 'feed_restored' }); // ... and the feed comes back
    expect(await reasonOf(verifier, key)).toBe('ok');
    await verifier.close();
  });

  it('without any change event, a cached refusal lasts no longer than the cache ttl', async () => {
    const { clock, store, keys, verifier, key, id } = await setup();
    await keys.revoke(id);
    expect(await reasonOf(verifier, key)).toBe('revoked');
    store.silent = true;
    await store.update(id, { revokedAt: null });
    clock.advance(4999);
    expect(await reasonOf(verifier, key)).toBe('revoked');
    clock.advance(2);
    expect(await reasonOf(verifier, key)).toBe('ok');
    await verifier.close();
  });

  it('a refusal read from the store is cached: no store read per request while it holds', async () => {
    const { keys, verifier, key, id } = await setup();
    await keys.revoke(id);
    expect(await reasonOf(verifier, key)).toBe('revoked');
    // The synchronous path answers from the cache without a promise.
    const again = verifyNow(verifier, bearer(key));
    expect(again instanceof Promise).toBe(false);
    await verifier.close();
  });
});
