import type { KeyRecord } from '../src/api';
import {
  axisLabels,
  grantableScopes,
  grants,
  metaText,
  parseMetaText,
  rotationNotice,
  signedInRecord,
} from '../src/format';

const ALL = ['cache:read', 'cache:write', 'cache:*', 'analytics:read', 'keys:manage'];

describe('grants: what a key may hand out', () => {
  test('`*` grants everything, `res:*` its resource, anything else only itself', () => {
    expect(grants(['*'], 'keys:manage')).toBe(true);
    expect(grants(['cache:*'], 'cache:read')).toBe(true);
    expect(grants(['cache:*'], 'cache:*')).toBe(true);
    expect(grants(['cache:*'], 'analytics:read')).toBe(false);
    expect(grants(['cache:read'], 'cache:read')).toBe(true);
    expect(grants(['cache:read'], 'cache:*')).toBe(false);
    expect(grants(['cache:read'], 'cache:write')).toBe(false);
    expect(grants([], 'cache:read')).toBe(false);
  });

  test('`res:*` is not a prefix match on another resource', () => {
    expect(grants(['cache:*'], 'cachex:read')).toBe(false);
    expect(grants(['cache:*'], 'x')).toBe(false);
  });

  test('the known scopes a key grants, in the dialog order; every one when unknown', () => {
    expect(grantableScopes(['keys:manage'])).toEqual(['keys:manage']);
    expect(grantableScopes(['keys:manage', 'analytics:read', 'cache:*'])).toEqual(ALL);
    expect(grantableScopes(['cache:read', 'keys:manage'])).toEqual(['cache:read', 'keys:manage']);
    expect(grantableScopes(['*'])).toEqual(ALL);
    expect(grantableScopes(null)).toEqual(ALL);
  });
});

describe('signedInRecord: the signed-in key among the project keys', () => {
  const record = (id: string, prefix: string, status: KeyRecord['status']): KeyRecord => ({
    id,
    projectId: 'proj_1',
    name: id,
    prefix,
    scopes: ['keys:manage'],
    createdAt: '2026-12-01T00:00:00.000Z',
    lastUsedAt: null,
    requestCount: 0,
    revokedAt: status === 'revoked' ? '2026-12-02T00:00:00.000Z' : null,
    expiresAt: null,
    environment: null,
    ownerId: null,
    meta: null,
    status,
    rotationDue: false,
  });

  test('the one active key with the prefix; revoked ones with it do not count', () => {
    const mine = record('key_a', 'vc_ab12', 'active');
    const keys = [
      record('key_b', 'vc_ab12', 'revoked'),
      mine,
      record('key_c', 'vc_ffff', 'active'),
    ];
    expect(signedInRecord(keys, 'vc_ab12')).toBe(mine);
  });

  test('none, or several active keys sharing the prefix: unknown', () => {
    expect(signedInRecord([record('key_a', 'vc_ab12', 'active')], 'vc_0000')).toBeNull();
    const twins = [record('key_a', 'vc_ab12', 'active'), record('key_b', 'vc_ab12', 'active')];
    expect(signedInRecord(twins, 'vc_ab12')).toBeNull();
  });
});

describe('axisLabels: the chart time axis', () => {
  const at = (iso: string) => Date.parse(iso) / 1000;

  test('daily, each date once however many ticks fall in a day', () => {
    const splits = [
      '2026-12-01T00:00Z',
      '2026-12-01T08:00Z',
      '2026-12-01T16:00Z',
      '2026-12-02T00:00Z',
    ].map(at);
    expect(axisLabels(splits, 'day')).toEqual(['12-01', '', '', '12-02']);
  });

  test('hourly, times within a day and the date at midnight', () => {
    const splits = ['2026-12-01T22:00Z', '2026-12-02T00:00Z', '2026-12-02T02:30Z'].map(at);
    expect(axisLabels(splits, 'hour')).toEqual(['22:00', '12-02', '02:30']);
  });
});

describe('rotationNotice: the status line after a rotation', () => {
  test('names both keys and never ends a sentence on a prefix (no "....")', () => {
    const now = rotationNotice('vc_eb74', 'vc_01ab', undefined);
    expect(now).toBe('Rotated: the new key vc_01ab... replaces vc_eb74..., which stops at once.');
    expect(rotationNotice('vc_eb74', 'vc_01ab', '24h')).toBe(
      'Rotated: the new key vc_01ab... replaces vc_eb74..., which keeps working for 24h.',
    );
    expect(now).not.toMatch(/\.{4}/);
  });
});

describe('metadata as the form writes it: one field=value a line', () => {
  test('shown and read back; blank lines skipped; nothing is null; a line without = is told', () => {
    expect(metaText({ plan: 'pro', seats: 3, beta: true })).toBe('plan=pro\nseats=3\nbeta=true');
    expect(metaText(null)).toBe('');
    expect(parseMetaText('plan=pro\n\n region = eu=west ')).toEqual({
      meta: { plan: 'pro', region: 'eu=west' },
    });
    expect(parseMetaText('  \n')).toEqual({ meta: null });
    expect(parseMetaText('plan')).toEqual({
      error: 'Write each metadata line as field=value (not "plan").',
    });
    expect(parseMetaText('=x')).toHaveProperty('error');
  });
});
