import { requireScopes, vectorcacheAuth, type FastifyAuthOptions } from '@vectorcache/auth-fastify';
import { vectorcacheAdmin } from '@vectorcache/auth-fastify/admin';
import { createVerifierFromEnv } from '@vectorcache/auth-core';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { errorAnswer, NOT_FOUND } from '../../shared/answers';
import { createPromptCache, textField } from '../../shared/prompt-cache';

const isHealthCheck = (request: FastifyRequest): boolean =>
  request.method === 'GET' && request.routeOptions.url === '/health';

/** The management API authenticates its own calls (with its own scopes). */
const isPublicOrAdmin = (request: FastifyRequest): boolean =>
  isHealthCheck(request) || request.url === '/admin' || request.url.startsWith('/admin/');

/**
 * Builds the example cache API: `GET /health` is public, `POST /v1/cache/query` needs
 * `cache:read` and `POST /v1/cache/write` needs `cache:write`; `/admin` is the management API
 * (`keys:manage`, `analytics:read`). Any other route answers a JSON 404, a body that is not JSON a
 * JSON 400, both `{"detail": ...}` like the middleware's answers. Keys come from the environment
 * (`VECTORCACHE_KEYS_FILE`, which `src/server.ts` defaults to the repository's
 * `.vectorcache/keys.db`, or `VECTORCACHE_REDIS_URL`);
 * `app.close()` also flushes usage and closes the key store.
 * @example
 * const app = await createApp();
 * await app.listen({ port: 3000, host: '127.0.0.1' });
 */
export async function createApp(
  options: Omit<FastifyAuthOptions, 'skip'> = {},
): Promise<FastifyInstance> {
  const cache = createPromptCache();
  const app = Fastify({ bodyLimit: 64 * 1024 });
  // Fastify's own error and 404 answers are JSON of another shape: the examples answer alike.
  app.setErrorHandler((error, _request, reply) => {
    const answer = errorAnswer(error);
    return reply.code(answer.status).send(answer.body);
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send(NOT_FOUND));
  // One verifier for the middleware and the management API (one store connection, shared caches
  // and usage counts), built here unless given, and closed with the app.
  const { store, verifier: given, ...authOptions } = options;
  const verifier = given ?? createVerifierFromEnv(store ? { store } : {});
  if (!given) app.addHook('onClose', () => verifier.close());
  // Keys are checked in onRequest, before the body is read.
  await app.register(vectorcacheAuth, { ...authOptions, verifier, skip: isPublicOrAdmin });
  // The management API, encapsulated under its prefix.
  await app.register(vectorcacheAdmin, { prefix: '/admin', verifier });

  app.get('/health', async () => ({ status: 'ok' }));

  app.post(
    '/v1/cache/query',
    { preHandler: requireScopes('cache:read') },
    async (request, reply) => {
      const prompt = textField(request.body, 'prompt');
      if (!prompt) return reply.code(400).send({ detail: 'prompt must be a non-empty string' });
      const response = cache.query(request.vectorcache!.projectId, prompt);
      return response === undefined ? { hit: false } : { hit: true, response };
    },
  );

  app.post(
    '/v1/cache/write',
    { preHandler: requireScopes('cache:write') },
    async (request, reply) => {
      const principal = request.vectorcache!;
      const prompt = textField(request.body, 'prompt');
      const response = textField(request.body, 'response');
      if (!prompt || !response) {
        return reply.code(400).send({ detail: 'prompt and response must be non-empty strings' });
      }
      cache.write(principal.projectId, prompt, response);
      return reply
        .code(201)
        .send({ stored: true, projectId: principal.projectId, by: principal.prefix });
    },
  );

  return app;
}
