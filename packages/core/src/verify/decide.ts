import { scopesSatisfied } from '../scopes';
import type { Principal, ScopeMode, VerifyRequirements } from '../types';

/**
 * What a decision reads of a key: its state (revoked, expiry) and the principal it grants. A
 * cached key keeps one (its cache entry), built once per record read; a JWT's is built per check.
 */
export interface Grant {
  readonly revoked: boolean;
  /** Epoch ms; `Infinity` for a key that never expires, NaN (never live) for a garbled date. */
  readonly expiresAtMs: number;
  readonly principal: Principal;
  /** The key's environment, `null` for any: its principal's, or (a JWT) its key record's. */
  readonly environment: string | null;
  /**
   * The last scope requirement checked (by identity) and its answer: a route passes the same
   * array on every request, so its scopes are checked once per cached key.
   */
  scopesFor: readonly string[] | undefined;
  scopesMode: ScopeMode | undefined;
  scopesOk: boolean;
}

/**
 * The project of a route whose `projectId` function gave none: no key belongs to it (records and
 * tokens always name a project), so every key is refused as of another project. Fails closed.
 */
export const UNKNOWN_PROJECT = '';

/** Why a grant does not pass: its key's state first, then the route's requirements. */
export type Refusal =
  'revoked' | 'expired' | 'wrong_project' | 'wrong_environment' | 'insufficient_scope';

/** A grant's fields before any scope requirement was checked. */
export function newGrant(
  revoked: boolean,
  expiresAtMs: number,
  principal: Principal,
  environment: string | null | undefined = principal.environment,
): Grant {
  return {
    revoked,
    expiresAtMs,
    principal,
    environment: environment ?? null,
    scopesFor: undefined,
    scopesMode: undefined,
    scopesOk: false,
  };
}

/**
 * The one rule list of every path (the API key read from the store, the cached hit, the JWT):
 * status → project → environment → scopes; `undefined` when the request passes. A check that
 * concerns a key and a route (an allowed address, a rate limit, credits) comes here, once.
 * Synchronous and allocation-free, so the cached hit runs it as it is.
 */
export function decide(
  grant: Grant,
  at: number,
  requirements: VerifyRequirements | undefined,
): Refusal | undefined {
  if (grant.revoked) return 'revoked';
  if (!(grant.expiresAtMs > at)) return 'expired';
  if (requirements === undefined) return undefined;
  const { projectId, environment, scopes, scopeMode } = requirements;
  // The project is checked before the scopes (its 403 says less about the key).
  if (projectId !== undefined && projectId !== grant.principal.projectId) return 'wrong_project';
  // The server's environment: a key of another one is refused; a key for any environment passes.
  if (
    environment !== undefined &&
    grant.environment !== null &&
    grant.environment !== environment
  ) {
    return 'wrong_environment';
  }
  if (scopes === undefined) return undefined;
  if (grant.scopesFor !== scopes || grant.scopesMode !== scopeMode) {
    grant.scopesOk = scopesSatisfied(grant.principal.scopes, scopes, scopeMode);
    grant.scopesFor = scopes;
    grant.scopesMode = scopeMode;
  }
  return grant.scopesOk ? undefined : 'insufficient_scope';
}
