/**
 * `KeyStore` is a public interface: a store written by someone else may answer `findByHash` with
 * a record that is not the one asked for. The verifier's final hash comparison is what stands
 * between such a store and a wrong caller being let in.
 */
import { generateApiKey, hashApiKey, keyPrefix } from '../src/keys/key-format';
import type {
  AuthEvent,
  KeyRecordPatch,
  KeyStore,
  StoredKeyRecord,
  UsageEntry,
} from '../src/types';
import { isDecisionEvent } from '../src/verify/observe';
import { createVerifier } from '../src/verify/verifier';
import { manualClock } from './fixtures';

/**
 * A small third-party store with a realistic bug: its lookup index keeps only the first
 * `indexLength` characters of a hash (a column too short), so `findByHash` answers with the first
 * record whose hash starts the same way when no record matches exactly. No change feed.
 */
class TruncatedIndexStore implements KeyStore {
  readonly records: StoredKeyRecord[] = [];
  reads = 0;

  constructor(private readonly indexLength: number) {}

  async findByHash(hash: string): Promise<StoredKeyRecord | null> {
    this.reads++;
    const exact = this.records.find((r) => r.hash === hash);
    const loose = this.records.find(
      (r) => r.hash.slice(0, this.indexLength) === hash.slice(0, this.indexLength),
    );
    return structuredClone(exact ?? loose ?? null);
  }

  async insert(record: StoredKeyRecord): Promise<void> {
    this.records.push(structuredClone(record));
  }

  async get(id: string): Promise<StoredKeyRecord | null> {
    return structuredClone(this.records.find((r) => r.id === id) ?? null);
  }

  async list(filter?: { projectId?: string }): Promise<StoredKeyRecord[]> {
    return this.records.filter((r) => !filter?.projectId || r.projectId === filter.projectId);
  }

  async update(id: string, patch: KeyRecordPatch): Promise<StoredKeyRecord | null> {
    const record = this.records.find((r) => r.id === id);
    if (!record) return null;
    Object.assign(record, patch);
    return structuredClone(record);
  }

  async recordUsage(batch: UsageEntry[]): Promise<void> {
    for (const entry of batch) {
      const record = this.records.find((r) => r.id === entry.id);
      if (record) record.requestCount += entry.count;
    }
  }

  async close(): Promise<void> {}
}

function recordFor(key: string, id: string): StoredKeyRecord {
  return {
    id,
    projectId: 'proj_third_party',
    name: id,
    prefix: keyPrefix(key),
    hash: hashApiKey(key),
    scopes: ['cache:read'],
    createdAt: '2026-01-01T00:00:00.000Z',
    lastUsedAt: null,
    requestCount: 0,
    revokedAt: null,
    expiresAt: null,
  };
}

/** A fresh key whose hash starts like `hash` (1 in 16 keys for one character) but differs. */
function collidingKey(hash: string, length: number): string {
  for (;;) {
    const key = generateApiKey();
    const candidate = hashApiKey(key);
    if (candidate.slice(0, length) === hash.slice(0, length) && candidate !== hash) return key;
  }
}

