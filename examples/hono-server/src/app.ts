import { requireScopes, vectorcacheAuth, type HonoAuthOptions } from '@vectorcache/auth-hono';
import { vectorcacheAdmin } from '@vectorcache/auth-hono/admin';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { INTERNAL_ERROR, INVALID_JSON, NOT_FOUND, readJson, TOO_LARGE } from '../../shared/answers';
import { createPromptCache, textField } from '../../shared/prompt-cache';

/** The example API and how to stop its authentication (flushes usage, closes the key store). */
export interface ExampleApp {
  app: Hono;
  close(): Promise<void>;
}

const isHealthCheck = (c: Context): boolean => c.req.method === 'GET' && c.req.path === '/health';

/** The JSON body, or undefined when it is not JSON (answered 400). */
const jsonBody = (c: Context) => readJson(() => c.req.json());

/**
 * Builds the example cache API: `GET /health` is public, `POST /v1/cache/query` needs
 * `cache:read` and `POST /v1/cache/write` needs `cache:write`; `/admin` is the management API
 * (`keys:manage`, `analytics:read`). Any other route answers a JSON 404, a body that is not JSON a
 * JSON 400 (never Hono's plain-text ones). Keys come from the environment (`VECTORCACHE_KEYS_FILE`,
 * which `src/server.ts` defaults to the repository's `.vectorcache/keys.db`, or
 * `VECTORCACHE_REDIS_URL`).
 * @example
 * const { app } = createApp();
 * serve({ fetch: app.fetch, port: 3000, hostname: '127.0.0.1' });
 */
export function createApp(options: Omit<HonoAuthOptions, 'skip'> = {}): ExampleApp {
  const auth = vectorcacheAuth({ ...options, skip: isHealthCheck });
  const cache = createPromptCache();
  const app = new Hono();

  // The management API, on the same verifier (shared caches and usage counts).
  app.route('/admin', vectorcacheAdmin({ verifier: auth.verifier }));
  // Authentication comes first, so a request without a valid key is refused before its body is read.
  app.use(auth);
  app.use(bodyLimit({ maxSize: 64 * 1024, onError: (c) => c.json(TOO_LARGE, 413) }));
  app.notFound((c) => c.json(NOT_FOUND, 404));
  app.onError((_error, c) => c.json(INTERNAL_ERROR, 500));

  app.get('/health', (c) => c.json({ status: 'ok' }));

  app.post('/v1/cache/query', requireScopes('cache:read'), async (c) => {
    const projectId = c.get('vectorcache')!.projectId;
    const json = await jsonBody(c);
    if (!json) return c.json(INVALID_JSON, 400);
    const prompt = textField(json.body, 'prompt');
    if (!prompt) return c.json({ detail: 'prompt must be a non-empty string' }, 400);
    const response = cache.query(projectId, prompt);
    return c.json(response === undefined ? { hit: false } : { hit: true, response });
  });

  app.post('/v1/cache/write', requireScopes('cache:write'), async (c) => {
    const principal = c.get('vectorcache')!;
    const json = await jsonBody(c);
    if (!json) return c.json(INVALID_JSON, 400);
    const prompt = textField(json.body, 'prompt');
    const response = textField(json.body, 'response');
    if (!prompt || !response) {
      return c.json({ detail: 'prompt and response must be non-empty strings' }, 400);
    }
    cache.write(principal.projectId, prompt, response);
    return c.json({ stored: true, projectId: principal.projectId, by: principal.prefix }, 201);
  });

  return { app, close: () => auth.close() };
}
