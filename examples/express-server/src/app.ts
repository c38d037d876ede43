import { requireScopes, vectorcacheAuth, type ExpressAuthOptions } from '@vectorcache/auth-express';
import { vectorcacheAdmin } from '@vectorcache/auth-express/admin';
import type { Verifier } from '@vectorcache/auth-core';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { errorAnswer, NOT_FOUND } from '../../shared/answers';
import { createPromptCache, textField } from '../../shared/prompt-cache';

/** The example API and how to stop its authentication (flushes usage, closes the key store). */
export interface ExampleApp {
  app: Express;
  /** The verifier behind the middleware (its `stats()` feed gauges, see examples/production-metrics). */
  verifier: Verifier;
  close(): Promise<void>;
}

const isHealthCheck = (req: Request): boolean => req.method === 'GET' && req.path === '/health';

/**
 * Builds the example cache API: `GET /health` is public, `POST /v1/cache/query` needs
 * `cache:read` and `POST /v1/cache/write` needs `cache:write`; `/admin` is the management API
 * (`keys:manage`, `analytics:read`). Any other route answers a JSON 404, a body that is not JSON a
 * JSON 400 (never Express's HTML error page). Keys come from the environment (`VECTORCACHE_KEYS_FILE`,
 * which `src/server.ts` defaults to the repository's `.vectorcache/keys.db`, or
 * `VECTORCACHE_REDIS_URL`).
 * @example
 * const { app } = createApp();
 * app.listen(3000, '127.0.0.1');
 */
export function createApp(options: Omit<ExpressAuthOptions, 'skip'> = {}): ExampleApp {
  const auth = vectorcacheAuth({ ...options, skip: isHealthCheck });
  const cache = createPromptCache();
  const app = express();
  app.disable('x-powered-by');

  // The management API, on the same verifier (shared caches and usage counts).
  app.use('/admin', vectorcacheAdmin({ verifier: auth.verifier }));
  // Authentication comes first, so a request without a valid key is refused before its body is read.
  app.use(auth);
  app.use(express.json({ limit: '64kb' }));

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.post('/v1/cache/query', requireScopes('cache:read'), (req, res) => {
    const projectId = req.vectorcache!.projectId;
    const prompt = textField(req.body, 'prompt');
    if (!prompt) {
      res.status(400).json({ detail: 'prompt must be a non-empty string' });
      return;
    }
    const response = cache.query(projectId, prompt);
    res.json(response === undefined ? { hit: false } : { hit: true, response });
  });

  app.post('/v1/cache/write', requireScopes('cache:write'), (req, res) => {
    const projectId = req.vectorcache!.projectId;
    const prompt = textField(req.body, 'prompt');
    const response = textField(req.body, 'response');
    if (!prompt || !response) {
      res.status(400).json({ detail: 'prompt and response must be non-empty strings' });
      return;
    }
    cache.write(projectId, prompt, response);
    res.status(201).json({ stored: true, projectId, by: req.vectorcache!.prefix });
  });

  app.use((_req, res) => {
    res.status(404).json(NOT_FOUND);
  });
  // Express answers errors (a body that is not JSON, one too large) with an HTML page and, outside
  // production, a stack trace: this answers JSON instead, and never the error's message.
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const answer = errorAnswer(error);
    res.status(answer.status).json(answer.body);
  });

  return { app, verifier: auth.verifier, close: () => auth.close() };
}
