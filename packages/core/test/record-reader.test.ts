import { VectorcacheAuthError } from '../src/errors';
import { createKeyManager } from '../src/keys/key-manager';
import { createRecordReader } from '../src/verify/record-reader';
import { MemoryKeyStore } from '../src/stores/memory-store';
import type { AuthEvent, KeyStore, StoredKeyRecord } from '../src/types';

// The verifier's store reads on their own: by hash or by id, bounded by the timeout, a corrupt
// record refused, each read reported as one `store_read` event.

async function setup(timeoutMs = 1000) {
  const store = new MemoryKeyStore();
  const { record: issued } = await createKeyManager({ store }).create({
    projectId: 'p',
    name: 'n',
  });
  const record = (await store.get(issued.id))!;
  const events: AuthEvent[] = [];
  const emit = (event: AuthEvent): void => void events.push(event);
  return { store, record, events, emit, timeoutMs };
}

/** A store whose reads answer `answer` (a value, a failure, or never). */
function storeAnswering(inner: KeyStore, answer: () => Promise<unknown>): KeyStore {
  return {
    ...inner,
    findByHash: () => answer() as Promise<StoredKeyRecord | null>,
    get: () => answer() as Promise<StoredKeyRecord | null>,
    list: (f) => inner.list(f),
  };
}

const reads = (events: AuthEvent[]) =>
  events.map((e) => ({ type: e.type, result: e.result, timed: typeof e.durationMs === 'number' }));

describe('createRecordReader', () => {
  it('reads by hash and by id, and reports each read as found', async () => {
    const { store, record, events, emit } = await setup();
    const read = createRecordReader(store, 1000, emit, emit);
    expect(await read('findByHash', record.hash)).toEqual(record);
    expect(await read('get', record.id)).toEqual(record);
    // By hash is not by id: each finds nothing with the other's key.
    expect(await read('findByHash', record.id)).toBeNull();
    expect(await read('get', record.hash)).toBeNull();
    expect(reads(events)).toEqual([
      { type: 'store_read', result: 'found', timed: true },
      { type: 'store_read', result: 'found', timed: true },
      { type: 'store_read', result: 'not_found', timed: true },
      { type: 'store_read', result: 'not_found', timed: true },
    ]);
    for (const event of events) {
      expect(event.durationMs).toBeGreaterThanOrEqual(0);
      expect(JSON.stringify(event)).not.toContain(record.hash);
    }
  });

  it('a corrupt record is a store failure (corrupt_record), reported as an error read', async () => {
    const { store, events, emit } = await setup();
    const corrupt = storeAnswering(store, async () => ({ id: 'key_x', projectId: 'p' }));
    const read = createRecordReader(corrupt, 1000, emit, emit);
    const failure = await read('findByHash', 'a'.repeat(64)).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(VectorcacheAuthError);
    expect((failure as VectorcacheAuthError).code).toBe('corrupt_record');
    await expect(read('get', 'key_x')).rejects.toMatchObject({ code: 'corrupt_record' });
    expect(reads(events)).toEqual([
      { type: 'store_read', result: 'error', timed: true },
      { type: 'store_read', result: 'error', timed: true },
    ]);
  });

  it('a store error is passed on as it is, reported as an error read', async () => {
    const { store, events, emit } = await setup();
    const boom = new Error('connection refused');
    const read = createRecordReader(
      storeAnswering(store, () => Promise.reject(boom)),
      1000,
      emit,
      emit,
    );
    await expect(read('findByHash', 'a'.repeat(64))).rejects.toBe(boom);
    expect(reads(events)).toEqual([{ type: 'store_read', result: 'error', timed: true }]);
  });

  it('a store that never answers: store_timeout after timeoutMs, naming the option to raise', async () => {
    const { store, events, emit } = await setup();
    const hanging = storeAnswering(store, () => new Promise(() => undefined));
    const read = createRecordReader(hanging, 25, emit, emit);
    const failure = (await read('get', 'key_x').catch(
      (err: unknown) => err,
    )) as VectorcacheAuthError;
    expect(failure.code).toBe('store_timeout');
    expect(failure.message).toContain('a key lookup within 25 ms');
    expect(failure.message).toContain('timeoutMs');
    expect(reads(events)).toEqual([{ type: 'store_read', result: 'error', timed: true }]);
  });

  it('without a listener, nothing is emitted', async () => {
    const { store, record, events, emit } = await setup();
    const read = createRecordReader(store, 1000, undefined, emit);
    expect(await read('findByHash', record.hash)).toEqual(record);
    expect(await read('get', 'key_000000000000000000000000')).toBeNull();
    expect(events).toEqual([]);
  });

  it('a record with every field a verifier needs is usable, even without the optional ones', async () => {
    const { store, events, emit } = await setup();
    const minimal = {
      id: 'key_x',
      hash: 'h',
      projectId: 'p',
      scopes: [],
      revokedAt: null,
      expiresAt: null,
    };
    const read = createRecordReader(
      storeAnswering(store, async () => minimal),
      1000,
      emit,
      emit,
    );
    expect(await read('get', 'key_x')).toBe(minimal);
    expect(events[0]!.result).toBe('found');
  });
});
