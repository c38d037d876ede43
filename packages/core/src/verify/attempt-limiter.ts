import { LRUCache } from 'lru-cache';
import { tooManyAttempts } from '../http/answers';
import { positiveInteger } from '../config/options';
import { withTimeout } from '../timeout';
import type { AuthEvent, KeyStore, RejectReason, VerifyResult } from '../types';
import type { AttemptLimitOptions } from './verifier-types';

interface ClientState {
  count: number;
  resetAt: number;
}

/**
 * Counts failed verifications per client. Blocking decisions are local (no store call on the
 * request path); each failure is also counted in the store when it offers
 * `countFailedAttempt` (Redis does), so an attacker spreading guesses over many instances is
 * stopped by the shared count.
 */
export class AttemptLimiter {
  private readonly max: number;
  private readonly windowMs: number;
  private readonly clients: LRUCache<string, ClientState>;

  constructor(
    options: AttemptLimitOptions,
    private readonly store: KeyStore,
    private readonly now: () => number,
    private readonly timeoutMs: number,
  ) {
    this.max = positiveInteger(options.max, 20, 'attemptLimit.max');
    this.windowMs = positiveInteger(options.windowMs, 60_000, 'attemptLimit.windowMs');
    this.clients = new LRUCache({
      max: positiveInteger(options.maxClients, 10_000, 'attemptLimit.maxClients'),
    });
  }

  /** Milliseconds until the client may try again, or 0 when it is not blocked. */
  blockedFor(client: string): number {
    const state = this.clients.get(client);
    if (!state) return 0;
    const left = state.resetAt - this.now();
    if (left <= 0) {
      this.clients.delete(client);
      return 0;
    }
    return state.count >= this.max ? left : 0;
  }

  /** Counts one failure of `client`, locally and (when the store shares counts) globally. */
  recordFailure(client: string): void {
    const at = this.now();
    let state = this.clients.get(client);
    if (!state || state.resetAt <= at) {
      state = { count: 0, resetAt: at + this.windowMs };
      this.clients.set(client, state);
    }
    state.count++;
    const shared = this.store.countFailedAttempt?.bind(this.store);
    if (!shared) return;
    const local = state;
    withTimeout(shared(client, this.windowMs), this.timeoutMs, 'a failed-attempt count')
      .then((count) => {
        if (count > local.count) local.count = count;
      })
      .catch(() => undefined); // the local count still holds when the store is down
  }
}

const COUNTED_FAILURES = new Set<RejectReason>([
  'malformed',
  'invalid_format',
  'unknown',
  'revoked',
  'expired',
]);

/**
 * The attempt limit as the verifier applies it, around its optional limiter. The verifier calls
 * it only with a client address and only when it has a limiter.
 */
export interface AttemptGate {
  /** The 429 answer when the client is blocked, else `undefined`. */
  rateLimited: (
    client: string,
    authorization: string | readonly string[] | undefined,
  ) => VerifyResult | undefined;
  /** Counts a failure towards the client's limit when it may be a guess. */
  counted: (client: string, result: VerifyResult) => VerifyResult;
}

/**
 * The verifier's attempt limit: failures that may be guesses count towards it; a missing header
 * does not. A blocked client is reported, and counted for the key it presents when it is known.
 */
export function createAttemptGate(
  limiter: AttemptLimiter | undefined,
  emit: ((event: AuthEvent) => void) | undefined,
  countRateLimited: ((authorization: string | readonly string[] | undefined) => void) | undefined,
): AttemptGate {
  return {
    rateLimited(client, authorization) {
      const wait = limiter!.blockedFor(client);
      if (wait === 0) return undefined;
      if (emit) emit({ type: 'rejected', reason: 'rate_limited' });
      if (countRateLimited) countRateLimited(authorization);
      return tooManyAttempts(wait);
    },
    counted(client, result) {
      if (!result.ok && COUNTED_FAILURES.has(result.reason)) limiter!.recordFailure(client);
      return result;
    },
  };
}
