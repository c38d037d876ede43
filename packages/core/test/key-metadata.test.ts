import { createKeyManager } from '../src/keys/key-manager';
import {
  resolveRotationPeriod,
  validateEnvironment,
  validateMeta,
  validateOwnerId,
} from '../src/keys/key-metadata';
import { MemoryKeyStore } from '../src/stores/memory-store';
import { manualClock, PLAINTEXT_KEY, thrownBy } from './fixtures';

// What a key says it is for: environment, owner, metadata, and when it is due for rotation.

const KEY = `vc_${'ab'.repeat(16)}`;
const DAY = 86_400_000;

describe('validation of environment, ownerId and meta', () => {
  it('takes what the contract allows, and null', () => {
    expect(validateEnvironment('production')).toBe('production');
    expect(validateEnvironment('a'.repeat(32))).toBe('a'.repeat(32));
    expect(validateEnvironment('dev_2-eu')).toBe('dev_2-eu');
    expect(validateEnvironment(null)).toBeNull();
    expect(validateOwnerId('u_42')).toBe('u_42');
    expect(validateOwnerId('customer 7 (ACME)')).toBe('customer 7 (ACME)');
    expect(validateOwnerId('x'.repeat(128))).toHaveLength(128);
    expect(validateOwnerId(null)).toBeNull();
    expect(validateMeta({ plan: 'pro', seats: 3, beta: true })).toEqual({
      plan: 'pro',
      seats: 3,
      beta: true,
    });
    expect(validateMeta({})).toEqual({});
    expect(validateMeta(null)).toBeNull();
  });

  it('refuses a bad environment or owner id, quoting the bad value', () => {
    for (const bad of ['Production', '', 'a'.repeat(33), 'prod env', 'prod.eu']) {
      const err = thrownBy(() => validateEnvironment(bad));
      expect(err.code).toBe('invalid_input');
      expect(err.message).toContain(`Invalid environment ${JSON.stringify(bad)}`);
    }
    expect(thrownBy(() => validateEnvironment(7)).message).toContain('Invalid environment 7');
    for (const bad of ['', 'x'.repeat(129), 'tab\there', 'new\nline']) {
      expect(thrownBy(() => validateOwnerId(bad)).message).toContain(
        `Invalid owner id ${JSON.stringify(bad).slice(0, 40)}`,
      );
    }
  });

  it('refuses meta that is not flat, not small, or not an object, quoting the bad value', () => {
    expect(thrownBy(() => validateMeta([1])).message).toContain('Invalid meta [1]');
    expect(thrownBy(() => validateMeta('plan=pro')).message).toContain('Invalid meta "plan=pro"');
    expect(thrownBy(() => validateMeta({ a: { b: 1 } })).message).toContain(
      'Invalid meta value {"b":1} for "a"',
    );
    expect(thrownBy(() => validateMeta({ a: null })).message).toContain(
      'Invalid meta value null for "a"',
    );
    expect(thrownBy(() => validateMeta({ n: Infinity })).message).toContain('for "n"');
    // 2,048 bytes as compact JSON is the limit: {"v":"…"} is 8 bytes of punctuation and name.
    expect(validateMeta({ v: 'x'.repeat(2040) })).toBeTruthy();
    expect(thrownBy(() => validateMeta({ v: 'x'.repeat(2041) })).message).toContain(
      '2049 bytes as compact JSON, over the 2048-byte limit',
    );
    // Bytes, not characters.
    expect(thrownBy(() => validateMeta({ v: 'é'.repeat(1021) })).message).toContain('2050 bytes');
  });

  it('refuses a key-shaped value anywhere, without quoting it', () => {
    const errors = [
      thrownBy(() => validateOwnerId(KEY)),
      thrownBy(() => validateOwnerId(`owner ${KEY}`)),
      thrownBy(() => validateEnvironment(KEY)),
      thrownBy(() => validateMeta({ token: KEY })),
      thrownBy(() => validateMeta({ note: `rotated from ${KEY.toUpperCase()}` })),
      thrownBy(() => validateMeta({ [KEY]: true })),
    ];
    for (const err of errors) {
      expect(err.code).toBe('invalid_input');
      expect(err.message).toMatch(/looks like an API key|shaped like an API key/);
      expect(err.message).not.toMatch(PLAINTEXT_KEY);
      expect(err.message.toLowerCase()).not.toContain(KEY.slice(3, 19));
    }
  });

  it('a rotation period is a duration of at least one second, 90 days by default', () => {
    expect(resolveRotationPeriod(undefined)).toBe(90 * DAY);
    expect(resolveRotationPeriod('30d')).toBe(30 * DAY);
    expect(resolveRotationPeriod('1s')).toBe(1000);
    expect(resolveRotationPeriod(5000)).toBe(5000);
    expect(thrownBy(() => resolveRotationPeriod('0s')).message).toContain('"0s"');
    expect(thrownBy(() => resolveRotationPeriod(999)).message).toContain(
      'Invalid rotationPeriod 999: give a duration of at least 1s',
    );
    expect(thrownBy(() => resolveRotationPeriod('soon')).message).toContain('"soon"');
    expect(
      thrownBy(() => createKeyManager({ store: new MemoryKeyStore(), rotationPeriod: '0d' })),
    ).toBeTruthy();
  });
});

