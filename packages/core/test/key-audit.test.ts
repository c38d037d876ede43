import { createAuditWriter } from '../src/keys/key-audit';
import { createKeyManager } from '../src/keys/key-manager';
import { MemoryKeyStore } from '../src/stores/memory-store';
import type { KeyStore, StoredKeyRecord } from '../src/types';
import { manualClock, storeWithoutFeed } from './fixtures';

// The key manager's audit writes on their own: one entry per action, never a key or a hash; a
// failed write does not fail the action and goes to onAuditError.

async function setup() {
  const clock = manualClock();
  const store = new MemoryKeyStore({ now: clock.now });
  const { record: issued } = await createKeyManager({ store, now: clock.now }).create({
    projectId: 'p',
    name: 'backend',
  });
  const record = (await store.get(issued.id))!;
  // Only what the writer adds: the key manager's own entry for `create` is left out.
  const before = (await store.listAudit({ projectId: 'p', limit: 100 })).length;
  return { clock, store, record, before };
}

/** The store with an appendAudit that fails. */
const failingAudit = (store: MemoryKeyStore, error: Error): KeyStore =>
  Object.assign(Object.create(store) as MemoryKeyStore, {
    appendAudit: () => Promise.reject(error),
  });

describe('createAuditWriter', () => {
  it('appends one entry with the time, project, action, actor and target, and no hash', async () => {
    const { clock, store, record, before } = await setup();
    clock.advance(1234);
    const audit = createAuditWriter(store, clock.now, undefined);
    await audit('key.revoked', record, { keyId: 'key_admin', prefix: 'vc_adm1' });
    await audit('key.updated', record, null);
    const entries = await store.listAudit({ projectId: 'p', limit: 100 });
    expect(entries).toHaveLength(before + 2);
    expect(entries.slice(0, 2)).toEqual([
      {
        at: new Date(clock.now()).toISOString(),
        projectId: 'p',
        action: 'key.updated',
        actor: null,
        target: { keyId: record.id, prefix: record.prefix, name: 'backend' },
      },
      {
        at: '2026-01-01T00:00:01.234Z',
        projectId: 'p',
        action: 'key.revoked',
        actor: { keyId: 'key_admin', prefix: 'vc_adm1' },
        target: { keyId: record.id, prefix: record.prefix, name: 'backend' },
      },
    ]);
    expect(JSON.stringify(entries)).not.toContain(record.hash);
  });

  it('a store without an audit list: nothing to do, no error', async () => {
    const { store, record } = await setup();
    // The required methods only: no appendAudit, no listAudit.
    const bare = storeWithoutFeed(store);
    const errors: unknown[] = [];
    await expect(
      createAuditWriter(bare, Date.now, (e) => errors.push(e))('key.created', record, null),
    ).resolves.toBeUndefined();
    expect(errors).toEqual([]);
  });

  it('a failed write resolves all the same and is handed to onAuditError, once', async () => {
    const { store, record } = await setup();
    const failure = new Error('disk full');
    const errors: unknown[] = [];
    const audit = createAuditWriter(failingAudit(store, failure), Date.now, (e) => errors.push(e));
    await expect(audit('key.rotated', record, null)).resolves.toBeUndefined();
    expect(errors).toEqual([failure]);
  });

  it('an onAuditError that throws, or none at all, still leaves the action standing', async () => {
    const { store, record } = await setup();
    const failing = failingAudit(store, new Error('disk full'));
    const throwing = createAuditWriter(failing, Date.now, () => {
      throw new Error('hook failed');
    });
    await expect(throwing('key.revoked', record as StoredKeyRecord, null)).resolves.toBeUndefined();
    await expect(
      createAuditWriter(failing, Date.now, undefined)('key.revoked', record, null),
    ).resolves.toBeUndefined();
  });
});
