import { VectorcacheAuthError } from '../src/errors';
import {
  DEFAULT_SCOPES,
  missingScopes,
  scopeGranted,
  scopesSatisfied,
  validateScopes,
} from '../src/scopes';

describe('scopes', () => {
  it('defaults to cache:* and analytics:read, never keys:manage', () => {
    expect([...DEFAULT_SCOPES]).toEqual(['cache:*', 'analytics:read']);
  });

  it.each(['cache:read', 'cache:*', 'analytics:*', '*', 'my_res-1:do_it-2', 'keys:manage'])(
    'accepts %s',
    (scope) => expect(validateScopes([scope])).toEqual([scope]),
  );

  it.each(['*:read', 'cache', 'Cache:Read', 'cache:', ':read', 'cache:read:x', 'cache read', ''])(
    'refuses %j with an error quoting it',
    (scope) => {
      let error: unknown;
      try {
        validateScopes([scope]);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(VectorcacheAuthError);
      expect((error as VectorcacheAuthError).code).toBe('invalid_scope');
      expect((error as Error).message).toContain(JSON.stringify(scope));
    },
  );

  it('accepts a scope of up to 128 characters, not more', () => {
    const longest = `${'r'.repeat(63)}:${'a'.repeat(64)}`;
    expect(longest).toHaveLength(128);
    expect(validateScopes([longest])).toEqual([longest]);
    expect(() => validateScopes([`${longest}a`])).toThrow(/Invalid scope/);
  });

  it('refuses a non-array', () => {
    expect(() => validateScopes('cache:read')).toThrow(/array/);
  });

  it('cache:* grants cache:read but not cachex:read, cache-admin:read or cache', () => {
    expect(scopeGranted(['cache:*'], 'cache:read')).toBe(true);
    expect(scopeGranted(['cache:*'], 'cache:write')).toBe(true);
    expect(scopeGranted(['cache:*'], 'cachex:read')).toBe(false);
    expect(scopeGranted(['cache:*'], 'cache-admin:read')).toBe(false);
    expect(scopeGranted(['cache:*'], 'cache')).toBe(false);
    expect(scopeGranted(['cache:*'], 'analytics:read')).toBe(false);
  });

  it('a granted scope is a wildcard only as exactly resource:* (a store may hold anything)', () => {
    for (const granted of ['cache:r', 'cache:*x', 'cachex*', 'cache*', 'cach:*', 'cachf:*']) {
      expect(scopeGranted([granted], 'cache:read')).toBe(false);
    }
    expect(scopeGranted([':*'], ':read')).toBe(false);
  });

  it('* grants everything', () => {
    for (const scope of ['cache:read', 'keys:manage', 'anything:else']) {
      expect(scopeGranted(['*'], scope)).toBe(true);
    }
  });

  it('matches case-sensitively', () => {
    expect(scopeGranted(['cache:read'], 'Cache:Read')).toBe(false);
    expect(scopeGranted(['CACHE:*'], 'cache:read')).toBe(false);
  });

  it('all mode lists every missing scope; any mode is satisfied by one', () => {
    const granted = ['cache:read'];
    expect(missingScopes(granted, ['cache:read', 'cache:write', 'keys:manage'])).toEqual([
      'cache:write',
      'keys:manage',
    ]);
    expect(missingScopes(granted, ['cache:write', 'cache:read'], 'any')).toEqual([]);
    expect(missingScopes(granted, ['cache:write', 'keys:manage'], 'any')).toEqual([
      'cache:write',
      'keys:manage',
    ]);
    expect(missingScopes(granted, [])).toEqual([]);
  });

  it('scopesSatisfied: nothing required passes in either mode; any needs one, all needs each', () => {
    const granted = ['cache:read'];
    expect(scopesSatisfied(granted, [])).toBe(true);
    expect(scopesSatisfied(granted, [], 'any')).toBe(true);
    expect(scopesSatisfied(granted, ['keys:manage', 'cache:read'], 'any')).toBe(true);
    expect(scopesSatisfied(granted, ['keys:manage', 'cache:write'], 'any')).toBe(false);
    expect(scopesSatisfied(granted, ['cache:read', 'keys:manage'])).toBe(false);
    expect(scopesSatisfied(['cache:*', 'keys:manage'], ['cache:read', 'keys:manage'])).toBe(true);
  });
});
