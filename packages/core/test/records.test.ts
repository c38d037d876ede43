import { VectorcacheAuthError } from '../src/errors';
import { isUsableRecord, normaliseExpiry, publicRecord, withStatus } from '../src/keys/records';
import type { StoredKeyRecord } from '../src/types';

const record: StoredKeyRecord = {
  id: 'key_000000000000000000000001',
  projectId: 'proj_a',
  name: 'a key',
  prefix: 'vc_0123',
  hash: 'ab'.repeat(32),
  scopes: ['cache:read'],
  createdAt: '2026-01-01T00:00:00.000Z',
  lastUsedAt: null,
  requestCount: 3,
  revokedAt: null,
  expiresAt: null,
};

describe('records', () => {
  it('isUsableRecord: anything a store returns that is not a record object is refused, never read', () => {
    for (const value of [null, undefined, 'key_1', 42, true, () => undefined, []]) {
      expect(isUsableRecord(value)).toBe(false);
    }
  });

  it('withStatus adds rotation links only when the record has them', () => {
    const plain = withStatus(record, 0);
    expect(plain.status).toBe('active');
    expect('rotatedFrom' in plain).toBe(false);
    expect('rotatedTo' in plain).toBe(false);
    const rotated = withStatus({ ...record, rotatedFrom: 'key_a', rotatedTo: 'key_b' }, 0);
    expect(rotated).toMatchObject({ rotatedFrom: 'key_a', rotatedTo: 'key_b' });
  });

  it('publicRecord has every field but the hash, with a copy of the scopes', () => {
    const full = withStatus(record, 0);
    const out = publicRecord(full);
    expect('hash' in out).toBe(false);
    expect(JSON.stringify(out)).not.toContain(record.hash);
    const { hash: _hash, ...rest } = full;
    expect(out).toEqual(rest);
    expect(out.scopes).not.toBe(full.scopes);
  });

  it('normaliseExpiry: null and undefined mean never; a Date, a number or an ISO string give ISO', () => {
    expect(normaliseExpiry(null)).toBeNull();
    expect(normaliseExpiry(undefined)).toBeNull();
    const iso = '2027-01-01T00:00:00.000Z';
    expect(normaliseExpiry(new Date(iso))).toBe(iso);
    expect(normaliseExpiry(Date.parse(iso))).toBe(iso);
    expect(normaliseExpiry('2027-01-01T00:00:00Z')).toBe(iso);
  });

  it('normaliseExpiry refuses anything else, even a value whose text is a date', () => {
    for (const bad of ['soon', NaN, Infinity, ['2027-01-01T00:00:00Z'], true]) {
      expect(() => normaliseExpiry(bad as never)).toThrow(VectorcacheAuthError);
    }
  });
});
