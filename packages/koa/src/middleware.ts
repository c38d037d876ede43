import { type TokenIssuer } from '@vectorcache/auth-core';
import {
  createAuthHandler,
  createScopeGuard,
  createTokenExchange,
  readAuthorizationHeader,
  type AuthOutcome,
  type HttpAnswer,
} from '@vectorcache/auth-core/adapter';
import type { Middleware, Next } from 'koa';
import type { KoaAuthContext, KoaAuthOptions, VectorcacheMiddleware } from './types';

/**
 * Writes core's refusal on the context (content-type first, so Koa keeps it for a string body)
 * and never throws it, so neither `ctx.onerror` nor `app.on('error')` sees it.
 */
export function writeAnswer(ctx: KoaAuthContext, denial: HttpAnswer): void {
  ctx.status = denial.status;
  ctx.set(denial.headers as Record<string, string>);
  ctx.body = denial.body;
}

/**
 * Koa middleware that requires `Authorization: Bearer vc_<32 hex>` on every request it sees and
 * puts the caller at `ctx.state.vectorcache`. Without options it is configured from the
 * environment (`VECTORCACHE_KEYS_FILE`, `VECTORCACHE_REDIS_URL`, `VECTORCACHE_PROJECT_ID`,
 * `VECTORCACHE_KEY_PEPPER`). Options are checked here, once; a bad one throws a
 * `VectorcacheAuthError` with code `invalid_option`.
 *
 * @example
 * ```ts
 * const app = new Koa();
 * app.use(vectorcacheAuth({ skip: (ctx) => ctx.path === '/health' }));
 * app.use((ctx) => { ctx.body = { project: ctx.state.vectorcache?.projectId }; });
 * ```
 */
export function vectorcacheAuth(options?: KoaAuthOptions): VectorcacheMiddleware {
  const handler = createAuthHandler<KoaAuthContext>(options);

  // Not an async function: a cached key is decided synchronously and `next()`'s own promise is
  // returned as is, without the extra promise and await hops an async wrapper adds per request.
  function vectorcacheAuthMiddleware(ctx: KoaAuthContext, next: Next): Promise<void> | void {
    const principal = handler.allowCached(readAuthorizationHeader(ctx.req));
    if (principal !== undefined) {
      ctx.state.vectorcache = principal;
      return next() as Promise<void>;
    }
    const decided = handler.decide(ctx, ctx.req);
    if ('action' in decided) return proceed(decided, ctx, next);
    return decided.then((outcome) => proceed(outcome, ctx, next));
  }

  return Object.assign(vectorcacheAuthMiddleware, {
    verifier: handler.verifier,
    close: () => handler.close(),
  });
}

/** Applies an outcome: the refusal is written, otherwise the chain goes on. */
function proceed(outcome: AuthOutcome, ctx: KoaAuthContext, next: Next): Promise<void> | void {
  if (outcome.action === 'deny') return writeAnswer(ctx, outcome);
  if (outcome.action === 'allow') ctx.state.vectorcache = outcome.principal;
  return next() as Promise<void>;
}

/**
 * Route middleware that requires every listed scope of the key `vectorcacheAuth()` verified
 * (a request without one gets the 401 missing-key answer). The scopes are checked here, once.
 *
 * @example
 * ```ts
 * router.post('/v1/cache/write', requireScopes('cache:write'), (ctx) => { ctx.body = { ok: true }; });
 * ```
 */
export function requireScopes(...scopes: string[]): Middleware {
  const guard = createScopeGuard<KoaAuthContext>(scopes);
  return async function requireScopesMiddleware(ctx: KoaAuthContext, next: Next): Promise<void> {
    const outcome = guard(ctx, ctx.state.vectorcache);
    if (outcome.action === 'deny') return writeAnswer(ctx, outcome);
    await next();
  };
}

/**
 * Middleware of the key-for-token exchange: a request authenticated with an API key receives a
 * short-lived JWT with a subset of the key's scopes, asked for as `scope` in a JSON body (parsed
 * by a body parser such as `@koa/bodyparser`); default all of the key's scopes.
 *
 * @example
 * ```ts
 * router.post('/v1/auth/token', bodyParser(), tokenExchange(issuer));
 * ```
 */
export function tokenExchange(issuer: TokenIssuer): Middleware {
  const exchange = createTokenExchange(issuer);
  return async function tokenExchangeMiddleware(ctx: KoaAuthContext): Promise<void> {
    const scope = (ctx.request as { body?: { scope?: unknown } }).body?.scope;
    writeAnswer(ctx, await exchange(ctx.state.vectorcache, scope));
  };
}
