import { decide, newGrant, UNKNOWN_PROJECT } from '../src/verify/decide';
import type { Principal } from '../src/types';

// The one rule list, as a pure function: status, then project, then scopes.

const principal: Principal = Object.freeze({
  keyId: 'key_0123456789abcdef01234567',
  projectId: 'p',
  name: 'n',
  prefix: 'vc_0123',
  scopes: Object.freeze(['cache:read']),
});
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
