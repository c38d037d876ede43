import { type TokenIssuer } from '@vectorcache/auth-core';
import {
  createAuthHandler,
  createScopeGuard,
  createTokenExchange,
  readWebAuthorization,
  toWebResponse,
  type AuthOutcome,
  type WebRequestSource,
} from '@vectorcache/auth-core/adapter';
import type { Context, Handler, MiddlewareHandler, Next } from 'hono';
import type { HonoAuthOptions, VectorcacheMiddleware } from './types';

/**
 * What core reads of a request: the Web request (the same on every runtime) and the peer's
 * address, which `@hono/node-server` gives through the Node request at `c.env.incoming`. The
 * address is read only when asked for (by the opt-in `attemptLimit`), not on every request.
 */
class HonoSource implements WebRequestSource {
  readonly webRequest: Request;
  constructor(private readonly c: Context) {
    this.webRequest = c.req.raw;
  }
  get remoteAddress(): string | undefined {
    const env = this.c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
    return env?.incoming?.socket?.remoteAddress;
  }
}

/**
 * Hono middleware that requires `Authorization: Bearer vc_<32 hex>` on every request it sees
 * and puts the caller at `c.get('vectorcache')`. Without options it is configured from the
 * environment (`VECTORCACHE_KEYS_FILE`, `VECTORCACHE_REDIS_URL`, `VECTORCACHE_PROJECT_ID`,
 * `VECTORCACHE_KEY_PEPPER`). Options are checked here, once; a bad one throws a
 * `VectorcacheAuthError` with code `invalid_option`. A refusal is returned as a `Response`,
 * never thrown, so `app.onError` never sees it.
 *
 * @example
 * ```ts
 * const app = new Hono();
 * app.use(vectorcacheAuth({ skip: (c) => c.req.path === '/health' }));
 * app.get('/whoami', (c) => c.json({ project: c.get('vectorcache')?.projectId }));
 * ```
 */
export function vectorcacheAuth(options?: HonoAuthOptions): VectorcacheMiddleware {
  const handler = createAuthHandler<Context>(options);

  // Not an async function: a cached key is decided synchronously and `next()`'s own promise is
  // returned as is, without the extra promise and await hops an async wrapper adds per request.
  function vectorcacheAuthMiddleware(c: Context, next: Next): Promise<Response | void> {
    const principal = handler.allowCached(readWebAuthorization(c.req.raw));
    if (principal !== undefined) {
      c.set('vectorcache', principal);
      return next();
    }
    const decided = handler.decide(c, new HonoSource(c));
    if ('action' in decided) return proceed(decided, c, next);
    return decided.then((outcome) => proceed(outcome, c, next));
  }

  return Object.assign(vectorcacheAuthMiddleware, {
    verifier: handler.verifier,
    close: () => handler.close(),
  });
}

/** Applies an outcome: the refusal is returned as a Response, otherwise the chain goes on. */
function proceed(outcome: AuthOutcome, c: Context, next: Next): Promise<Response | void> {
  if (outcome.action === 'deny') return Promise.resolve(toWebResponse(outcome));
  if (outcome.action === 'allow') c.set('vectorcache', outcome.principal);
  return next();
}

/**
 * Route middleware that requires every listed scope of the key `vectorcacheAuth()` verified
 * (a request without one gets the 401 missing-key answer). The scopes are checked here, once.
 *
 * @example
 * ```ts
 * app.post('/v1/cache/write', requireScopes('cache:write'), (c) => c.json({ ok: true }));
 * ```
 */
export function requireScopes(...scopes: string[]): MiddlewareHandler {
  const guard = createScopeGuard<Context>(scopes);
  return async function requireScopesMiddleware(c: Context, next: Next): Promise<Response | void> {
    const outcome = guard(c, c.get('vectorcache'));
    if (outcome.action === 'deny') return toWebResponse(outcome);
    await next();
  };
}

/** Stands for a body that is not JSON: not a scope list, so core answers its 400. */
const UNREADABLE_BODY = Object.freeze({});

/** The `scope` of a JSON body; undefined for an empty body (all of the key's scopes). */
async function requestedScope(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return undefined;
  try {
    return (JSON.parse(text) as { scope?: unknown } | null)?.scope;
  } catch {
    return UNREADABLE_BODY;
  }
}

/**
 * Route handler of the key-for-token exchange: a request authenticated with an API key (by
 * `vectorcacheAuth`) receives a short-lived JWT with a subset of the key's scopes, asked for as
 * `scope` in a JSON body; default all of the key's scopes. The body is read only for a caller
 * that was authenticated; bound its size with Hono's `bodyLimit` if you need to.
 *
 * @example
 * ```ts
 * const issuer = createTokenIssuer({ key: process.env.JWT_SECRET!, issuer: 'api', audience: 'api' });
 * app.use(vectorcacheAuth({ jwt: issuer.jwtOptions }));
 * app.post('/v1/auth/token', tokenExchange(issuer));
 * ```
 */
export function tokenExchange(issuer: TokenIssuer): Handler {
  const exchange = createTokenExchange(issuer);
  return async function tokenExchangeHandler(c: Context): Promise<Response> {
    const principal = c.get('vectorcache');
    const scope = principal ? await requestedScope(c) : undefined;
    return toWebResponse(await exchange(principal, scope));
  };
}
