import type { KeyStore, Verifier, VerifyRequirements, VerifyResult } from '../types';
import type { CachedHit } from './api-key-path';

type Authorization = string | readonly string[] | undefined;

/** What a verifier lends a key manager on the same keys. */
export interface VerifierStore {
  store: KeyStore;
  pepper: string | undefined;
  now: () => number;
  /** The verifier's scope vocabulary, if one was declared. */
  allowedScopes?: readonly string[];
  /** Whether the verifier limits failed attempts: its callers must then give the client address. */
  limitsAttempts?: boolean;
}

/**
 * A verifier made by `createVerifier`, as the adapters, the management API and key managers use
 * it. These members are declared here and read by name, so a verifier made by another loaded copy
 * of core (its ESM build beside its CommonJS one) is understood; they are not enumerable, so a
 * wrapper (`{ ...verifier, verify }`) does not copy them and is obeyed, not bypassed.
 */
export interface CoreVerifier extends Verifier {
  /**
   * The same answer as `verify`, returned synchronously when no I/O is needed (a cached key, a
   * malformed header, a key known to be bad), else as the promise of the store read or JWT check.
   */
  readonly verifyNow: (
    a: Authorization,
    r?: VerifyRequirements,
  ) => VerifyResult | Promise<VerifyResult>;
  /** A route's cached hit, or `undefined` under an attempt limit (which every request meets first). */
  readonly cachedHit: (requirements: VerifyRequirements | undefined) => CachedHit | undefined;
  /** The store, pepper, clock and scope vocabulary of this verifier. */
  readonly lent: VerifierStore;
}

/** `verifier` as a {@link CoreVerifier}, or `undefined` for a verifier of the app's own making. */
export function coreVerifier(verifier: unknown): CoreVerifier | undefined {
  if (typeof verifier !== 'object' || verifier === null) return undefined;
  const core = verifier as Partial<CoreVerifier>;
  return typeof core.verifyNow === 'function' && typeof core.lent === 'object'
    ? (core as CoreVerifier)
    : undefined;
}

/** The store, pepper and clock of a verifier built by `createVerifier`, or `undefined`. */
export function verifierStore(verifier: unknown): VerifierStore | undefined {
  return coreVerifier(verifier)?.lent;
}

/**
 * The function {@link verifyNow} calls for `verifier`, looked up once: an adapter's handler keeps
 * it. A verifier not built by `createVerifier` answers through its `verify`.
 */
export function hotPathOf(
  verifier: Verifier,
): (a: Authorization, r?: VerifyRequirements) => VerifyResult | Promise<VerifyResult> {
  return coreVerifier(verifier)?.verifyNow ?? ((a, r) => verifier.verify(a, r));
}

/**
 * The same answer as `verifier.verify`, returned synchronously when no I/O is needed: lets
 * adapters skip promise hops on the hot path.
 */
export function verifyNow(
  verifier: Verifier,
  authorization: Authorization,
  requirements?: VerifyRequirements,
): VerifyResult | Promise<VerifyResult> {
  return hotPathOf(verifier)(authorization, requirements);
}

/** The cached hit of a route on `verifier`, or `undefined` when it has none. */
export function cachedHitOf(
  verifier: Verifier,
  requirements: VerifyRequirements | undefined,
): CachedHit | undefined {
  return coreVerifier(verifier)?.cachedHit(requirements);
}
