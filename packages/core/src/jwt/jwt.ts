import { LRUCache } from 'lru-cache';
import { KeyObject, createHash } from 'node:crypto';
import { jwtVerify, type JWTPayload } from 'jose';
import { checkAlgorithms, verificationKey, type JwtOptions } from './jwt-keys';
import { isValidScope, scopeGranted, scopesSatisfied } from '../scopes';
import { factsOf, makePrincipal, type RouteRefusalHook } from '../verify/principal';
import type { Principal } from '../types';
import { invalidOption } from '../config/options';

/** The outcome of checking a token: the principal, or why it was refused. */
export type JwtCheck =
  | { ok: true; principal: Principal; keyId: string | undefined }
  | { ok: false; reason: 'unknown' | 'expired' | 'store_unavailable' };

const KEY_ID = /^key_[0-9a-f]{24}$/;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Whether a bearer token has the shape of a compact JWS (three base64url parts). */
export function looksLikeJwt(token: string): boolean {
  return token.length >= 20 && token.length <= 4096 && JWT_SHAPE.test(token);
}

function scopesOf(payload: JWTPayload): string[] {
  const raw = payload.scope ?? payload.scp;
  const list = typeof raw === 'string' ? raw.split(' ') : Array.isArray(raw) ? raw : [];
  // A scope that breaks the grammar grants nothing.
  return list.filter((s): s is string => isValidScope(s));
}

/** The furthest ahead of the verifier's clock a token's `iat` may be (or `clockToleranceSec`, if more). */
export const MAX_IAT_AHEAD_SEC = 60;

const EXPIRED_CODES = new Set(['ERR_JWT_EXPIRED']);
// Failures of the token itself; anything else (JWKS unreachable or timing out) fails closed as 503.
const TOKEN_CODES = new Set([
  'ERR_JWT_CLAIM_VALIDATION_FAILED',
  'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
  'ERR_JWS_INVALID',
  'ERR_JWT_INVALID',
  'ERR_JOSE_ALG_NOT_ALLOWED',
  'ERR_JOSE_NOT_SUPPORTED',
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
  'ERR_JWK_INVALID',
]);

/**
 * Builds the JWT checker used by the verifier: algorithms fixed by configuration, `exp` required,
 * issuer and audience checked, claims mapped to the same principal as API keys.
 */
export function createJwtChecker(
  options: JwtOptions,
  cache: { max: number; now: () => number; onRouteRefusal?: RouteRefusalHook } = {
    max: 10_000,
    now: Date.now,
  },
): (token: string) => Promise<JwtCheck> {
  if (!options || typeof options !== 'object') {
    throw invalidOption(
      'jwt must be an object, e.g. { key: process.env.JWT_SECRET, algorithms: ["HS256"] }.',
    );
  }
  const algorithms = checkAlgorithms(options.algorithms);
  const key = verificationKey(options, algorithms);
  const projectClaim = options.projectClaim ?? 'project_id';
  const verifyOptions = {
    algorithms,
    issuer: options.issuer,
    audience: options.audience,
    clockTolerance: options.clockToleranceSec ?? 5,
    requiredClaims: ['exp'],
  };
  const iatSkewMs = Math.max(MAX_IAT_AHEAD_SEC, verifyOptions.clockTolerance) * 1000;
  // With a fixed key, a verified token stays valid until it expires: keyed by its hash, a repeated
  // token skips the signature check (costly for ES256/RS256). Revocation is still checked on every
  // request, by key id. Not with a JWKS, whose keys can be withdrawn at any time.
  const verified =
    key instanceof KeyObject
      ? new LRUCache<string, { check: JwtCheck; expiresAtMs: number }>({ max: cache.max })
      : undefined;
  return async (token) => {
    const tokenHash = verified ? createHash('sha256').update(token).digest('hex') : '';
    const hit = verified?.get(tokenHash);
    if (hit && hit.expiresAtMs > cache.now()) return hit.check;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key as KeyObject, {
        ...verifyOptions,
        currentDate: new Date(cache.now()),
      }));
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (EXPIRED_CODES.has(code)) return { ok: false, reason: 'expired' };
      if (TOKEN_CODES.has(code)) return { ok: false, reason: 'unknown' };
      return { ok: false, reason: 'store_unavailable' };
    }
    // jose checks `iat` only against a maximum age: one from the future (a wrong clock, or a token
    // made to outlive its issuer's rules) is refused beyond the skew bound.
    if (payload.iat !== undefined && payload.iat * 1000 > cache.now() + iatSkewMs) {
      return { ok: false, reason: 'unknown' };
    }
    const projectId = payload[projectClaim];
    const subject = payload.sub;
    if (typeof projectId !== 'string' || projectId === '' || typeof subject !== 'string') {
      return { ok: false, reason: 'unknown' };
    }
    const prefix = typeof payload.key_prefix === 'string' ? payload.key_prefix : '';
    const name = typeof payload.name === 'string' ? payload.name : subject;
    const principal = makePrincipal(
      {
        keyId: subject,
        projectId,
        name,
        prefix,
        scopes: Object.freeze(scopesOf(payload)),
        environment: null,
        ownerId: null,
        meta: null,
      },
      { viaJwt: true, onRouteRefusal: cache.onRouteRefusal },
    );
    const check: JwtCheck = {
      ok: true,
      principal,
      keyId: KEY_ID.test(subject) ? subject : undefined,
    };
    verified?.set(tokenHash, { check, expiresAtMs: (payload.exp ?? 0) * 1000 });
    return check;
  };
}

// Narrowed principals by token principal, so a narrowed key costs one allocation per token and
// key-record version; weak, so it lives no longer than the bounded caches holding the principals.
const narrowed = new WeakMap<Principal, { keyScopes: readonly string[]; principal: Principal }>();

/**
 * The principal of a token bounded by its key's current scopes: a token is never worth more than
 * the key it was issued for is now. A scope survives when both grant it (`cache:*` on the token
 * and `cache:read` on the key leave `cache:read`).
 */
export function boundByKeyScopes(principal: Principal, keyScopes: readonly string[]): Principal {
  if (scopesSatisfied(keyScopes, principal.scopes)) return principal; // the common case: no copy
  const memo = narrowed.get(principal);
  if (memo?.keyScopes === keyScopes) return memo.principal;
  const scopes = new Set<string>();
  for (const scope of principal.scopes) if (scopeGranted(keyScopes, scope)) scopes.add(scope);
  for (const scope of keyScopes) if (scopeGranted(principal.scopes, scope)) scopes.add(scope);
  const bounded = makePrincipal(
    { ...principal, scopes: Object.freeze([...scopes]) },
    factsOf(principal), // a spread copies no fact
  );
  narrowed.set(principal, { keyScopes, principal: bounded });
  return bounded;
}