describe('a third-party store that returns a record with another hash', () => {
  const bearer = (key: string): string => `Bearer ${key}`;

  async function setup() {
    const clock = manualClock();
    const store = new TruncatedIndexStore(1);
    const owner = generateApiKey();
    const ownerRecord = recordFor(owner, 'key_owner00000000000000000');
    await store.insert(ownerRecord);
    const stranger = collidingKey(ownerRecord.hash, 1);
    const events: AuthEvent[] = [];
    const verifier = createVerifier({
      store,
      now: clock.now,
      onEvent: (e) => events.push(e),
      usage: { enabled: false },
    });
    return { clock, store, owner, ownerRecord, stranger, events, verifier };
  }

  it('gets 401 unknown, and the record it got is named in no event', async () => {
    const { store, ownerRecord, stranger, events, verifier } = await setup();
    expect(await store.findByHash(hashApiKey(stranger))).toMatchObject({ id: ownerRecord.id });
    store.reads = 0;

    const result = await verifier.verify(bearer(stranger), { scopes: ['cache:read'] });
    expect(result).toMatchObject({ ok: false, status: 401, reason: 'unknown' });
    expect(store.reads).toBe(1);
    expect(events.filter(isDecisionEvent)).toEqual([
      {
        type: 'rejected',
        reason: 'unknown',
        prefix: keyPrefix(stranger),
        keyId: undefined,
        projectId: undefined,
      },
    ]);
    expect(events.map((e) => e.type)).toEqual(['cache_miss', 'store_read', 'rejected']);
    expect(JSON.stringify(events)).not.toContain(ownerRecord.id);
    await verifier.close();
  });

  it('the record never enters the verified cache: later reads go to the store, a later correct record is honoured', async () => {
    const { clock, store, owner, ownerRecord, stranger, events, verifier } = await setup();
    expect((await verifier.verify(bearer(stranger))).ok).toBe(false);
    // Answered from the unknown-key cache (no read) while its ttl runs: still refused.
    expect(await verifier.verify(bearer(stranger))).toMatchObject({ ok: false, reason: 'unknown' });
    expect(store.reads).toBe(1);

    // Past the unknown-key ttl (10 s), well inside the verified ttl (60 s): had the wrong record
    // been cached as verified, this would be a 200 without a read.
    clock.advance(10_001);
    expect(await verifier.verify(bearer(stranger))).toMatchObject({ ok: false, reason: 'unknown' });
    expect(store.reads).toBe(2);

    // The stranger's own record appears (a store without change feed): honoured once the store
    // is read again, with its own identity, not the owner's.
    const strangerRecord = recordFor(stranger, 'key_stranger0000000000000');
    await store.insert(strangerRecord);
    clock.advance(10_001);
    const honoured = await verifier.verify(bearer(stranger));
    expect(honoured).toMatchObject({ ok: true, principal: { keyId: strangerRecord.id } });
    expect(store.reads).toBe(3);

    // The owner's own key is unaffected and resolves to its own record.
    const own = await verifier.verify(bearer(owner));
    expect(own).toMatchObject({ ok: true, principal: { keyId: ownerRecord.id } });
    expect(store.reads).toBe(4);

    const verified = events.filter((e) => e.type === 'verified').map((e) => e.keyId);
    expect(verified).toEqual([strangerRecord.id, ownerRecord.id]);
    await verifier.close();
  });

  it('a cached key whose store answer turns into another hash is dropped, not served', async () => {
    const { clock, store, owner, ownerRecord, verifier } = await setup();
    expect((await verifier.verify(bearer(owner))).ok).toBe(true);
    // The store loses the owner's record and now answers the owner's hash with a look-alike.
    const lookAlike = collidingKey(ownerRecord.hash, 1);
    store.records.length = 0;
    await store.insert(recordFor(lookAlike, 'key_lookalike000000000000'));
    clock.advance(60_000); // the verified ttl: the next verify reads the store
    expect(await verifier.verify(bearer(owner))).toMatchObject({ ok: false, reason: 'unknown' });
    expect(store.reads).toBe(2);
    // Refused from the unknown-key cache from now on (no read), never from the old verified entry.
    expect(await verifier.verify(bearer(owner))).toMatchObject({ ok: false, reason: 'unknown' });
    expect(store.reads).toBe(2);
    await verifier.close();
  });

  it('a record whose hash has another length (a store keeping another encoding) gets 401, not an exception', async () => {
    const store = new TruncatedIndexStore(0); // answers every lookup with its first record
    const key = generateApiKey();
    const record = recordFor(key, 'key_base64000000000000000');
    record.hash = Buffer.from(record.hash, 'hex').toString('base64'); // 44 characters, not 64
    await store.insert(record);
    const verifier = createVerifier({ store, usage: { enabled: false } });
    expect(await verifier.verify(bearer(key))).toMatchObject({
      ok: false,
      status: 401,
      reason: 'unknown',
    });
    expect(store.reads).toBe(1);
    await verifier.close();
  });

  it('with staleIfErrorMs, a key the store stopped answering for is not served stale in a later outage', async () => {
    const clock = manualClock();
    const store = new TruncatedIndexStore(1);
    const owner = generateApiKey();
    const ownerRecord = recordFor(owner, 'key_owner00000000000000000');
    await store.insert(ownerRecord);
    const verifier = createVerifier({
      store,
      now: clock.now,
      staleIfErrorMs: 300_000,
      usage: { enabled: false },
    });
    expect((await verifier.verify(bearer(owner))).ok).toBe(true);
    // The owner's record goes; the store answers the owner's hash with a look-alike.
    store.records.length = 0;
    await store.insert(recordFor(collidingKey(ownerRecord.hash, 1), 'key_lookalike000000000000'));
    clock.advance(60_000);
    expect(await verifier.verify(bearer(owner))).toMatchObject({ ok: false, reason: 'unknown' });
    // Then the store goes down, well inside the stale window of the first answer.
    store.findByHash = () => Promise.reject(new Error('store down'));
    clock.advance(10_001);
    expect(await verifier.verify(bearer(owner))).toMatchObject({
      ok: false,
      status: 503,
      reason: 'store_unavailable',
    });
    await verifier.close();
  });
});

describe('a third-party store that returns a malformed record', () => {
  const key = generateApiKey();
  const good = recordFor(key, 'key_shape0000000000000000');

  async function verifyWith(record: unknown) {
    const store = new TruncatedIndexStore(64);
    // Answers every lookup with this record, whatever it holds.
    store.findByHash = async () => structuredClone(record as StoredKeyRecord);
    const verifier = createVerifier({ store, usage: { enabled: false } });
    const result = await verifier.verify(`Bearer ${key}`);
    await verifier.close();
    return result;
  }

  it('a well-formed record is honoured', async () => {
    expect(await verifyWith(good)).toMatchObject({ ok: true, principal: { keyId: good.id } });
    expect(
      await verifyWith({ ...good, expiresAt: '2999-01-01T00:00:00.000Z', scopes: [] }),
    ).toMatchObject({ ok: true });
  });

  it('a value that is not an object answers 503', async () => {
    expect(await verifyWith('key_shape0000000000000000')).toMatchObject({
      ok: false,
      status: 503,
      reason: 'store_unavailable',
    });
  });

  it.each<[string, Record<string, unknown>]>([
    ['an id that is not a string', { id: 42 }],
    ['a hash that is not a string', { hash: 7 }],
    ['a projectId that is not a string', { projectId: ['proj_third_party'] }],
    ['an empty projectId', { projectId: '' }],
    ['scopes that are not an array', { scopes: 'cache:read' }],
    ['scopes holding a non-string', { scopes: ['cache:read', 5] }],
    ['a revokedAt that is neither null nor a string', { revokedAt: 5 }],
    ['an expiresAt that is neither null nor a string', { expiresAt: 5 }],
    // A record that cannot say whether it was revoked is corrupt, not unknown (nor valid).
    ['no revokedAt', { revokedAt: undefined }],
    ['no expiresAt', { expiresAt: undefined }],
  ])('%s answers 503 (a store failure), never 200 or 401', async (_what, patch) => {
    expect(await verifyWith({ ...good, ...patch })).toMatchObject({
      ok: false,
      status: 503,
      reason: 'store_unavailable',
    });
  });
});
