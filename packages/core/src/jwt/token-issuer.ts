import { KeyObject, createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { insufficientScope } from '../http/answers';
import { VectorcacheAuthError } from '../errors';
import { secretFrom, type JwtAlgorithm, type JwtOptions } from './jwt-keys';
import { invalidOption } from '../config/options';
import { missingScopes } from '../scopes';
import type { Principal } from '../types';

/** Options of {@link createTokenIssuer}. */
export interface TokenIssuerOptions {
  /** A shared secret (at least 32 bytes) for HS256, or a private key (PEM or `KeyObject`). */
  key: string | Uint8Array | KeyObject;
  issuer: string;
  audience: string | string[];
  /** Lifetime in seconds. @default 300 */
  ttl?: number;
  /** @default 'project_id' */
  projectClaim?: string;
}

/** A token handed out by {@link TokenIssuer.issue}. */
export interface IssuedToken {
  token: string;
  tokenType: 'Bearer';
  /** Seconds until the token expires. */
  expiresIn: number;
  scopes: string[];
}

/** Signs short-lived, down-scoped tokens for principals authenticated with an API key. */
export interface TokenIssuer {
  /** The verifier options that accept this issuer's tokens. */
  readonly jwtOptions: JwtOptions;
  /**
   * Signs a token for `principal` with `scopes` (default: all of its scopes). Throws a
   * `VectorcacheAuthError` (`insufficient_scope`, its `answer` the 403) for a scope the principal
   * does not hold: a token is never worth more than its key.
   */
  issue(principal: Principal, scopes?: readonly string[]): Promise<IssuedToken>;
}

function signingKey(key: TokenIssuerOptions['key']): { key: KeyObject; alg: JwtAlgorithm } {
  if (key instanceof KeyObject && key.type === 'private') {
    return { key, alg: algorithmFor(key) };
  }
  if (typeof key === 'string' && key.includes('-----BEGIN')) {
    const priv = createPrivateKey(key);
    return { key: priv, alg: algorithmFor(priv) };
  }
  if (typeof key === 'string' || key instanceof Uint8Array)
    return { key: secretFrom(key), alg: 'HS256' };
  if (key instanceof KeyObject && key.type === 'secret') return { key, alg: 'HS256' };
  throw invalidOption(
    'createTokenIssuer needs a secret (>= 32 bytes) or a private key to sign with.',
  );
}

function algorithmFor(key: KeyObject): JwtAlgorithm {
  switch (key.asymmetricKeyType) {
    case 'ec':
      return key.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'ES384' : 'ES256';
    case 'rsa':
      return 'RS256';
    case 'ed25519':
      return 'EdDSA';
    default:
      throw invalidOption(
        `Unsupported signing key type ${String(key.asymmetricKeyType)}; use an EC P-256, RSA or Ed25519 key.`,
      );
  }
}

/**
 * Creates the token issuer of the key-for-token exchange: a request authenticated with an API key
 * receives a JWT (`sub` = the key id, the key's project, a subset of its scopes).
 * @example
 * const issuer = createTokenIssuer({ key: process.env.JWT_SECRET!, issuer: 'api', audience: 'api' });
 * const verifier = createVerifier({ store, jwt: issuer.jwtOptions });
 */
export function createTokenIssuer(options: TokenIssuerOptions): TokenIssuer {
  if (
    !options ||
    typeof options.issuer !== 'string' ||
    options.issuer === '' ||
    !options.audience
  ) {
    throw invalidOption(
      'createTokenIssuer needs { key, issuer, audience }, e.g. { key: secret, issuer: "my-api", audience: "my-api" }.',
    );
  }
  const ttl = options.ttl ?? 300;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 86_400) {
    throw invalidOption('ttl is the token lifetime in seconds, from 1 to 86400 (default 300).');
  }
  const { key, alg } = signingKey(options.key);
  const projectClaim = options.projectClaim ?? 'project_id';
  const jwtOptions: JwtOptions = {
    key: key.type === 'private' ? createPublicKey(key) : key,
    algorithms: [alg],
    issuer: options.issuer,
    audience: options.audience,
    projectClaim,
  };
  return {
    jwtOptions,
    async issue(principal, scopes = principal.scopes) {
      const missing = missingScopes(principal.scopes, scopes);
      if (missing.length > 0) {
        throw new VectorcacheAuthError(
          'insufficient_scope',
          `Cannot issue a token with ${missing.join(', ')}: key ${principal.keyId} does not hold ${missing.length === 1 ? 'it' : 'them'}. Ask for a subset of the principal's scopes.`,
          { answer: insufficientScope(missing) },
        );
      }
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({
        [projectClaim]: principal.projectId,
        scope: scopes.join(' '),
        key_prefix: principal.prefix,
        name: principal.name,
      })
        .setProtectedHeader({ alg, typ: 'JWT' })
        .setSubject(principal.keyId)
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setIssuedAt(now)
        .setExpirationTime(now + ttl)
        .setJti(randomBytes(12).toString('hex'))
        .sign(key);
      return { token, tokenType: 'Bearer', expiresIn: ttl, scopes: [...scopes] };
    },
  };
}