describe('the key manager: environment, owner, meta, rotationDue', () => {
  const setup = (rotationPeriod?: string) => {
    const clock = manualClock();
    const store = new MemoryKeyStore();
    const keys = createKeyManager({ store, now: clock.now, rotationPeriod });
    return { clock, store, keys };
  };

  it('sets the fields at creation, updates them (null clears, meta replaced whole), lists by them', async () => {
    const { keys, store } = setup();
    const meta = { plan: 'pro', seats: 3 };
    const { record } = await keys.create({
      projectId: 'p',
      name: 'prod',
      environment: 'production',
      ownerId: 'u_42',
      meta,
    });
    expect(record).toMatchObject({ environment: 'production', ownerId: 'u_42', meta });
    await keys.create({ projectId: 'p', name: 'dev', environment: 'dev', ownerId: 'u_7' });
    await keys.create({ projectId: 'p', name: 'plain' });
    await keys.create({ projectId: 'q', name: 'other', environment: 'production' });
    expect(
      (await keys.list({ projectId: 'p', environment: 'production' })).map((r) => r.name),
    ).toEqual(['prod']);
    expect((await keys.list({ projectId: 'p', ownerId: 'u_7' })).map((r) => r.name)).toEqual([
      'dev',
    ]);
    expect((await keys.list({ environment: 'production' })).map((r) => r.name).sort()).toEqual([
      'other',
      'prod',
    ]);
    const plain = (await keys.list({ projectId: 'p' })).find((r) => r.name === 'plain')!;
    expect(plain).toMatchObject({ environment: null, ownerId: null, meta: null });

    const changed = await keys.update(record.id, { meta: { tier: 'gold' }, ownerId: null });
    expect(changed).toMatchObject({
      environment: 'production',
      ownerId: null,
      meta: { tier: 'gold' },
    });
    expect(await keys.get(record.id)).toMatchObject({ ownerId: null, meta: { tier: 'gold' } });
    const cleared = await keys.update(record.id, { environment: null, meta: null });
    expect(cleared).toMatchObject({ environment: null, meta: null });
    expect(await store.get(record.id)).toMatchObject({ environment: null, meta: null });
  });

  it('audits an update of a field only when it changes anything', async () => {
    const { keys, store } = setup();
    const { record } = await keys.create({ projectId: 'p', name: 'n', environment: 'dev' });
    await keys.update(record.id, { environment: 'dev' });
    await keys.update(record.id, { meta: null });
    expect((await store.listAudit!({ projectId: 'p', limit: 10 })).map((e) => e.action)).toEqual([
      'key.created',
    ]);
    await keys.update(record.id, { environment: 'staging' });
    expect((await store.listAudit!({ projectId: 'p', limit: 10 }))[0]?.action).toBe('key.updated');
  });

  it('refuses bad input at create and update, storing nothing', async () => {
    const { keys, store } = setup();
    await expect(
      keys.create({ projectId: 'p', name: 'n', environment: 'Prod' }),
    ).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('"Prod"') });
    await expect(
      keys.create({ projectId: 'p', name: 'n', meta: { key: KEY } }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    expect(await store.list()).toEqual([]);
    const { record } = await keys.create({ projectId: 'p', name: 'n' });
    await expect(keys.update(record.id, { ownerId: '' })).rejects.toMatchObject({
      code: 'invalid_input',
    });
    await expect(keys.update(record.id, { meta: { a: [1] } as never })).rejects.toMatchObject({
      code: 'invalid_input',
    });
  });

  it('a rotation keeps what the key is for', async () => {
    const { keys } = setup();
    const meta = { plan: 'pro' };
    const { record } = await keys.create({
      projectId: 'p',
      name: 'n',
      environment: 'production',
      ownerId: 'u_42',
      meta,
    });
    const rotated = await keys.rotate(record.id);
    expect(rotated.record).toMatchObject({ environment: 'production', ownerId: 'u_42', meta });
  });

  it('rotationDue: an active key older than the period (90 days by default); never a revoked one', async () => {
    const { keys, clock } = setup();
    const { record } = await keys.create({ projectId: 'p', name: 'n' });
    expect(record.rotationDue).toBe(false);
    clock.advance(90 * DAY);
    expect((await keys.get(record.id))!.rotationDue).toBe(false);
    clock.advance(1);
    expect((await keys.get(record.id))!.rotationDue).toBe(true);
    expect((await keys.list())[0]!.rotationDue).toBe(true);
    expect((await keys.revoke(record.id)).rotationDue).toBe(false);

    const short = setup('1h');
    const { record: young } = await short.keys.create({ projectId: 'p', name: 'n' });
    short.clock.advance(3_600_001);
    expect((await short.keys.get(young.id))!.rotationDue).toBe(true);
  });
});
