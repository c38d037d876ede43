/**
 * The documented default store timeout (500 ms) when nobody passes `timeoutMs`: a verifier, the
 * zero-config builder and the handler behind every adapter. Jest's fake timers drive the clock of
 * the timeout, so the bound is exact and nothing waits for real time.
 */
import { createAuthHandler } from '../src/http/auth-handler';
import { createVerifierFromEnv } from '../src/config/env';
import type { Verifier } from '../src/types';
import { createVerifier } from '../src/verify/verifier';
import { FaultyStore } from './fixtures';

const DEFAULT_TIMEOUT_MS = 500;
const KEY_HEADER = `Bearer vc_${'5'.repeat(32)}`;

/** Settles `promise` into a box the test can look at while fake time is moved. */
function watch<T>(promise: Promise<T>): { settled: boolean; value?: T } {
  const box: { settled: boolean; value?: T } = { settled: false };
  void promise.then((value) => {
    box.settled = true;
    box.value = value;
  });
  return box;
}

/** Moves fake time to just before the default, then to it: pending first, settled after. */
async function expectSettledAtDefault<T>(
  box: { settled: boolean; value?: T },
  store: FaultyStore,
): Promise<T> {
  await jest.advanceTimersByTimeAsync(DEFAULT_TIMEOUT_MS - 1);
  expect(store.reads).toBe(1);
  expect(box.settled).toBe(false);
  await jest.advanceTimersByTimeAsync(1);
  expect(box.settled).toBe(true);
  return box.value as T;
}

describe('the default store timeout (500 ms) on a hanging store', () => {
  let store: FaultyStore;
  let verifier: Verifier | undefined;
  let handler: { close(): Promise<void> } | undefined;

  beforeEach(() => {
    jest.useFakeTimers();
    store = new FaultyStore();
    store.mode = 'hang';
  });

  afterEach(async () => {
    await verifier?.close();
    await handler?.close();
    verifier = undefined;
    handler = undefined;
    jest.useRealTimers();
  });

  it('createVerifier without timeoutMs answers 503 at 500 ms, not before', async () => {
    verifier = createVerifier({ store });
    const result = await expectSettledAtDefault(watch(verifier.verify(KEY_HEADER)), store);
    expect(result).toMatchObject({ ok: false, status: 503, reason: 'store_unavailable' });
  });

  it('createVerifierFromEnv without timeoutMs answers 503 at 500 ms, not before', async () => {
    verifier = createVerifierFromEnv({ store, env: {} });
    const result = await expectSettledAtDefault(watch(verifier.verify(KEY_HEADER)), store);
    expect(result).toMatchObject({ ok: false, status: 503, reason: 'store_unavailable' });
  });

  it("the adapters' handler built with only a store denies with 503 at 500 ms, not before", async () => {
    const built = createAuthHandler<unknown>({ store });
    handler = built;
    const outcome = await expectSettledAtDefault(
      watch(Promise.resolve(built.decide({}, KEY_HEADER))),
      store,
    );
    expect(outcome).toMatchObject({
      action: 'deny',
      status: 503,
      headers: { 'retry-after': '1' },
    });
  });
});

describe('the store timeout is cleared once the store answers', () => {
  afterEach(() => jest.useRealTimers());

  it.each(['ok', 'throw'] as const)(
    'a read that settles in time (%s) leaves no timer behind',
    async (mode) => {
      jest.useFakeTimers();
      const store = new FaultyStore();
      store.mode = mode;
      const verifier = createVerifier({ store, usage: { enabled: false } });
      const result = await verifier.verify(KEY_HEADER);
      expect(result).toMatchObject(
        mode === 'ok' ? { reason: 'unknown' } : { reason: 'store_unavailable' },
      );
      expect(store.reads).toBe(1);
      // A timer left per read would pile up on a busy server until each one fired.
      expect(jest.getTimerCount()).toBe(0);
      await verifier.close();
    },
  );
});
