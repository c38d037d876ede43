import type { StoredKeyRecord, VerifyRequirements, VerifyResult } from '../types';
import type { UsageCounter } from '../usage/usage';
import { decide, newGrant, type Grant } from '../verify/decide';
import type { Decisions } from '../verify/decisions';
import { toPrincipal } from '../verify/principal';
import { boundByKeyScopes, type createJwtChecker } from './jwt';
import type { KeyStates } from './key-states';

/** What the JWT path needs from its verifier. */
export interface JwtPathOptions {
  jwtCheck: ReturnType<typeof createJwtChecker>;
  /** The state of the key each token was issued for, by id. */
  keyStates: KeyStates;
  decisions: Decisions;
  now: () => number;
}

/**
 * The JWT path: signature and claims by jose, then the same `decide` as an API key over the state
 * of the key the token was issued for (revoked, expired, its current scopes), counted in that
 * key's usage. A token of your identity provider (no key behind it) meets the route alone.
 */
export function createJwtPath(
  options: JwtPathOptions,
): (token: string, requirements: VerifyRequirements | undefined) => Promise<VerifyResult> {
  const { jwtCheck, keyStates, now } = options;
  const { reject, allow, refuse, track } = options.decisions;
  return async function verifyJwt(token, requirements) {
    const checked = await jwtCheck(token);
    if (!checked.ok) return reject(checked.reason);
    const { keyId } = checked;
    const at = now();
    let grant: Grant;
    let usage: UsageCounter | undefined;
    let keyRecord: StoredKeyRecord | undefined;
    if (keyId === undefined) {
      grant = newGrant(false, Infinity, checked.principal);
    } else {
      const state = await keyStates.lookup(keyId, at);
      const prefix = checked.principal.prefix || undefined;
      if (!state) return reject('store_unavailable', prefix, keyId);
      const { record } = state;
      if (!record) return reject('unknown', prefix, keyId);
      usage = state.usage;
      const expiresAtMs = record.expiresAt === null ? Infinity : Date.parse(record.expiresAt);
      const principal = boundByKeyScopes(checked.principal, record.scopes);
      // A token is for the environment of the key it was issued for.
      grant = newGrant(record.revokedAt !== null, expiresAtMs, principal, record.environment);
      keyRecord = record;
    }
    const { principal } = grant;
    const refusal = decide(grant, at, requirements);
    if (refusal !== undefined) {
      // A revoked or expired key's refusal names the key as its record does, as for an API key.
      const who =
        keyRecord && (refusal === 'revoked' || refusal === 'expired')
          ? toPrincipal(keyRecord)
          : principal;
      return refuse(refusal, who, requirements, usage, at);
    }
    if (usage) track(principal, usage); // a route guard's refusal is then counted for this key
    allow(principal, usage, at);
    return { ok: true, principal };
  };
}
