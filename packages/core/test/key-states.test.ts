import { KeyStates } from '../src/jwt/key-states';
import type { StoredKeyRecord } from '../src/types';
import { manualClock } from './fixtures';

const record = (id: string, name = id): StoredKeyRecord => ({
  id,
  projectId: 'proj_a',
  name,
  prefix: 'vc_0000',
  hash: 'ab'.repeat(32),
  scopes: ['cache:read'],
  createdAt: '2026-01-01T00:00:00.000Z',
  lastUsedAt: null,
  requestCount: 0,
  revokedAt: null,
  expiresAt: null,
});

function setup(options: { staleMs?: number; feedUp?: boolean } = {}) {
  const clock = manualClock();
  let reads = 0;
  let failing = false;
  let name = 'v1';
  let gate: Promise<void> | undefined;
  const states = new KeyStates({
    max: 10,
    ttl: 1000,
    staleMs: options.staleMs ?? 0,
    now: clock.now,
    feedUp: () => options.feedUp ?? true,
    fetch: async (id) => {
      reads++;
      if (gate) await gate;
      if (failing) throw new Error('store down');
      return record(id, name);
    },
    counter: () => undefined,
  });
  const lookup = async (id = 'key_a') => (await states.lookup(id, clock.now()))?.record?.name;
  return {
    clock,
    states,
    lookup,
    reads: () => reads,
    fail: (on: boolean) => void (failing = on),
    rename: (n: string) => void (name = n),
    hold: () => {
      let release!: () => void;
      const mine = new Promise<void>((r) => (release = r));
      gate = mine;
      return () => {
        if (gate === mine) gate = undefined;
        release();
      };
    },
  };
}

describe('KeyStates', () => {
  it('trusts a record for ttl while the feed is up, then reads it again', async () => {
    const s = setup();
    expect(await s.lookup()).toBe('v1');
    s.rename('v2');
    s.clock.advance(999);
    expect(await s.lookup()).toBe('v1');
    expect(s.reads()).toBe(1);
    s.clock.advance(1);
    expect(await s.lookup()).toBe('v2');
    expect(s.reads()).toBe(2);
  });

  it('reads every time while the feed is down, and without staleMs fails closed', async () => {
    const s = setup({ feedUp: false });
    await s.lookup();
    await s.lookup();
    expect(s.reads()).toBe(2);
    // A copy well inside ttl is not served when the store fails: without the feed it may be stale.
    s.fail(true);
    expect(await s.states.lookup('key_a', s.clock.now())).toBeUndefined();
  });

  it('a read a change raced twice is answered but not cached', async () => {
    const s = setup();
    const first = s.hold();
    const pending = s.lookup();
    s.states.invalidate('key_a');
    const second = s.hold(); // the read made again after the change waits here
    first();
    await new Promise((r) => setImmediate(r));
    expect(s.reads()).toBe(2);
    s.states.invalidate('key_a');
    second();
    expect(await pending).toBe('v1');
    await s.lookup();
    expect(s.reads()).toBe(3); // two for the raced lookup, one more: nothing was cached
  });

  it('distrustReads and clear mark the reads in flight stale; clear also drops the cache', async () => {
    const s = setup();
    await s.lookup('key_b');
    const release = s.hold();
    const pending = s.lookup();
    s.states.distrustReads();
    release();
    await pending;
    expect(s.reads()).toBe(3); // key_b, then key_a read twice
    const again = s.hold();
    const second = s.lookup('key_c');
    s.states.clear();
    again();
    await second;
    expect(s.reads()).toBe(5);
    await s.lookup('key_b');
    expect(s.reads()).toBe(6); // key_b was dropped by clear
  });

  it('serves a copy up to ttl + staleMs old when the store fails, and nothing older', async () => {
    const s = setup({ staleMs: 500 });
    await s.lookup();
    s.fail(true);
    s.clock.advance(1000);
    expect(await s.lookup()).toBe('v1');
    s.clock.advance(499);
    expect(await s.lookup()).toBe('v1');
    s.clock.advance(1);
    expect(await s.states.lookup('key_a', s.clock.now())).toBeUndefined();
  });

  it('without staleMs a failed read answers undefined even with a copy', async () => {
    const s = setup();
    await s.lookup();
    s.fail(true);
    s.clock.advance(1000);
    expect(await s.states.lookup('key_a', s.clock.now())).toBeUndefined();
  });
});
