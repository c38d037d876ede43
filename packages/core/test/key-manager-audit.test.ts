import { VectorcacheAuthError } from '../src/errors';
import { createKeyManager, createKeyManagerFor } from '../src/keys/key-manager';
import { MemoryKeyStore } from '../src/stores/memory-store';
import type { StoreChange } from '../src/types';
import { createVerifier } from '../src/verify/verifier';
import { FaultyStore, PLAINTEXT_KEY, manualClock, thrownBy } from './fixtures';

const actor = { keyId: 'key_aaaaaaaaaaaaaaaaaaaaaaaa', prefix: 'vc_abcd' };

describe('key manager: update and the audit list', () => {
  it('updates name and scopes, publishes the change, and audits it with its actor', async () => {
    const clock = manualClock();
    const store = new MemoryKeyStore({ now: clock.now });
    const keys = createKeyManager({ store, now: clock.now });
    const { record } = await keys.create({ projectId: 'p', name: 'a', scopes: ['cache:*'] });
    const changes: StoreChange[] = [];
    store.subscribe((change) => changes.push(change));
    clock.advance(1000);
    const updated = await keys.update(record.id, { name: 'b', scopes: ['cache:read'] }, { actor });
    expect(updated).toMatchObject({ id: record.id, name: 'b', scopes: ['cache:read'] });
    expect(changes).toEqual([{ type: 'changed', id: record.id, hash: record.hash }]);
    // An update that changes nothing is neither written nor audited.
    await keys.update(record.id, { name: 'b' }, { actor });
    expect(changes).toHaveLength(1);
    const audit = await store.listAudit({ projectId: 'p', limit: 10 });
    expect(audit).toEqual([
      {
        at: '2026-01-01T00:00:01.000Z',
        projectId: 'p',
        action: 'key.updated',
        actor,
        target: { keyId: record.id, prefix: record.prefix, name: 'b' },
      },
      {
        at: '2026-01-01T00:00:00.000Z',
        projectId: 'p',
        action: 'key.created',
        actor: null,
        target: { keyId: record.id, prefix: record.prefix, name: 'a' },
      },
    ]);
  });

  it('refuses bad names and scopes with errors that quote them, and unknown ids', async () => {
    const keys = createKeyManager({ store: new MemoryKeyStore() });
    const { record } = await keys.create({ projectId: 'p', name: 'a' });
    await expect(keys.update(record.id, { scopes: ['Cache:Read'] })).rejects.toThrow(
      /"Cache:Read"/,
    );
    await expect(keys.update(record.id, { name: 'x'.repeat(101) })).rejects.toThrow(
      /1 to 100 characters/,
    );
    await expect(keys.update(record.id, { name: '  ' })).rejects.toThrow(/Invalid name " {2}"/);
    await expect(keys.create({ projectId: 'p', name: 'y'.repeat(101) })).rejects.toThrow(
      VectorcacheAuthError,
    );
    await expect(keys.update('key_000000000000000000000000', { name: 'z' })).rejects.toMatchObject({
      code: 'key_not_found',
    });
  });

  it('audits create, update, revoke and rotate (CLI and code: actor null), never a key', async () => {
    const store = new MemoryKeyStore();
    const keys = createKeyManager({ store });
    const a = await keys.create({ projectId: 'p', name: 'a' }, { actor });
    await keys.update(a.record.id, { name: 'a2' });
    const rotated = await keys.rotate(a.record.id, { actor });
    await keys.revoke(rotated.record.id);
    await keys.revoke(rotated.record.id); // a no-op: not audited again
    await keys.create({ projectId: 'q', name: 'other project' });
    const audit = await store.listAudit({ projectId: 'p', limit: 100 });
    expect(audit.map((e) => [e.action, e.actor, e.target.keyId])).toEqual([
      ['key.revoked', null, rotated.record.id],
      ['key.rotated', actor, a.record.id],
      ['key.updated', null, a.record.id],
      ['key.created', actor, a.record.id],
    ]);
    expect(await store.listAudit({ projectId: 'p', limit: 2 })).toHaveLength(2);
    const text = JSON.stringify(audit);
    expect(text).not.toMatch(PLAINTEXT_KEY);
    expect(text).not.toContain(a.record.hash);
  });

  it('an audit write that fails does not undo the action; the hook hears of it', async () => {
    const store = new MemoryKeyStore();
    store.appendAudit = async () => {
      throw new Error('audit list unavailable');
    };
    const errors: unknown[] = [];
    const keys = createKeyManager({ store, onAuditError: (err) => errors.push(err) });
    const { record } = await keys.create({ projectId: 'p', name: 'a' });
    expect((await keys.revoke(record.id)).status).toBe('revoked');
    expect(errors).toHaveLength(2);
  });

  it('keeps the newest 10,000 entries per project by default', async () => {
    const store = new MemoryKeyStore({ auditLimit: 5 });
    const entry = (i: number) => ({
      at: new Date(i * 1000).toISOString(),
      projectId: 'p',
      action: 'key.created' as const,
      actor: null,
      target: { keyId: `key_${i}`, prefix: 'vc_0000', name: `n${i}` },
    });
    for (let i = 0; i < 8; i++) await store.appendAudit(entry(i));
    const kept = await store.listAudit({ projectId: 'p', limit: 100 });
    expect(kept.map((e) => e.target.keyId)).toEqual(['key_7', 'key_6', 'key_5', 'key_4', 'key_3']);
    const bounded = new MemoryKeyStore();
    for (let i = 0; i < 10_005; i++) await bounded.appendAudit(entry(i));
    const all = await bounded.listAudit({ projectId: 'p', limit: 20_000 });
    expect(all).toHaveLength(10_000);
    expect(all.at(-1)!.target.keyId).toBe('key_5');
  });

  it('createKeyManagerFor works on the verifier store: its keys verify there at once', async () => {
    const store = new MemoryKeyStore();
    const verifier = createVerifier({ store, pepper: 'pepper-1' });
    const keys = createKeyManagerFor(verifier);
    const { key, record } = await keys.create({ projectId: 'p', name: 'a' });
    expect(await verifier.verify(`Bearer ${key}`)).toMatchObject({ ok: true });
    await keys.update(record.id, { scopes: ['cache:read'] });
    expect(await verifier.verify(`Bearer ${key}`, { scopes: ['cache:write'] })).toMatchObject({
      status: 403,
    });
    expect(() => createKeyManagerFor({} as never)).toThrow(/createVerifier/);
    await verifier.close();
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a function', () => undefined],
  ])('createKeyManagerFor(%s) is refused with invalid_option, not a crash', (_what, verifier) => {
    const error = thrownBy(() => createKeyManagerFor(verifier as never));
    expect(error.code).toBe('invalid_option');
    expect(error.message).toBe(
      '`verifier` must come from createVerifier(...) or createVerifierFromEnv(...).',
    );
  });

  it('scopes narrowed during an in-flight read win: the wider record is neither served nor cached', async () => {
    const store = new FaultyStore();
    const keys = createKeyManager({ store });
    const verifier = createVerifier({ store });
    const { key, record } = await keys.create({
      projectId: 'p',
      name: 'n',
      scopes: ['cache:read', 'cache:write'],
    });
    const write = { scopes: ['cache:write'] };
    let release!: () => void;
    store.gate = new Promise((r) => (release = r));
    const inFlight = verifier.verify(`Bearer ${key}`, write);
    await new Promise((r) => setImmediate(r));
    await keys.update(record.id, { scopes: ['cache:read'] }); // lands while the read is held
    store.gate = undefined;
    release();
    expect(await inFlight).toMatchObject({ ok: false, status: 403, reason: 'insufficient_scope' });
    for (let i = 0; i < 5; i++) {
      expect(await verifier.verify(`Bearer ${key}`, write)).toMatchObject({ status: 403 });
    }
    expect((await verifier.verify(`Bearer ${key}`, { scopes: ['cache:read'] })).ok).toBe(true);
    await verifier.close();
  });
});
