import { failureFor } from '../http/answers';
import { factsOf } from '../verify/principal';
import type { VectorcacheAuthError } from '../errors';
import type { IssuedToken, TokenIssuer } from './token-issuer';
import { isValidScope } from '../scopes';
import type { HttpAnswer, Principal } from '../types';

// Principals that came from a JWT may not mint further tokens (no endless renewal). The mark is a
// declared fact on the object (`PrincipalFacts.viaJwt`), not a set inside this module: an app that
// loads core twice (its ESM and its CommonJS build) must see the mark made by either copy.

/** Marks a principal (before it is frozen) as authenticated by a JWT rather than an API key. */
export function markJwtPrincipal<P extends Principal>(principal: P): P {
  // Non-enumerable: invisible to JSON, spreads and equality checks of the principal's fields.
  Object.defineProperty(principal, 'viaJwt', { value: true });
  return principal;
}

/** Whether the principal was authenticated by a JWT (by any copy of core). */
export function isJwtPrincipal(principal: Principal): boolean {
  return factsOf(principal).viaJwt === true;
}

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' } as const;

function badRequest(detail: string): HttpAnswer {
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
): (principal: Principal | undefined, requested?: unknown) => Promise<HttpAnswer> {
  return async (principal, requested) => {
    if (!principal || isJwtPrincipal(principal)) {
      const failure = failureFor(principal ? 'unknown' : 'missing');
      return { status: failure.status, body: failure.body, headers: failure.headers };
    }
    const scopes = requestedScopes(requested, principal);
    if (typeof scopes === 'string') return badRequest(scopes);
    let issued: IssuedToken;
    try {
      // The issuer refuses scopes the key lacks, with the 403 to send.
      issued = await issuer.issue(principal, scopes);
    } catch (err) {
      // By shape, not instanceof: the issuer may come from the other copy of core (ESM and CJS).
      const answer = (err as Partial<Pick<VectorcacheAuthError, 'answer'>> | null)?.answer;
      if (answer) {
        return { status: answer.status, body: answer.body, headers: answer.headers };
      }
      throw err;
    }
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
