import { failureFor, insufficientScope, type FixedReason } from '../http/answers';
import { missingScopes, scopesSatisfied } from '../scopes';
import type {
  AuthEvent,
  AuthFailure,
  AuthSuccess,
  Principal,
  VerifyRequirements,
  VerifyResult,
} from '../types';

/**
 * How the verifier turns decisions into answers and events (events only when listened to). Plain
 * functions, not methods: the verifier destructures them.
 */
export interface Decisions {
  /** The fixed refusal for `reason`, with its event. */
  reject: (reason: FixedReason, prefix?: string, keyId?: string, projectId?: string) => AuthFailure;
  /** Emits the `verified` event of a principal. */
  verified: (principal: Principal) => void;
  /** Emits any event. */
  emit: (event: AuthEvent) => void;
  /** Checks a principal against a route's project and scopes (the project first). */
  check: (
    principal: Principal,
    requirements: VerifyRequirements | undefined,
    success?: AuthSuccess,
  ) => VerifyResult;
}

/** Builds the verifier's decisions around an optional event listener. */
export function createDecisions(onEvent: ((event: AuthEvent) => void) | undefined): Decisions {
  function emit(event: AuthEvent): void {
    if (!onEvent) return;
    try {
      onEvent(event);
    } catch {
      // A failing listener must not change the answer.
    }
  }

  function reject(
    reason: FixedReason,
    prefix?: string,
    keyId?: string,
    projectId?: string,
  ): AuthFailure {
    if (onEvent) emit({ type: 'rejected', reason, prefix, keyId, projectId });
    return failureFor(reason);
  }

  function verified(principal: Principal): void {
    emit({
      type: 'verified',
      keyId: principal.keyId,
      prefix: principal.prefix,
      projectId: principal.projectId,
    });
  }

  function check(
    principal: Principal,
    requirements: VerifyRequirements | undefined,
    success?: AuthSuccess,
  ): VerifyResult {
    if (requirements) {
      if (requirements.projectId !== undefined && principal.projectId !== requirements.projectId) {
        return reject('wrong_project', principal.prefix, principal.keyId, principal.projectId);
      }
      const required = requirements.scopes;
      if (required && !scopesSatisfied(principal.scopes, required, requirements.scopeMode)) {
        if (onEvent) {
          emit({
            type: 'rejected',
            reason: 'insufficient_scope',
            prefix: principal.prefix,
            keyId: principal.keyId,
            projectId: principal.projectId,
          });
        }
        return insufficientScope(missingScopes(principal.scopes, required, requirements.scopeMode));
      }
    }
    if (onEvent) verified(principal);
    return success ?? { ok: true, principal };
  }

  return { reject, verified, emit, check };
}
