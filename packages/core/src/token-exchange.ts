import { failureFor, insufficientScope } from './answers';
import type { TokenIssuer } from './token-issuer';
import { isValidScope, scopeGranted } from './scopes';
import type { Principal } from './types';

/** The answer of the token endpoint, ready to send (status, exact JSON body, headers). */
export interface TokenExchangeAnswer {
  status: number;
  body: string;
  headers: Readonly<Record<string, string>>;
}

// Principals that came from a JWT: such a caller may not mint further tokens (no endless renewal).
const fromJwt = new WeakSet<Principal>();

/** Marks a principal as authenticated by a JWT rather than an API key. */
export function markJwtPrincipal(principal: Principal): Principal {
  fromJwt.add(principal);
  return principal;
}

/** Whether the principal was authenticated by a JWT. */
export function isJwtPrincipal(principal: Principal): boolean {
  return fromJwt.has(principal);
}

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' } as const;

function badRequest(detail: string): TokenExchangeAnswer {
  return {
    status: 400,
    body: JSON.stringify({ detail }),
    headers: { 'content-type': 'application/json', ...NO_STORE },
  };
}

function requestedScopes(requested: unknown, principal: Principal): string[] | string {
  if (requested === undefined || requested === null || requested === '')
    return [...principal.scopes];
  const list =
    typeof requested === 'string'
      ? requested.split(' ').filter((s) => s !== '')
      : Array.isArray(requested)
        ? requested
        : null;
  if (list === null || list.length > 64)
    return 'scope must be a space-separated string or an array of scopes';
  for (const scope of list) {
    if (!isValidScope(scope)) return `Invalid scope requested: ${JSON.stringify(scope)}`;
  }
  return [...new Set(list as string[])];
}

/**
 * Builds the handler of the key-for-token exchange (e.g. `POST /v1/auth/token`): a caller
 * authenticated with an API key receives a short-lived JWT carrying a subset of the key's scopes.
 * Asking for a scope the key lacks is a 403; a caller authenticated by a token gets a 401.
 * @example
 * const exchange = createTokenExchange(createTokenIssuer({ key, issuer: 'api', audience: 'api' }));
 * const answer = await exchange(req.vectorcache, req.body?.scope);
 */
export function createTokenExchange(
  issuer: TokenIssuer,
): (principal: Principal | undefined, requested?: unknown) => Promise<TokenExchangeAnswer> {
  return async (principal, requested) => {
    if (!principal || isJwtPrincipal(principal)) {
      const failure = failureFor(principal ? 'unknown' : 'missing');
      return { status: failure.status, body: failure.body, headers: failure.headers };
    }
    const scopes = requestedScopes(requested, principal);
    if (typeof scopes === 'string') return badRequest(scopes);
    const missing = scopes.filter((scope) => !scopeGranted(principal.scopes, scope));
    if (missing.length > 0) {
      const failure = insufficientScope(missing);
      return { status: failure.status, body: failure.body, headers: failure.headers };
    }
    const issued = await issuer.issue(principal, scopes);
    return {
      status: 200,
      body: JSON.stringify({
        access_token: issued.token,
        token_type: issued.tokenType,
        expires_in: issued.expiresIn,
        scope: issued.scopes.join(' '),
      }),
      headers: { 'content-type': 'application/json', ...NO_STORE },
    };
  };
}
