import {
  checkPrefix,
  createAdminHandler,
  streamBody,
  underPrefix,
  type AdminBody,
} from '@vectorcache/auth-admin';
import type { Next } from 'koa';
import { writeAnswer } from './middleware';
import type { KoaAdminOptions, KoaAuthContext, VectorcacheAdminMiddleware } from './types';

/** The body as Koa has it: the raw text a body parser kept, what it parsed, or unread. */
function bodyOf(ctx: KoaAuthContext): AdminBody {
  const request = ctx.request as { body?: unknown; rawBody?: unknown };
  if (typeof request.rawBody === 'string') return { kind: 'bytes', bytes: request.rawBody };
  if (request.body !== undefined || ctx.req.readableEnded) {
    return { kind: 'parsed', value: request.body };
  }
  return streamBody(ctx.req);
}

/**
 * The management API (`@vectorcache/auth-admin`) as Koa middleware: it answers every request
 * under `prefix` and passes the others on. Routing, authentication, body limits and JSON parsing
 * are the admin package's, so its answers are byte for byte those of every other mount. Without
 * options it is configured from the environment, as `vectorcacheAuth()`.
 *
 * @example
 * ```ts
 * const auth = vectorcacheAuth();
 * app.use(vectorcacheAdmin({ prefix: '/admin', verifier: auth.verifier }));
 * app.use(auth);
 * ```
 */
export function vectorcacheAdmin(options: KoaAdminOptions = {}): VectorcacheAdminMiddleware {
  const { prefix: prefixOption, ...adminOptions } = options ?? {};
  const prefix = checkPrefix(prefixOption);
  const admin = createAdminHandler(adminOptions);

  async function vectorcacheAdminMiddleware(ctx: KoaAuthContext, next: Next): Promise<void> {
    const path = underPrefix(ctx.path, prefix);
    if (path === undefined) {
      await next();
      return;
    }
    const answer = await admin.handle({
      method: ctx.method,
      path,
      requestPath: ctx.path,
      query: ctx.querystring,
      headers: ctx.req.headers,
      rawHeaders: ctx.req.rawHeaders,
      body: bodyOf(ctx),
    });
    writeAnswer(ctx, answer);
  }

  return Object.assign(vectorcacheAdminMiddleware, {
    verifier: admin.verifier,
    close: () => admin.close(),
  });
}
