import { LRUCache } from 'lru-cache';
import { KeyObject, createHash, createPublicKey, createSecretKey } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { isValidScope, scopeGranted, scopesSatisfied } from './scopes';
import { markJwtPrincipal } from './token-exchange';
import type { Principal } from './types';
import { invalidOption } from './options';

/** Algorithms a token may be signed with. `none` is never accepted. */
export type JwtAlgorithm =
  | 'HS256'
  | 'HS384'
  | 'HS512'
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA';

const SYMMETRIC = new Set<string>(['HS256', 'HS384', 'HS512']);
const ASYMMETRIC = new Set<string>([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
]);

/** Options for accepting JWTs beside API keys (`createVerifier({ jwt })`, `vectorcacheAuth({ jwt })`). */
export interface JwtOptions {
  /**
   * How tokens are checked: a shared secret (string of at least 32 bytes, or bytes), a public key
   * (PEM string or `KeyObject`), or the URL of a JWKS (a `URL`, or a string starting with https://
   * or http://), fetched and cached with jose's `createRemoteJWKSet`.
   */
  key: string | Uint8Array | KeyObject | URL;
  /** Accepted algorithms; required, never read from the token. */
  algorithms: readonly JwtAlgorithm[];
  /** Expected `iss`. */
  issuer?: string | string[];
  /** Expected `aud`. */
  audience?: string | string[];
  /** The claim holding the project. @default 'project_id' */
  projectClaim?: string;
  /**
   * Allowed clock skew in seconds for `exp` and `nbf`. @default 5 (a token issued more than
   * `max(60, clockToleranceSec)` seconds in the future is refused)
   */
  clockToleranceSec?: number;
  /** How long a JWKS fetch may take, in ms. @default 2000 */
  jwksTimeoutMs?: number;
  /** Least time between two JWKS fetches (an unknown `kid` triggers one), in ms. @default 30000 */
  jwksCooldownMs?: number;
}

/** The outcome of checking a token: the principal, or why it was refused. */
export type JwtCheck =
  | { ok: true; principal: Principal; keyId: string | undefined }
  | { ok: false; reason: 'unknown' | 'expired' | 'store_unavailable' };

type VerifyKey = KeyObject | ReturnType<typeof createRemoteJWKSet>;

const KEY_ID = /^key_[0-9a-f]{24}$/;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Whether a bearer token has the shape of a compact JWS (three base64url parts). */
export function looksLikeJwt(token: string): boolean {
  return token.length >= 20 && token.length <= 4096 && JWT_SHAPE.test(token);
}

function checkAlgorithms(algorithms: unknown): string[] {
  if (!Array.isArray(algorithms) || algorithms.length === 0) {
    throw invalidOption(
      'jwt.algorithms is required, e.g. { algorithms: ["ES256"] }: it is never taken from the token.',
    );
  }
  const list: readonly unknown[] = algorithms;
  for (const alg of list) {
    if (typeof alg !== 'string' || (!SYMMETRIC.has(alg) && !ASYMMETRIC.has(alg))) {
      throw invalidOption(
        `jwt.algorithms: ${JSON.stringify(alg)} is not supported; use HS256/384/512, RS*, PS*, ES* or EdDSA ("none" is never accepted).`,
      );
    }
  }
  return [...list] as string[];
}

/** A secret key of at least 32 bytes, for HS256. */
export function secretFrom(key: string | Uint8Array): KeyObject {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key);
  if (bytes.length < 32) {
    throw invalidOption(
      'A JWT secret must be at least 32 bytes long; generate one with `openssl rand -hex 32`.',
    );
  }
  return createSecretKey(bytes);
}

function isUrlString(key: unknown): boolean {
  return typeof key === 'string' && /^https?:\/\//i.test(key);
}

/** Builds the key jose verifies with, refusing combinations that invite algorithm confusion. */
function verificationKey(options: JwtOptions, algorithms: string[]): VerifyKey {
  const { key } = options;
  const symmetric = algorithms.some((a) => SYMMETRIC.has(a));
  const asymmetric = algorithms.some((a) => ASYMMETRIC.has(a));
  if (key instanceof URL || isUrlString(key)) {
    if (symmetric)
      throw invalidOption(
        'A JWKS URL serves public keys: jwt.algorithms must not list HS* algorithms.',
      );
    return createRemoteJWKSet(key instanceof URL ? key : new URL(key as string), {
      timeoutDuration: options.jwksTimeoutMs ?? 2000,
      cooldownDuration: options.jwksCooldownMs ?? 30_000,
    });
  }
  let keyObject: KeyObject;
  if (key instanceof KeyObject) {
    keyObject = key.type === 'private' ? createPublicKey(key) : key;
  } else if (typeof key === 'string' && key.includes('-----BEGIN')) {
    keyObject = createPublicKey(key);
  } else if (typeof key === 'string' || key instanceof Uint8Array) {
    keyObject = secretFrom(key);
  } else {
    throw invalidOption('jwt.key must be a secret, a public key (PEM or KeyObject) or a JWKS URL.');
  }
  if (keyObject.type === 'secret' && asymmetric) {
    throw invalidOption(
      'jwt.key is a shared secret: jwt.algorithms may list only HS256, HS384 or HS512.',
    );
  }
  if (keyObject.type !== 'secret' && symmetric) {
    throw invalidOption(
      'jwt.key is a public key: jwt.algorithms must not list HS* algorithms (algorithm confusion).',
    );
  }
  return keyObject;
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
  cache: { max: number; now: () => number } = { max: 10_000, now: Date.now },
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
    const principal: Principal = Object.freeze(
      markJwtPrincipal({
        keyId: subject,
        projectId,
        name,
        prefix,
        scopes: Object.freeze(scopesOf(payload)),
      }),
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
  const bounded = Object.freeze(
    markJwtPrincipal({ ...principal, scopes: Object.freeze([...scopes]) }),
  );
  narrowed.set(principal, { keyScopes, principal: bounded });
  return bounded;
}
