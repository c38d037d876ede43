import { type TokenIssuer } from '@vectorcache/auth-core';
import {
  createAuthHandler,
  createScopeGuard,
  createTokenExchange,
  readAuthorizationHeader,
  type AuthOutcome,
  type HttpAnswer,
} from '@vectorcache/auth-core/adapter';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ExpressAuthOptions, VectorcacheMiddleware } from './types';

/**
 * Writes core's refusal as is: `res.setHeader` and `res.end` rather than `res.set`/`res.send`,
 * which would append a charset and an ETag, and never `next(err)`, so no error handler sees it.
 * The `X-Powered-By` a default `express()` app sets is removed, and `Content-Length` set (also
 * for HEAD): the other adapters send the same headers.
 */
export function writeAnswer(res: Response, denial: HttpAnswer): void {
  res.removeHeader('x-powered-by');
  res.statusCode = denial.status;
  for (const [name, value] of Object.entries(denial.headers)) res.setHeader(name, value);
  // Node leaves Content-Length out of an answer to HEAD unless it is set: the others send it.
  res.setHeader('content-length', Buffer.byteLength(denial.body));
  res.end(denial.body);
}

// The principal is a plain own property of the request, set the ordinary way: nothing is defined
// on Express's request prototype, so no other app or library sees it changed.

/** Applies an outcome: the refusal is written, otherwise the chain goes on. */
function apply(outcome: AuthOutcome, req: Request, res: Response, next: NextFunction): void {
  if (outcome.action === 'deny') return writeAnswer(res, outcome);
  if (outcome.action === 'allow') req.vectorcache = outcome.principal;
  next();
}

/**
 * Express middleware that requires `Authorization: Bearer vc_<32 hex>` on every request it
 * sees and puts the caller at `req.vectorcache`. Without options it is configured from the
 * environment (`VECTORCACHE_KEYS_FILE`, `VECTORCACHE_REDIS_URL`, `VECTORCACHE_PROJECT_ID`,
 * `VECTORCACHE_KEY_PEPPER`). Options are checked here, once; a bad one throws a
 * `VectorcacheAuthError` with code `invalid_option`.
 *
 * @example
 * ```ts
 * const app = express();
 * app.use(vectorcacheAuth({ skip: (req) => req.path === '/health' }));
 * app.get('/whoami', (req, res) => res.json({ project: req.vectorcache?.projectId }));
 * ```
 */
export function vectorcacheAuth(options?: ExpressAuthOptions): VectorcacheMiddleware {
  const handler = createAuthHandler<Request>(options);

  function vectorcacheAuthMiddleware(req: Request, res: Response, next: NextFunction): void {
    const principal = handler.allowCached(readAuthorizationHeader(req));
    if (principal !== undefined) {
      req.vectorcache = principal;
      return next();
    }
    const outcome = handler.decide(req, req);
    // A key known to be bad is decided synchronously: no promise hop.
    if ('action' in outcome) return apply(outcome, req, res, next);
    // Only programming errors reach `next` (a throwing `skip` or `projectId`): refusals are
    // outcomes, and store failures are 503s.
    outcome.then((decided) => apply(decided, req, res, next)).catch(next);
  }

  return Object.assign(vectorcacheAuthMiddleware, {
    verifier: handler.verifier,
    close: () => handler.close(),
  });
}

/**
 * Route middleware that requires every listed scope of the key `vectorcacheAuth()` verified
 * (a request without one gets the 401 missing-key answer). The scopes are checked here, once.
 *
 * @example
 * ```ts
 * app.post('/v1/cache/write', requireScopes('cache:write'), (req, res) => res.json({ ok: true }));
 * ```
 */
export function requireScopes(...scopes: string[]): RequestHandler {
  const guard = createScopeGuard<Request>(scopes);
  return function requireScopesMiddleware(req: Request, res: Response, next: NextFunction): void {
    const outcome = guard(req, req.vectorcache);
    if (outcome.action === 'deny') return writeAnswer(res, outcome);
    next();
  };
}

/**
 * Route handler of the key-for-token exchange: a request authenticated with an API key (by
 * `vectorcacheAuth`) receives a short-lived JWT with a subset of the key's scopes, asked for as
 * `scope` in a JSON body (parse it with `express.json()`); default all of the key's scopes.
 *
 * @example
 * ```ts
 * const issuer = createTokenIssuer({ key: process.env.JWT_SECRET!, issuer: 'api', audience: 'api' });
 * app.use(vectorcacheAuth({ jwt: issuer.jwtOptions }));
 * app.post('/v1/auth/token', express.json(), tokenExchange(issuer));
 * ```
 */
export function tokenExchange(issuer: TokenIssuer): RequestHandler {
  const exchange = createTokenExchange(issuer);
  return function tokenExchangeHandler(req: Request, res: Response, next: NextFunction): void {
    const scope = (req.body as { scope?: unknown } | undefined)?.scope;
    exchange(req.vectorcache, scope).then((answer) => writeAnswer(res, answer), next);
  };
}
