import { KeyObject, createPublicKey, createSecretKey } from 'node:crypto';
import { createRemoteJWKSet } from 'jose';
import { invalidOption } from '../config/options';

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

/** The key jose verifies with: one key, or a remote JWKS. */
export type VerifyKey = KeyObject | ReturnType<typeof createRemoteJWKSet>;

/** The accepted algorithms, checked: required, and never `none`. */
export function checkAlgorithms(algorithms: unknown): string[] {
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
export function verificationKey(options: JwtOptions, algorithms: string[]): VerifyKey {
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
