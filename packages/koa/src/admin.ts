import { createAdminHandler, type AdminBody, type AdminRequest } from '@vectorcache/auth-admin';
import { checkPrefix, streamBody, underPrefix } from '@vectorcache/auth-admin/adapter';
import type { Next } from 'koa';
import { writeAnswer } from './middleware';
import type { KoaAdminOptions, VectorcacheAdminMiddleware } from './admin-types';
import type { KoaAuthContext } from './types';

/** The body as Koa has it: the raw text a body parser kept, what it parsed, or unread. */
function bodyOf(ctx: KoaAuthContext): AdminBody {
  const request = ctx.request as { body?: unknown; rawBody?: unknown };
  if (typeof request.rawBody === 'string') return { kind: 'bytes', bytes: request.rawBody };
  if (request.body !== undefined || ctx.req.readableEnded) {
    return { kind: 'parsed', value: request.body };
  }
  return streamBody(ctx.req);
}

/** The admin request of a Koa context: the path under the mount, and the body as given. */
function adminRequest(ctx: KoaAuthContext, path: string, body: AdminBody): AdminRequest {
  return {
    method: ctx.method,
    path,
    requestPath: ctx.path,
    query: ctx.querystring,
    headers: ctx.req.headers,
    rawHeaders: ctx.req.rawHeaders,
    body,
  };
}

/**
 * The management API (`@vectorcache/auth-admin`) as Koa middleware: it answers every request
 * under `prefix` and passes the others on. Use it before an app-wide body parser, so that the API
 * reads its own bodies and answers a bad one with its JSON `detail`; behind a parser it reads the
 * raw text that parser kept, and a body the parser refuses keeps the parser's own answer. Routing, authentication, body limits and JSON parsing
 * are the admin package's, so its answers are byte for byte those of every other mount. Without
 * options it is configured from the environment, as `vectorcacheAuth()`.
 *
 * @example
 * ```ts
 * const auth = vectorcacheAuth();
 * app.use(vectorcacheAdmin({ prefix: '/admin', verifier: auth.verifier }));
 * app.use(bodyParser());
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
    writeAnswer(ctx, await admin.handle(adminRequest(ctx, path, bodyOf(ctx))));
    // Not `next()`: under its prefix the mount answers every request, so a body parser used
    // after it never reads (nor refuses) a body of the API's.
  }

  return Object.assign(vectorcacheAdminMiddleware, {
    verifier: admin.verifier,
    close: () => admin.close(),
  });
}

export type { KoaAdminOptions, VectorcacheAdminMiddleware } from './admin-types';
export type { AdminOptions } from '@vectorcache/auth-admin';
