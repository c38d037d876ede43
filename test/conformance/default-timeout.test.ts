/**
 * Every adapter built without `timeoutMs`, on a store that never answers, sends the 503 of
 * docs/contract.md once the documented default store timeout (500 ms) has passed, and not before.
 * Only `setTimeout` is faked (the timeout's clock), so sockets run for real and no assertion
 * depends on how fast this machine is: before fake time reaches 500 ms no answer can exist.
 */
import { setTimeout as realDelay } from 'node:timers/promises';
import request from 'supertest';
import { ADAPTERS, hangingStore, startAll, type AdapterName, type Target } from './servers';

const DEFAULT_TIMEOUT_MS = 500;
const UNAVAILABLE = '{"detail":"Authentication service unavailable"}';

let store: ReturnType<typeof hangingStore>;
let targets: Record<AdapterName, Target>;
let fakeTime = false;

beforeAll(async () => {
  store = hangingStore();
  targets = await startAll(store, { defaultTimeout: true });
});

afterAll(async () => {
  // Whatever the test saw, fire the pending timeouts so every request ends and the servers close.
  if (fakeTime) await jest.runOnlyPendingTimersAsync();
  jest.useRealTimers();
  await Promise.all(Object.values(targets).map((t) => t.close()));
});

/** Waits (real time, a bounded number of turns) until the store has been asked `n` times. */
async function readsReach(n: number): Promise<void> {
  for (let i = 0; i < 500 && store.reads < n; i++) await realDelay(10);
  expect(store.reads).toBe(n);
}

it('every adapter answers 503 when fake time reaches 500 ms, none before', async () => {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'Date'] });
  fakeTime = true;
  const answers = ADAPTERS.map((adapter) => {
    const box: { status?: number; body?: string; retryAfter?: string } = {};
    void request(`http://127.0.0.1:${targets[adapter].port}`)
      .get('/')
      .set('Authorization', `Bearer vc_${'7'.repeat(32)}`)
      .then((res) => {
        box.status = res.status;
        box.body = res.text;
        box.retryAfter = res.headers['retry-after'] as string | undefined;
      });
    return box;
  });
  await readsReach(ADAPTERS.length);

  await jest.advanceTimersByTimeAsync(DEFAULT_TIMEOUT_MS - 1);
  await realDelay(100); // room for an answer that should not exist yet to arrive
  expect(answers.map((a) => a.status)).toEqual(ADAPTERS.map(() => undefined));

  await jest.advanceTimersByTimeAsync(1);
  for (let i = 0; i < 500 && answers.some((a) => a.status === undefined); i++) await realDelay(10);
  for (const answer of answers) {
    expect(answer).toEqual({ status: 503, body: UNAVAILABLE, retryAfter: '1' });
  }
  expect(Object.values(targets).flatMap((t) => t.errors)).toEqual([]);
});
