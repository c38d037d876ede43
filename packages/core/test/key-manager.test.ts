import { VectorcacheAuthError } from '../src/errors';
import { hashApiKey } from '../src/keys/key-format';
import { createKeyManager } from '../src/keys/key-manager';
import { MemoryKeyStore } from '../src/stores/memory-store';
import { PLAINTEXT_KEY, manualClock } from './fixtures';

describe('key manager', () => {
  it('creates a key, returned once; the record holds only its hash', async () => {
    const store = new MemoryKeyStore();
    const clock = manualClock();
    const keys = createKeyManager({ store, now: clock.now });
    const { key, record } = await keys.create({ projectId: 'proj_1', name: 'ci' });
    expect(key).toMatch(/^vc_[0-9a-f]{32}$/);
    expect(record).toEqual({
      id: expect.stringMatching(/^key_[0-9a-f]{24}$/),
      projectId: 'proj_1',
      name: 'ci',
      prefix: key.slice(0, 7),
      hash: hashApiKey(key),
      scopes: ['cache:*', 'analytics:read'],
      createdAt: new Date(clock.now()).toISOString(),
      lastUsedAt: null,
      requestCount: 0,
      revokedAt: null,
      expiresAt: null,
      environment: null,
      ownerId: null,
      meta: null,
      status: 'active',
      rotationDue: false,
    });
    const stored = await store.list();
    expect(JSON.stringify(stored)).not.toMatch(PLAINTEXT_KEY);
    expect(JSON.stringify(await keys.list())).not.toMatch(PLAINTEXT_KEY);
  });

  it('hashes with the pepper when one is set', async () => {
    const keys = createKeyManager({ store: new MemoryKeyStore(), pepper: 's3cret' });
    const { key, record } = await keys.create({ projectId: 'p', name: 'n' });
    expect(record.hash).toBe(hashApiKey(key, { pepper: 's3cret' }));
  });

  it.each([
    [new Date('2030-01-01T00:00:00Z')],
    ['2030-01-01T00:00:00Z'],
    [Date.parse('2030-01-01T00:00:00Z')],
  ])('accepts expiresAt as %p', async (expiresAt) => {
    const keys = createKeyManager({ store: new MemoryKeyStore() });
    const { record } = await keys.create({ projectId: 'p', name: 'n', expiresAt });
    expect(record.expiresAt).toBe('2030-01-01T00:00:00.000Z');
  });

  it.each([
    [{ projectId: '', name: 'n' }, 'invalid_input', /projectId/],
    [{ projectId: 'p', name: '' }, 'invalid_input', /name/],
    [{ projectId: 'p', name: 'n', scopes: ['Cache:Read'] }, 'invalid_scope', /"Cache:Read"/],
    [{ projectId: 'p', name: 'n', expiresAt: 'soon' }, 'invalid_input', /expiresAt/],
  ])('refuses %j', async (input, code, message) => {
    const store = new MemoryKeyStore();
    const keys = createKeyManager({ store });
    const error = await keys.create(input as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VectorcacheAuthError);
    expect((error as VectorcacheAuthError).code).toBe(code);
    expect((error as Error).message).toMatch(message);
    expect(await store.list()).toEqual([]);
  });

  it('lists by project, gets by id, and every record carries status', async () => {
    const clock = manualClock();
    const keys = createKeyManager({ store: new MemoryKeyStore(), now: clock.now });
    const a = await keys.create({ projectId: 'a', name: '1' });
    clock.advance(1);
    await keys.create({ projectId: 'b', name: '2' });
    clock.advance(1);
    await keys.create({ projectId: 'a', name: '3', expiresAt: clock.now() + 5 });
    clock.advance(10);
    const listed = await keys.list({ projectId: 'a' });
    expect(listed.map((r) => [r.name, r.status])).toEqual([
      ['1', 'active'],
      ['3', 'expired'],
    ]);
    expect((await keys.list()).length).toBe(3);
    expect((await keys.get(a.record.id))?.name).toBe('1');
    expect(await keys.get('key_nope')).toBeNull();
  });

  it('revokes (idempotently) and refuses unknown ids', async () => {
    const keys = createKeyManager({ store: new MemoryKeyStore() });
    const { record } = await keys.create({ projectId: 'p', name: 'n' });
    const revoked = await keys.revoke(record.id);
    expect(revoked.status).toBe('revoked');
    expect(revoked.revokedAt).not.toBeNull();
    expect((await keys.revoke(record.id)).revokedAt).toBe(revoked.revokedAt);
    await expect(keys.revoke('key_unknown')).rejects.toMatchObject({ code: 'key_not_found' });
    await expect(keys.rotate('key_unknown')).rejects.toMatchObject({ code: 'key_not_found' });
  });

  it('rotation issues a new id with the same name, project and scopes; a revoked key cannot rotate', async () => {
    const keys = createKeyManager({ store: new MemoryKeyStore() });
    const old = await keys.create({ projectId: 'p', name: 'svc', scopes: ['cache:read'] });
    const next = await keys.rotate(old.record.id, { gracePeriodMs: 1000 });
    expect(next.key).not.toBe(old.key);
    expect(next.record).toMatchObject({ projectId: 'p', name: 'svc', scopes: ['cache:read'] });
    expect((await keys.get(old.record.id))?.expiresAt).not.toBeNull();
    // Rotated already (then revoked): the rotation is what it says, so rotating its successor is the way on.
    await keys.revoke(old.record.id);
    await expect(keys.rotate(old.record.id)).rejects.toMatchObject({ code: 'key_rotated' });
    const never = await keys.create({ projectId: 'p', name: 'other' });
    await keys.revoke(never.record.id);
    await expect(keys.rotate(never.record.id)).rejects.toMatchObject({ code: 'key_not_active' });
    await expect(keys.rotate(next.record.id, { gracePeriodMs: -1 })).rejects.toMatchObject({
      code: 'invalid_input',
    });
  });
});
