import { createKeyManager } from '../src/keys/key-manager';
import { MemoryKeyStore } from '../src/stores/memory-store';
import type { KeyStore, StoredKeyRecord } from '../src/types';
import { createVerifier } from '../src/verify/verifier';
import { sqliteDriversHere, sqliteSandbox } from './sqlite-fixtures';

const WRITE_FAILED = 'the store lost the connection';

/**
 * The store, with its `update` failing (the second write of a two-write rotation), or its
 * rotation write failing (`insert` with `replacing`, which writes nothing then), or a store
 * written before `replacing` existed (no `replacesAtomically`, an `insert` of one parameter).
 */
function faulty(store: KeyStore, fault: 'update' | 'rotation' | 'legacy-update'): KeyStore {
  const fail = (): Promise<never> => Promise.reject(new Error(WRITE_FAILED));
  return new Proxy(store, {
    get(target, name, receiver) {
      if (name === 'replacesAtomically' && fault === 'legacy-update') return undefined;
      const value: unknown = Reflect.get(target, name, receiver);
      if (typeof value !== 'function') return value;
      if (name === 'update' && fault !== 'rotation') {
        // The compensating revocation of the new key still goes through.
        return (id: string, patch: Parameters<KeyStore['update']>[1]) =>
          patch.revokedAt !== undefined &&
          patch.rotatedTo === undefined &&
          fault === 'legacy-update'
            ? target.update(id, patch)
            : fail();
      }
      if (name === 'insert' && fault === 'rotation') {
        return (record: StoredKeyRecord, replacing?: Parameters<KeyStore['insert']>[1]) =>
          replacing ? fail() : target.insert(record);
      }
      if (name === 'insert' && fault === 'legacy-update') {
        return (record: StoredKeyRecord) => target.insert(record);
      }
      return (value as (...args: unknown[]) => unknown).bind(target);
    },
  });
}

const stores: Array<[string, () => KeyStore]> = [['memory', () => new MemoryKeyStore()]];
for (const driver of sqliteDriversHere()) {
  const sandbox = sqliteSandbox(driver);
  stores.push([`SQLite (${driver})`, () => sandbox.store()]);
}

describe.each(stores)('rotation on the %s store', (_name, makeStore) => {
  async function rotated(store: KeyStore, fault: Parameters<typeof faulty>[1]) {
    const keys = createKeyManager({ store });
    const old = await keys.create({ projectId: 'p', name: 'svc' });
    const rotating = createKeyManager({ store: faulty(store, fault) });
    const outcome = await rotating.rotate(old.record.id).then(
      (issued) => issued,
      (err: unknown) => err as Error,
    );
    return { keys, old, outcome };
  }

  it('is one write: a failing update cannot leave the new key behind, the links are recorded', async () => {
    const store = makeStore();
    const { keys, old, outcome } = await rotated(store, 'update');
    if (outcome instanceof Error) throw outcome;
    const records = await keys.list();
    expect(
      records.map((r) => [r.id, r.status, r.rotatedFrom ?? null, r.rotatedTo ?? null]),
    ).toEqual(
      expect.arrayContaining([
        [old.record.id, 'revoked', null, outcome.record.id],
        [outcome.record.id, 'active', old.record.id, null],
      ]),
    );
    expect(records).toHaveLength(2);
    const verifier = createVerifier({ store, usage: { enabled: false } });
    expect((await verifier.verify(`Bearer ${outcome.key}`)).ok).toBe(true);
    expect((await verifier.verify(`Bearer ${old.key}`)).ok).toBe(false);
    await verifier.close();
  });

  it('a failed rotation write leaves no new key, and the old key working', async () => {
    const store = makeStore();
    const { keys, old, outcome } = await rotated(store, 'rotation');
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as Error).message).toBe(WRITE_FAILED);
    const records = await keys.list();
    expect(records.map((r) => [r.id, r.status, r.rotatedTo ?? null])).toEqual([
      [old.record.id, 'active', null],
    ]);
  });

  it('a store that does not declare replacesAtomically: when the second write fails, the new key is revoked', async () => {
    const store = makeStore();
    const { keys, old, outcome } = await rotated(store, 'legacy-update');
    expect(outcome).toBeInstanceOf(Error);
    const records = await keys.list();
    expect(records.filter((r) => r.status === 'active').map((r) => r.id)).toEqual([old.record.id]);
  });

  it('twelve parallel rotations of one key: exactly one wins, the others are refused', async () => {
    const store = makeStore();
    const keys = createKeyManager({ store });
    const old = await keys.create({ projectId: 'p', name: 'svc' });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 12 }, () => keys.rotate(old.record.id)),
    );
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    expect(won).toHaveLength(1);
    const codes = outcomes.map((o) => (o.status === 'rejected' ? o.reason.code : 'ok'));
    expect(codes.filter((c) => c !== 'ok')).toEqual(Array(11).fill('key_rotated'));
    const successors = (await keys.list()).filter((r) => r.rotatedFrom === old.record.id);
    expect(successors).toHaveLength(1);
    expect(await keys.get(old.record.id)).toMatchObject({ rotatedTo: successors[0]!.id });
  });
});
