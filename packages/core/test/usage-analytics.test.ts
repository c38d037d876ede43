import { createScopeGuard } from '../src/http/auth-handler';
import { createKeyManager } from '../src/keys/key-manager';
import { MemoryKeyStore } from '../src/stores/memory-store';
import type { UsageEntry, UsageOutcome, VerifyResult } from '../src/types';
import { createTokenIssuer } from '../src/jwt/token-issuer';
import { createVerifier } from '../src/verify/verifier';
import { FaultyStore, manualClock } from './fixtures';

const HOUR = 3_600_000;
const bearer = (key: string): string => `Bearer ${key}`;

/** A store that keeps every batch it was given. */
class RecordingStore extends MemoryKeyStore {
  batches: UsageEntry[][] = [];
  /** The flush id of every call, failed ones included. */
  flushIds: Array<string | undefined> = [];
  failNext = false;

  override async recordUsage(batch: UsageEntry[], flushId?: string): Promise<void> {
    this.flushIds.push(flushId);
    if (this.failNext) {
      this.failNext = false;
      throw new Error('usage write failed');
    }
    this.batches.push(structuredClone(batch));
    return super.recordUsage(batch, flushId);
  }
}

/** Outcome counts of one key, summed over every bucket of every recorded batch, by hour. */
function countsOf(store: RecordingStore, id: string): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const batch of store.batches) {
    for (const entry of batch) {
      if (entry.id !== id) continue;
      for (const b of entry.buckets ?? []) {
        const hour = (out[b.hour] ??= {});
        hour[b.outcome] = (hour[b.outcome] ?? 0) + b.count;
      }
    }
  }
  return out;
}

async function setup(start = Date.parse('2026-03-01T10:15:00Z')) {
  const clock = manualClock(start);
  const store = new RecordingStore({ now: clock.now });
  const keys = createKeyManager({ store, now: clock.now });
  const verifier = createVerifier({
    store,
    now: clock.now,
    usage: { flushIntervalMs: 3_600_000 },
    attemptLimit: { max: 3, windowMs: 60_000 },
  });
  return { clock, store, keys, verifier };
}

const ok = (r: VerifyResult): boolean => r.ok;

