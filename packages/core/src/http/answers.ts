import type { AuthFailure, AuthHeaders, RejectReason } from '../types';

/** Body detail of every 401. Unknown, revoked and expired keys get byte-identical answers. */
export const INVALID_KEY_DETAIL = 'Invalid or missing API key';
/** Body detail of a key used on another project's route. */
export const WRONG_PROJECT_DETAIL = 'API key does not have permission to access this project';
/** Body detail of a key used on a server of another environment. */
export const WRONG_ENVIRONMENT_DETAIL =
  'API key does not have permission to access this environment';
/** Body detail of a store failure. */
export const UNAVAILABLE_DETAIL = 'Authentication service unavailable';

const REALM = 'Bearer realm="vectorcache"';

function failure(
  status: AuthFailure['status'],
  detail: string,
  reason: RejectReason,
  extraHeaders: Omit<AuthHeaders, 'content-type'>,
): AuthFailure {
  const headers: AuthHeaders = { 'content-type': 'application/json', ...extraHeaders };
  return Object.freeze({
    ok: false,
    status,
    body: JSON.stringify({ detail }),
    headers: Object.freeze(headers),
    reason,
  });
}

const invalidToken = (reason: RejectReason): AuthFailure =>
  failure(401, INVALID_KEY_DETAIL, reason, {
    'www-authenticate': `${REALM}, error="invalid_token"`,
  });

// Fixed answers are built once: a refusal allocates nothing per request.
/** Reasons whose answer never varies. */
export type FixedReason = Exclude<RejectReason, 'insufficient_scope' | 'rate_limited'>;

const FIXED: Readonly<Record<FixedReason, AuthFailure>> = {
  missing: failure(401, INVALID_KEY_DETAIL, 'missing', { 'www-authenticate': REALM }),
  malformed: failure(401, INVALID_KEY_DETAIL, 'malformed', {
    'www-authenticate': `${REALM}, error="invalid_request"`,
  }),
  invalid_format: invalidToken('invalid_format'),
  unknown: invalidToken('unknown'),
  revoked: invalidToken('revoked'),
  expired: invalidToken('expired'),
  wrong_project: failure(403, WRONG_PROJECT_DETAIL, 'wrong_project', {
    'www-authenticate': `${REALM}, error="insufficient_scope"`,
  }),
  wrong_environment: failure(403, WRONG_ENVIRONMENT_DETAIL, 'wrong_environment', {
    'www-authenticate': `${REALM}, error="insufficient_scope"`,
  }),
  store_unavailable: failure(503, UNAVAILABLE_DETAIL, 'store_unavailable', { 'retry-after': '1' }),
};

/**
 * The ready-to-send refusal for a reason, exactly as the answers table of docs/contract.md gives it.
 * @example failureFor('unknown').status // 401
 */
export function failureFor(reason: FixedReason): AuthFailure {
  return FIXED[reason];
}

/** The 403 for missing scopes: every missing scope in the body (`, `) and the challenge (space). */
export function insufficientScope(missing: readonly string[]): AuthFailure {
  return failure(
    403,
    `API key does not have the required scope: ${missing.join(', ')}`,
    'insufficient_scope',
    { 'www-authenticate': `${REALM}, error="insufficient_scope", scope="${missing.join(' ')}"` },
  );
}

/** Body detail of the opt-in failed-attempt limit. */
export const RATE_LIMITED_DETAIL = 'Too many failed authentication attempts';

/** The 429 of the opt-in failed-attempt limit, with `Retry-After` in whole seconds. */
export function tooManyAttempts(retryAfterMs: number): AuthFailure {
  return failure(429, RATE_LIMITED_DETAIL, 'rate_limited', {
    'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))),
  });
}
