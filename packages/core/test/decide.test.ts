import { decide, newGrant, UNKNOWN_PROJECT } from '../src/verify/decide';
import type { Principal } from '../src/types';

// The one rule list, as a pure function: status, then project, then environment, then scopes.

const principal: Principal = Object.freeze({
  keyId: 'key_0123456789abcdef01234567',
  projectId: 'p',
  name: 'n',
  prefix: 'vc_0123',
  scopes: Object.freeze(['cache:read']),
  environment: null,
  ownerId: null,
  meta: null,
});
const production: Principal = Object.freeze({ ...principal, environment: 'production' });
const AT = 1_000_000;

describe('decide', () => {
  it('passes a live key with no requirements, and up to the instant before its expiry', () => {
    expect(decide(newGrant(false, Infinity, principal), AT, undefined)).toBeUndefined();
    expect(decide(newGrant(false, AT + 1, principal), AT, undefined)).toBeUndefined();
  });

  it('status first: revoked wins over expired, expired from its instant on (and for a garbled date)', () => {
    const needs = { projectId: 'q', scopes: ['cache:write'] };
    expect(decide(newGrant(true, AT - 1, principal), AT, needs)).toBe('revoked');
    expect(decide(newGrant(false, AT, principal), AT, needs)).toBe('expired');
    expect(decide(newGrant(false, NaN, principal), AT, undefined)).toBe('expired');
  });

  it('then the project, before the scopes; an unknown project matches no key', () => {
    const grant = newGrant(false, Infinity, principal);
    expect(decide(grant, AT, { projectId: 'q', scopes: ['cache:write'] })).toBe('wrong_project');
    expect(decide(grant, AT, { projectId: UNKNOWN_PROJECT })).toBe('wrong_project');
    expect(decide(grant, AT, { projectId: 'p' })).toBeUndefined();
  });

  it('then the environment: another one is refused, a key of none or of the same passes', () => {
    const needs = { projectId: 'p', environment: 'production', scopes: ['cache:write'] };
    expect(decide(newGrant(false, Infinity, production), AT, needs)).toBe('insufficient_scope');
    const staging = newGrant(false, Infinity, { ...production, environment: 'staging' });
    expect(decide(staging, AT, needs)).toBe('wrong_environment');
    // The project comes first; the environment before the scopes.
    expect(decide(staging, AT, { ...needs, projectId: 'q' })).toBe('wrong_project');
    expect(decide(newGrant(false, Infinity, principal), AT, { environment: 'production' })).toBe(
      undefined,
    );
    expect(decide(newGrant(false, Infinity, production), AT, { environment: 'production' })).toBe(
      undefined,
    );
    // A server that declares none takes every key.
    expect(decide(staging, AT, { projectId: 'p' })).toBeUndefined();
    // A JWT's grant carries its key record's environment.
    expect(decide(newGrant(false, Infinity, principal, 'dev'), AT, needs)).toBe(
      'wrong_environment',
    );
    // A revoked key stays a revoked key.
    expect(decide(newGrant(true, Infinity, production), AT, { environment: 'dev' })).toBe(
      'revoked',
    );
  });

  it('then the scopes, in the route mode; the answer kept for an array is not reused for another', () => {
    const grant = newGrant(false, Infinity, principal);
    const route = ['cache:read'];
    const pair = ['cache:read', 'cache:write'];
    expect(decide(grant, AT, { scopes: route })).toBeUndefined();
    expect(decide(grant, AT, { scopes: ['cache:write'] })).toBe('insufficient_scope');
    expect(decide(grant, AT, { scopes: pair, scopeMode: 'any' })).toBeUndefined();
    expect(decide(grant, AT, { scopes: pair })).toBe('insufficient_scope');
    expect(decide(grant, AT, { scopes: pair, scopeMode: 'all' })).toBe('insufficient_scope');
    expect(decide(grant, AT, { scopes: route })).toBeUndefined();
    expect(decide(grant, AT, { scopes: [] })).toBeUndefined();
  });
});
