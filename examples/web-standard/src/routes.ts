import {
  authenticateRequest,
  createVerifierFromEnv,
  projectIdFromEnv,
  type Verifier,
} from '@vectorcache/auth-core';
import { createAdminHandler } from '@vectorcache/auth-admin';
import { underPrefix, webAdminRequest } from '@vectorcache/auth-admin/adapter';
import { toWebResponse } from '@vectorcache/auth-core/adapter';
import { INVALID_JSON, NOT_FOUND, readJson } from '../../shared/answers';
import { createPromptCache, textField } from '../../shared/prompt-cache';

/** A Next.js-style route handler: a Web `Request` in, a Web `Response` out. */
export type RouteHandler = (request: Request) => Promise<Response>;

/** The example API as route handlers, and how to stop the verifier (flushes usage, closes the store). */
export interface ExampleRoutes {
  /** `GET /health`: public. */
  health: RouteHandler;
  /** `POST /v1/cache/query`: needs `cache:read`. */
  query: RouteHandler;
  /** `POST /v1/cache/write`: needs `cache:write`. */
  write: RouteHandler;
  /** Everything under `/admin`: the management API (a Next.js catch-all `app/admin/[...path]`). */
  admin: RouteHandler;
  /** All of them behind one fetch-style handler (for `Bun.serve`, `Deno.serve` or `node:http`). */
  fetch: RouteHandler;
  verifier: Verifier;
  close(): Promise<void>;
}

/** The JSON body, or undefined when it is not JSON (answered 400). */
const jsonBody = (request: Request) => readJson(() => request.json());

const invalidJson = (): Response => Response.json(INVALID_JSON, { status: 400 });

/**
 * Builds the example cache API as Web-standard route handlers guarded by `authenticateRequest`,
 * the same answers as the framework adapters give. In a Next.js app each one is the `POST` (or
 * `GET`) export of a `route.ts`; `server.ts` serves them on a bare `node:http` server. Keys come
 * from the environment (`VECTORCACHE_KEYS_FILE`, which `src/server.ts` defaults to the repository's `.vectorcache/keys.db`, or
 * `VECTORCACHE_REDIS_URL`), and `VECTORCACHE_PROJECT_ID` names the required project, if any.
 * @example
 * // app/v1/cache/query/route.ts
 * const routes = createRoutes();
 * export const POST = routes.query;
 */
export function createRoutes(verifier: Verifier = createVerifierFromEnv()): ExampleRoutes {
  const cache = createPromptCache();
  const projectId = projectIdFromEnv();
  const management = createAdminHandler({ verifier });

  const routes: Omit<ExampleRoutes, 'fetch'> = {
    verifier,
    close: () => verifier.close(),

    health: async () => Response.json({ status: 'ok' }),

    async admin(request) {
      const path = underPrefix(new URL(request.url).pathname, '/admin') ?? '/';
      return toWebResponse(await management.handle(webAdminRequest(request, path)));
    },

    async query(request) {
      // Authentication comes first, so a request without a valid key is refused before its body is read.
      const caller = await authenticateRequest(verifier, request, {
        projectId,
        scopes: ['cache:read'],
      });
      if (caller instanceof Response) return caller;
      const json = await jsonBody(request);
      if (!json) return invalidJson();
      const prompt = textField(json.body, 'prompt');
      if (!prompt)
        return Response.json({ detail: 'prompt must be a non-empty string' }, { status: 400 });
      const response = cache.query(caller.projectId, prompt);
      return Response.json(response === undefined ? { hit: false } : { hit: true, response });
    },

    async write(request) {
      const caller = await authenticateRequest(verifier, request, {
        projectId,
        scopes: ['cache:write'],
      });
      if (caller instanceof Response) return caller;
      const json = await jsonBody(request);
      if (!json) return invalidJson();
      const prompt = textField(json.body, 'prompt');
      const response = textField(json.body, 'response');
      if (!prompt || !response) {
        return Response.json(
          { detail: 'prompt and response must be non-empty strings' },
          { status: 400 },
        );
      }
      cache.write(caller.projectId, prompt, response);
      return Response.json(
        { stored: true, projectId: caller.projectId, by: caller.prefix },
        { status: 201 },
      );
    },
  };

  // Which handler answers a method and path (a Next.js app gets this from its folders).
  const table: Record<string, RouteHandler> = {
    'GET /health': routes.health,
    'POST /v1/cache/query': routes.query,
    'POST /v1/cache/write': routes.write,
  };
  const fetch: RouteHandler = async (request) => {
    const { pathname } = new URL(request.url);
    if (underPrefix(pathname, '/admin') !== undefined) return routes.admin(request);
    const route = table[`${request.method} ${pathname}`];
    if (route) return route(request);
    // Like the framework examples: an unknown route is a 404 for a caller with a key only.
    const caller = await authenticateRequest(verifier, request, { projectId });
    return caller instanceof Response ? caller : Response.json(NOT_FOUND, { status: 404 });
  };
  return { ...routes, fetch };
}
