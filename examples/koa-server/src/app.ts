import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import {
  requireScopes,
  vectorcacheAuth,
  type KoaAuthContext,
  type KoaAuthOptions,
} from '@vectorcache/auth-koa';
import { vectorcacheAdmin } from '@vectorcache/auth-koa/admin';
import Koa from 'koa';
import { errorAnswer, NOT_FOUND } from '../../shared/answers';
import { createPromptCache, textField } from '../../shared/prompt-cache';

/** The example API and how to stop its authentication (flushes usage, closes the key store). */
export interface ExampleApp {
  app: Koa;
  close(): Promise<void>;
}

const isHealthCheck = (ctx: KoaAuthContext): boolean =>
  ctx.method === 'GET' && ctx.path === '/health';

/**
 * Builds the example cache API: `GET /health` is public, `POST /v1/cache/query` needs
 * `cache:read` and `POST /v1/cache/write` needs `cache:write`; `/admin` is the management API
 * (`keys:manage`, `analytics:read`). Any other route answers a JSON 404, a body that is not JSON a
 * JSON 400 (never Koa's plain-text error). Keys come from the environment (`VECTORCACHE_KEYS_FILE`,
 * which `src/server.ts` defaults to the repository's `.vectorcache/keys.db`, or
 * `VECTORCACHE_REDIS_URL`).
 * @example
 * const { app } = createApp();
 * app.listen(3000, '127.0.0.1');
 */
export function createApp(options: Omit<KoaAuthOptions, 'skip'> = {}): ExampleApp {
  const auth = vectorcacheAuth({ ...options, skip: isHealthCheck });
  const cache = createPromptCache();
  const router = new Router();

  router.get('/health', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  router.post('/v1/cache/query', requireScopes('cache:read'), (ctx) => {
    const projectId = ctx.state.vectorcache!.projectId;
    const prompt = textField(ctx.request.body, 'prompt');
    if (!prompt) {
      ctx.status = 400;
      ctx.body = { detail: 'prompt must be a non-empty string' };
      return;
    }
    const response = cache.query(projectId, prompt);
    ctx.body = response === undefined ? { hit: false } : { hit: true, response };
  });

  router.post('/v1/cache/write', requireScopes('cache:write'), (ctx) => {
    const principal = ctx.state.vectorcache!;
    const prompt = textField(ctx.request.body, 'prompt');
    const response = textField(ctx.request.body, 'response');
    if (!prompt || !response) {
      ctx.status = 400;
      ctx.body = { detail: 'prompt and response must be non-empty strings' };
      return;
    }
    cache.write(principal.projectId, prompt, response);
    ctx.status = 201;
    ctx.body = { stored: true, projectId: principal.projectId, by: principal.prefix };
  });

  const app = new Koa();
  // First, so it sees every error and every unanswered request: JSON answers only.
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const answer = errorAnswer(error);
      ctx.status = answer.status;
      ctx.body = answer.body;
      return;
    }
    if (ctx.status === 404 && ctx.body == null) {
      ctx.status = 404;
      ctx.body = NOT_FOUND;
    } else if (ctx.status >= 400 && ctx.body == null) {
      ctx.body = errorAnswer({ status: ctx.status }).body; // e.g. the router's 405
    }
  });
  // The management API, on the same verifier (shared caches and usage counts).
  app.use(vectorcacheAdmin({ prefix: '/admin', verifier: auth.verifier }));
  // Authentication comes first, so a request without a valid key is refused before its body is read.
  app.use(auth);
  app.use(bodyParser({ jsonLimit: '64kb' }));
  app.use(router.routes());
  app.use(router.allowedMethods());
  return { app, close: () => auth.close() };
}
