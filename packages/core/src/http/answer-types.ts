import type { KeyMeta } from '../store-types';

/* The authenticated caller and the ready answers of a verification. */

/** The authenticated caller, as adapters expose it (`req.vectorcache`). */
export interface Principal {
  keyId: string;
  projectId: string;
  name: string;
  /** `vc_1234` */
  prefix: string;
  /** Frozen at run time. */
  scopes: readonly string[];
  /** The key's environment (`production`), or `null`: a key for any environment. */
  environment: string | null;
  /** The application's own user or customer id the key belongs to, or `null`. */
  ownerId: string | null;
  /** The key's own metadata (frozen), or `null`. */
  meta: KeyMeta | null;
}

/** Why a request was refused. */
export type RejectReason =
  | 'missing'
  | 'malformed'
  | 'invalid_format'
  | 'unknown'
  | 'revoked'
  | 'expired'
  | 'wrong_project'
  | 'wrong_environment'
  | 'insufficient_scope'
  | 'store_unavailable'
  | 'rate_limited';

/** How several required scopes combine: every one of them (`all`) or at least one (`any`). */
export type ScopeMode = 'all' | 'any';

/** Response headers of a refusal, lower-case names. */
export interface AuthHeaders {
  'content-type': 'application/json';
  'www-authenticate'?: string;
  'retry-after'?: string;
}

/**
 * A ready HTTP answer, the one shape every part of core, the adapters and the management API
 * hand over: status, the exact body text to send, and headers.
 */
export interface HttpAnswer {
  status: number;
  body: string;
  headers: Readonly<Record<string, string>>;
}

/** A refusal, ready to send: status, exact JSON body text and headers. */
export interface AuthFailure extends HttpAnswer {
  ok: false;
  status: 401 | 403 | 429 | 503;
  /** The exact JSON text to send, e.g. `{"detail":"Invalid or missing API key"}`. */
  body: string;
  headers: Readonly<AuthHeaders>;
  reason: RejectReason;
}

/** A successful verification. */
export interface AuthSuccess {
  ok: true;
  principal: Principal;
}

/** The result of {@link Verifier.verify}. An invalid key is a result, never an exception. */
export type VerifyResult = AuthSuccess | AuthFailure;
