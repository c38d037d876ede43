import { type TokenIssuer } from '@vectorcache/auth-core';
import {
  createAuthHandler,
  createScopeGuard,
  createTokenExchange,
  readAuthorizationHeader,
  type AuthOutcome,
  type HttpAnswer,
} from '@vectorcache/auth-core/adapter';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { FastifyAuthOptions } from './types';

/**
 * Sends core's refusal through the reply (so onSend hooks and the request log still run). The
 * body goes as a Buffer: Fastify would append `; charset=utf-8` to a JSON string's content type,
 * and the answer must be byte for byte the one the other adapters send.
 */
export function writeAnswer(reply: FastifyReply, denial: HttpAnswer): FastifyReply {
  reply.code(denial.status).headers(denial.headers);
  // An empty body (a 304, a redirect) is sent as none, so Fastify adds no Content-Type to it.
  return denial.body === '' ? reply.send() : reply.send(Buffer.from(denial.body));
}

/** Applies an outcome: the refusal is sent, otherwise the request goes on. */
function apply(
  outcome: AuthOutcome,
  request: FastifyRequest,
  reply: FastifyReply,
  done: (err?: Error) => void,
): void {
  if (outcome.action === 'deny') {
    writeAnswer(reply, outcome);
    return;
  }
  if (outcome.action === 'allow') request.vectorcache = outcome.principal;
  done();
}

async function vectorcacheAuthPlugin(
  fastify: FastifyInstance,
  options: FastifyAuthOptions,
): Promise<void> {
  const handler = createAuthHandler<FastifyRequest>(options);
  fastify.addHook('onClose', async () => handler.close());
  fastify.decorateRequest('vectorcache', undefined);
  // onRequest runs before the body is read, so a refused request costs no parsing.
  // A callback hook: a cached key is decided synchronously, with no promise hop.
  fastify.addHook('onRequest', (request, reply, done) => {
    const principal = handler.allowCached(readAuthorizationHeader(request.raw));
    if (principal !== undefined) {
      request.vectorcache = principal;
      return done();
    }
    const outcome = handler.decide(request, request.raw);
    if ('action' in outcome) return apply(outcome, request, reply, done);
    outcome.then((decided) => apply(decided, request, reply, done), done);
  });
}

/**
 * Fastify plugin that requires `Authorization: Bearer vc_<32 hex>` on every request of the app
 * (checked in `onRequest`, before the body is parsed) and puts the caller at
 * `request.vectorcache`. Without options it is configured from the environment
 * (`VECTORCACHE_KEYS_FILE`, `VECTORCACHE_REDIS_URL`, `VECTORCACHE_PROJECT_ID`,
 * `VECTORCACHE_KEY_PEPPER`); a verifier it built is closed with the app. A bad option makes
 * `register` fail with a `VectorcacheAuthError` of code `invalid_option`.
 *
 * @example
 * ```ts
 * const app = Fastify();
 * await app.register(vectorcacheAuth, { skip: (request) => request.url === '/health' });
 * app.get('/whoami', async (request) => ({ project: request.vectorcache?.projectId }));
 * ```
 */
export const vectorcacheAuth = fp(vectorcacheAuthPlugin, {
  fastify: '5.x',
  name: '@vectorcache/auth-fastify',
});

/**
 * A route `preHandler` that requires every listed scope of the key the plugin verified (a
 * request without one gets the 401 missing-key answer). The scopes are checked here, once.
 *
 * @example
 * ```ts
 * app.post('/v1/cache/write', { preHandler: requireScopes('cache:write') }, async () => ({ ok: true }));
 * ```
 */
export function requireScopes(
  ...scopes: string[]
): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> {
  const guard = createScopeGuard<FastifyRequest>(scopes);
  return async function requireScopesPreHandler(request, reply) {
    const outcome = guard(request, request.vectorcache);
    if (outcome.action === 'deny') return writeAnswer(reply, outcome);
    return undefined;
  };
}

/**
 * Route handler of the key-for-token exchange: a request authenticated with an API key receives
 * a short-lived JWT with a subset of the key's scopes, asked for as `scope` in the JSON body;
 * default all of the key's scopes.
 *
 * @example
 * ```ts
 * app.post('/v1/auth/token', tokenExchange(issuer));
 * ```
 */
export function tokenExchange(
  issuer: TokenIssuer,
): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply> {
  const exchange = createTokenExchange(issuer);
  return async function tokenExchangeHandler(request, reply) {
    const scope = (request.body as { scope?: unknown } | undefined)?.scope;
    return writeAnswer(reply, await exchange(request.vectorcache, scope));
  };
}
