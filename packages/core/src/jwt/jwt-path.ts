import type { Refusal } from '../verify/api-key-path';
import type { Decisions } from '../verify/decisions';
import { boundByKeyScopes, type createJwtChecker } from './jwt';
import type { KeyStates } from './key-states';
import { keyStatus } from '../keys/records';
import type { VerifyRequirements, VerifyResult } from '../types';
import type { UsageAggregator } from '../usage/usage';

/** What the JWT path needs from its verifier. */
export interface JwtPathOptions {
  jwtCheck: ReturnType<typeof createJwtChecker>;
  /** The state of the key each token was issued for, by id. */
  keyStates: KeyStates;
  usage: UsageAggregator | undefined;
  decisions: Decisions;
  now: () => number;
}

/**
 * The JWT path: signature and claims by jose, then the state of the key the token was issued
 * for (revoked, expired, its current scopes), counted in that key's usage.
 */
export function createJwtPath(
  options: JwtPathOptions,
): (token: string, requirements: VerifyRequirements | undefined) => Promise<VerifyResult> {
  const { jwtCheck, keyStates, usage, now } = options;
  const { reject, check } = options.decisions;
  return async function verifyJwt(token, requirements) {
    const checked = await jwtCheck(token);
    if (!checked.ok) return reject(checked.reason);
    const { principal, keyId } = checked;
    if (keyId !== undefined) {
      const at = now();
      const state = await keyStates.lookup(keyId, at);
      if (!state) return reject('store_unavailable', principal.prefix || undefined, keyId);
      const { record } = state;
      if (!record) return reject('unknown', principal.prefix || undefined, keyId);
      const status = keyStatus(record, at);
      if (status !== 'active') {
        if (state.usage) usage!.refuse(state.usage, status, at, false);
        return reject(status, record.prefix, record.id, record.projectId);
      }
      if (state.usage) usage!.record(state.usage, at);
      const result = check(boundByKeyScopes(principal, record.scopes), requirements);
      if (!result.ok && state.usage) usage!.refuse(state.usage, result.reason as Refusal, at, true);
      return result;
    }
    return check(principal, requirements);
  };
}
