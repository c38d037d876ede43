import type { StoredKeyRecord } from '@vectorcache/auth-core';
import { decodeRecord, encodePatch, encodeRecord, fieldsFromArray } from '../src/record-codec';
import { clusterSlot, keyLayout } from '../src/key-layout';

const record: StoredKeyRecord = {
  id: 'key_0123456789abcdef01234567',
  projectId: 'proj',
  name: 'a name: with "quotes"',
  prefix: 'vc_abcd',
  hash: 'a'.repeat(64),
  scopes: ['cache:read', 'my_res-1:do_it-2'],
  createdAt: '2025-01-01T00:00:00.000Z',
  lastUsedAt: null,
  requestCount: 0,
  revokedAt: '2025-02-01T00:00:00.000Z',
  expiresAt: null,
};

describe('record codec', () => {
  it('round-trips a record exactly, null fields stored as absent', () => {
    const flat = encodeRecord(record);
    expect(flat).not.toContain('lastUsedAt');
    expect(flat).not.toContain('expiresAt');
    expect(decodeRecord(fieldsFromArray(flat), { hash: record.hash, id: record.id })).toStrictEqual(
      record,
    );
  });

  it('answers null for an absent record (empty HGETALL)', () => {
    expect(decodeRecord({})).toBeNull();
  });

  it('turns a patch into fields to set and fields to delete', () => {
    expect(encodePatch({ revokedAt: 'x', expiresAt: null, scopes: ['a:b'] })).toEqual({
      set: ['scopes', '["a:b"]', 'revokedAt', 'x'],
      del: ['expiresAt'],
    });
    expect(encodePatch({})).toEqual({ set: [], del: [] });
  });

  it.each([
    ['id', undefined],
    ['projectId', ''],
    ['scopes', '[1]'],
    ['createdAt', 'not a date'],
    ['requestCount', '-1'],
    ['expiresAt', 'soon'],
  ])('refuses a record whose %s is %p', (field, value) => {
    const fields = fieldsFromArray(encodeRecord(record));
    if (value === undefined) delete fields[field];
    else fields[field] = value;
    expect(() => decodeRecord(fields)).toThrow(expect.objectContaining({ code: 'corrupt_record' }));
  });

  it('refuses a record filed under another id', () => {
    expect(() => decodeRecord(fieldsFromArray(encodeRecord(record)), { id: 'key_other' })).toThrow(
      /does not match/,
    );
  });
});

describe('key layout', () => {
  it('puts every name of a prefix under one hash tag', () => {
    const layout = keyLayout('vc:prod:');
    expect(layout.record('ab')).toBe('vc:prod:{vc:prod}:rec:ab');
    expect(layout.ids).toBe('vc:prod:{vc:prod}:ids');
    expect(layout.project('p}1')).toBe('vc:prod:{vc:prod}:project:p}1');
    expect(layout.channel).toBe('vc:prod:{vc:prod}:changes');
  });

  it('keeps one tag for a prefix that holds braces itself', () => {
    const layout = keyLayout('a{b}:');
    const tagOf = (key: string): string | undefined => /\{([^}]*)\}/.exec(key)?.[1];
    expect(new Set([layout.record('x'), layout.ids, layout.project('q')].map(tagOf))).toEqual(
      new Set(['b']),
    );
  });
});

describe('cluster slots', () => {
  it('maps names to the slots Redis Cluster uses (CRC16 mod 16384, hash tags honoured)', () => {
    // Values from the Redis Cluster specification and `CLUSTER KEYSLOT`.
    expect(clusterSlot('123456789')).toBe(0x31c3);
    expect(clusterSlot('foo')).toBe(12182);
    expect(clusterSlot('{user1000}.following')).toBe(clusterSlot('{user1000}.followers'));
    expect(clusterSlot('foo{}{bar}')).not.toBe(clusterSlot('bar'));
    expect(keyLayout('vc:').slot).toBe(clusterSlot('vc'));
  });
});

describe('rotation links in the codec', () => {
  it('round-trips absent, null and set links exactly', () => {
    for (const links of [
      {},
      { rotatedFrom: null, rotatedTo: null },
      { rotatedFrom: 'key_a', rotatedTo: 'key_b' },
    ]) {
      const linked = { ...record, ...links };
      expect(decodeRecord(fieldsFromArray(encodeRecord(linked)))).toStrictEqual(linked);
    }
    expect(encodePatch({ rotatedTo: null })).toEqual({ set: ['rotatedTo', ''], del: [] });
  });
});

describe('what a key is for, in the codec', () => {
  const fields = (r: StoredKeyRecord) => fieldsFromArray(encodeRecord(r));

  it('round-trips environment, owner and metadata; unset ones are absent fields', () => {
    const labelled = {
      ...record,
      environment: 'production',
      ownerId: 'u_42',
      meta: { a: 1, b: true, c: 'x' },
    };
    expect(decodeRecord(fields(labelled))).toEqual(labelled);
    expect(Object.keys(fields(record))).not.toEqual(expect.arrayContaining(['environment']));
    expect(encodePatch({ environment: null, ownerId: 'u_7', meta: null })).toEqual({
      set: ['ownerId', 'u_7'],
      del: ['environment', 'meta'],
    });
    expect(encodePatch({ meta: { tier: 'gold' } }).set).toEqual(['meta', '{"tier":"gold"}']);
  });

  it('refuses stored metadata that is not a flat JSON object as a corrupt record', () => {
    for (const meta of ['not json', '[1]', '{"a":{"b":1}}', 'null']) {
      expect(() => decodeRecord({ ...fields(record), meta })).toThrow(
        expect.objectContaining({ code: 'corrupt_record' }),
      );
    }
  });
});