describe('usage analytics in the verifier', () => {
  it('counts every verification of a stored key per UTC hour and outcome, refusals included', async () => {
    const { store, keys, verifier, clock } = await setup();
    const { key, record } = await keys.create({
      projectId: 'p',
      name: 'n',
      scopes: ['cache:read'],
    });
    const read = { projectId: 'p', scopes: ['cache:read'] };
    const write = { projectId: 'p', scopes: ['cache:write'] };
    for (let i = 0; i < 7; i++) expect(ok(await verifier.verify(bearer(key), read))).toBe(true);
    for (let i = 0; i < 3; i++) expect(ok(await verifier.verify(bearer(key), write))).toBe(false);
    for (let i = 0; i < 2; i++) {
      expect(ok(await verifier.verify(bearer(key), { projectId: 'other' }))).toBe(false);
    }
    await verifier.flush();
    expect(countsOf(store, record.id)).toEqual({
      '2026-03-01T10:00:00.000Z': { valid: 7, insufficient_scope: 3, wrong_project: 2 },
    });
    // requestCount is every request made with the key: the sum of its outcomes.
    expect((await keys.get(record.id))!.requestCount).toBe(12);

    // The next hour is its own bucket; a revoked key is counted from the store and from the cache.
    clock.advance(HOUR);
    await keys.revoke(record.id);
    for (let i = 0; i < 4; i++) expect(ok(await verifier.verify(bearer(key)))).toBe(false);
    await verifier.flush();
    expect(countsOf(store, record.id)['2026-03-01T11:00:00.000Z']).toEqual({ revoked: 4 });
    const after = (await keys.get(record.id))!;
    // The attempts after the revocation count as requests; lastUsedAt stays the last accepted one.
    expect(after.requestCount).toBe(16);
    const outcomes = Object.values(countsOf(store, record.id)).flatMap((c) => Object.values(c));
    expect(outcomes.reduce((sum, n) => sum + (n ?? 0), 0)).toBe(after.requestCount);
    expect(after.lastUsedAt).toBe('2026-03-01T10:15:00.000Z');
    await verifier.close();
  });

  it('counts expired keys and splits a flush period at the hour boundary', async () => {
    const { store, keys, verifier, clock } = await setup(Date.parse('2026-03-01T10:59:59Z'));
    const { key, record } = await keys.create({
      projectId: 'p',
      name: 'n',
      expiresAt: Date.parse('2026-03-01T11:00:02Z'),
    });
    expect(ok(await verifier.verify(bearer(key)))).toBe(true);
    clock.advance(1000); // 11:00:00, same flush period, next hour
    expect(ok(await verifier.verify(bearer(key)))).toBe(true);
    expect(ok(await verifier.verify(bearer(key)))).toBe(true);
    clock.advance(5000);
    expect(ok(await verifier.verify(bearer(key)))).toBe(false);
    expect(ok(await verifier.verify(bearer(key)))).toBe(false);
    await verifier.flush();
    expect(store.batches).toHaveLength(1);
    expect(countsOf(store, record.id)).toEqual({
      '2026-03-01T10:00:00.000Z': { valid: 1 },
      '2026-03-01T11:00:00.000Z': { valid: 2, expired: 2 },
    });
    expect(store.batches[0]![0]).toMatchObject({ id: record.id, count: 5, projectId: 'p' });
    expect(store.batches[0]![0]!.lastUsedAt).toBe('2026-03-01T11:00:00.000Z');
    await verifier.close();
  });

  it('a route guard refusing a scope turns the valid count into insufficient_scope', async () => {
    const { store, keys, verifier } = await setup();
    const { key, record } = await keys.create({
      projectId: 'p',
      name: 'n',
      scopes: ['cache:read'],
    });
    const guard = createScopeGuard<object>(['cache:write']);
    const pass = createScopeGuard<object>(['cache:read']);
    for (let i = 0; i < 5; i++) {
      const result = await verifier.verify(bearer(key));
      if (!result.ok) throw new Error('expected the key to verify');
      const outcome = (i < 3 ? guard : pass)({}, result.principal);
      expect(outcome.action).toBe(i < 3 ? 'deny' : 'allow');
    }
    await verifier.flush();
    // A refusal after the flush that took its `valid` is taken off the next flush instead.
    const late = await verifier.verify(bearer(key));
    await verifier.flush();
    if (!late.ok) throw new Error('expected the key to verify');
    expect(guard({}, late.principal).action).toBe('deny');
    await verifier.verify(bearer(key));
    await verifier.verify(bearer(key));
    await verifier.flush();
    const hour = countsOf(store, record.id)['2026-03-01T10:00:00.000Z'];
    expect(hour).toEqual({ valid: 2 + 3 - 1, insufficient_scope: 4 });
    expect((await keys.get(record.id))!.requestCount).toBe(8);
    await verifier.close();
  });

  it('counts rate_limited for a known key without reading the store', async () => {
    const { store, keys, verifier } = await setup();
    const { key, record } = await keys.create({ projectId: 'p', name: 'n' });
    const client = { client: '203.0.113.9' };
    expect(ok(await verifier.verify(bearer(key), client))).toBe(true);
    for (let i = 0; i < 3; i++) {
      await verifier.verify(bearer(`vc_${String(i).repeat(32)}`), client);
    }
    for (let i = 0; i < 2; i++) {
      expect(await verifier.verify(bearer(key), client)).toMatchObject({ status: 429 });
    }
    await verifier.flush();
    expect(countsOf(store, record.id)).toEqual({
      '2026-03-01T10:00:00.000Z': { valid: 1, rate_limited: 2 },
    });
    await verifier.close();
  });

  it('sends a failed write again unchanged under its flush id, then the newer counts', async () => {
    const { store, keys, verifier } = await setup();
    const { key, record } = await keys.create({ projectId: 'p', name: 'n' });
    await verifier.verify(bearer(key));
    store.failNext = true;
    await expect(verifier.flush()).rejects.toThrow('usage write failed');
    await verifier.verify(bearer(key));
    await verifier.verify(bearer(key), { projectId: 'q' });
    // The retry fails too: the newer counts wait, the failed batch keeps its id.
    store.failNext = true;
    await expect(verifier.flush()).rejects.toThrow('usage write failed');
    await verifier.verify(bearer(key));
    await verifier.flush();
    const [first, retried, last, next] = store.flushIds;
    expect(typeof first).toBe('string');
    expect(new Set([first, retried, last])).toEqual(new Set([first]));
    expect(next).toEqual(expect.any(String));
    expect(next).not.toBe(first);
    expect(store.flushIds).toHaveLength(4);
    expect(store.batches.map((batch) => batch.map((entry) => entry.count))).toEqual([[1], [3]]);
    expect(countsOf(store, record.id)).toEqual({
      '2026-03-01T10:00:00.000Z': { valid: 3, wrong_project: 1 },
    });
    expect((await store.get(record.id))?.requestCount).toBe(4);
    await verifier.close();
  });

  it('counts nothing without a stored key, and nothing when usage is disabled', async () => {
    const store = new RecordingStore();
    const keys = createKeyManager({ store });
    const { key } = await keys.create({ projectId: 'p', name: 'n' });
    const off = createVerifier({ store, usage: { enabled: false } });
    expect(ok(await off.verify(bearer(key)))).toBe(true);
    await off.close();
    const on = createVerifier({ store, usage: { flushIntervalMs: 3_600_000 } });
    await on.verify(bearer(`vc_${'e'.repeat(32)}`));
    await on.verify('Basic abc');
    await on.close();
    expect(store.batches).toEqual([]);
  });

  it('keeps the cached path free of store writes: one batch per flush, however many requests', async () => {
    const clock = manualClock();
    const store = new FaultyStore({ now: clock.now });
    const { key } = await createKeyManager({ store }).create({ projectId: 'p', name: 'n' });
    const verifier = createVerifier({
      store,
      now: clock.now,
      usage: { flushIntervalMs: 3_600_000 },
    });
    for (let i = 0; i < 500; i++)
      await verifier.verify(bearer(key), { projectId: i % 2 ? 'p' : 'q' });
    expect(store.usageCalls).toBe(0);
    await verifier.flush();
    expect(store.usageCalls).toBe(1);
    const rows = await store.readUsage({
      projectId: 'p',
      from: '2026-01-01T00:00:00Z',
      to: '2026-01-02T00:00:00Z',
      granularity: 'hour',
    });
    const byOutcome = Object.fromEntries(rows.map((r) => [r.outcome, r.count])) as Record<
      UsageOutcome,
      number
    >;
    expect(byOutcome).toEqual({ valid: 250, wrong_project: 250 });
    await verifier.close();
  });

  it('a JWT of a key whose scopes were narrowed never carries the removed scopes', async () => {
    const store = new MemoryKeyStore();
    const keys = createKeyManager({ store });
    const { key, record } = await keys.create({
      projectId: 'p',
      name: 'n',
      scopes: ['cache:read', 'cache:write'],
    });
    const issuer = createTokenIssuer({
      key: 'x'.repeat(32),
      issuer: 'https://issuer.example',
      audience: 'api',
    });
    const verifier = createVerifier({ store, jwt: issuer.jwtOptions });
    const verified = await verifier.verify(bearer(key));
    if (!verified.ok) throw new Error('expected the key to verify');
    const { token } = await issuer.issue(verified.principal, ['cache:read', 'cache:write']);
    expect(ok(await verifier.verify(bearer(token), { scopes: ['cache:write'] }))).toBe(true);
    await keys.update(record.id, { scopes: ['cache:read'] });
    const after = await verifier.verify(bearer(token), { scopes: ['cache:write'] });
    expect(after).toMatchObject({ ok: false, status: 403, reason: 'insufficient_scope' });
    const read = await verifier.verify(bearer(token), { scopes: ['cache:read'] });
    expect(read.ok && read.principal.scopes).toEqual(['cache:read']);
    await verifier.close();
  });
});
