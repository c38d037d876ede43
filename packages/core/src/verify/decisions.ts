import { failureFor, insufficientScope, type FixedReason } from '../http/answers';
import { missingScopes } from '../scopes';
import type { AuthEvent, AuthFailure, Principal, VerifyRequirements } from '../types';
import type { UsageAggregator, UsageCounter } from '../usage/usage';
import type { Refusal } from './decide';
import type { RouteRefusalHook } from './principal';

/**
 * How the verifier turns decisions into answers, events (only when listened to) and usage counts.
 * Plain functions, not methods: the verifier's paths destructure them.
 */
export interface Decisions {
  /** The fixed refusal for `reason`, with its event. */
  reject: (reason: FixedReason, prefix?: string, keyId?: string, projectId?: string) => AuthFailure;
  /** Counts an allowed request in its key's usage and emits its `verified` event. */
  allow: (principal: Principal, counter: UsageCounter | undefined, at: number) => void;
  /** The answer and event of a refusal by `decide`, counted in the key's usage. */
  refuse: (
    refusal: Refusal,
    principal: Principal,
    requirements: VerifyRequirements | undefined,
    counter: UsageCounter | undefined,
    at: number,
  ) => AuthFailure;
  /** Emits any event. */
  emit: (event: AuthEvent) => void;
  /**
   * Given to the principals this verifier allows (when it counts usage or reports events): a
   * route guard's refusal is counted `insufficient_scope` and reported, as the verifier's would be.
   */
  onRouteRefusal: RouteRefusalHook | undefined;
  /** Remembers the usage counter of a principal, for {@link onRouteRefusal}. */
  track: (principal: Principal, counter: UsageCounter) => void;
}

/** Builds the verifier's decisions around an optional event listener and usage aggregator. */
export function createDecisions(
  onEvent: ((event: AuthEvent) => void) | undefined,
  usage: UsageAggregator | undefined,
  now: () => number,
): Decisions {
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

  function allow(principal: Principal, counter: UsageCounter | undefined, at: number): void {
    if (counter) usage!.record(counter, at);
    if (onEvent) {
      emit({
        type: 'verified',
        keyId: principal.keyId,
        prefix: principal.prefix,
        projectId: principal.projectId,
      });
    }
  }

  function refuse(
    refusal: Refusal,
    principal: Principal,
    requirements: VerifyRequirements | undefined,
    counter: UsageCounter | undefined,
    at: number,
  ): AuthFailure {
    const { keyId, prefix, projectId } = principal;
    if (refusal === 'revoked' || refusal === 'expired') {
      if (counter) usage!.refuse(counter, refusal, at, false);
      return reject(refusal, prefix || undefined, keyId, projectId);
    }
    // The key was active: the request counts for it, refused all the same.
    if (counter) {
      usage!.record(counter, at);
      usage!.refuse(counter, refusal, at, true);
    }
    if (refusal === 'wrong_project' || refusal === 'wrong_environment') {
      return reject(refusal, prefix || undefined, keyId, projectId);
    }
    if (onEvent) {
      emit({ type: 'rejected', reason: refusal, prefix: prefix || undefined, keyId, projectId });
    }
    const { scopes = [], scopeMode } = requirements ?? {};
    return insufficientScope(missingScopes(principal.scopes, scopes, scopeMode));
  }

  // One hook for every principal of this verifier (a closure per cached key cost ~100 bytes of
  // each entry); each principal's usage counter is found by the principal itself.
  const counters = new WeakMap<Principal, UsageCounter>();
  const track = (principal: Principal, counter: UsageCounter): void => {
    counters.set(principal, counter);
  };
  const onRouteRefusal =
    usage || onEvent
      ? (principal: Principal): void => {
          const counter = counters.get(principal);
          if (counter) usage!.reclassify(counter, now());
          if (onEvent) {
            emit({
              type: 'rejected',
              reason: 'insufficient_scope',
              stage: 'route',
              keyId: principal.keyId,
              prefix: principal.prefix || undefined,
              projectId: principal.projectId,
            });
          }
        }
      : undefined;

  return { reject, allow, refuse, emit, onRouteRefusal, track };
}
