import { createAdminHandler, type AdminBody, type AdminRequest } from '@vectorcache/auth-admin';
import { checkPrefix, failedBody, streamBody, underPrefix } from '@vectorcache/auth-admin/adapter';
import type { HttpAnswer } from '@vectorcache/auth-core/adapter';
import Koa, { type Next } from 'koa';
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

/** A mount that may answer a body parser's failure Koa is about to report for it. */
interface ParserFailureTaker {
  /** Starts the answer and returns `true` when the failure is this mount's to answer. */
  take(ctx: KoaAuthContext, err: unknown): boolean;
}

const takers = new Set<ParserFailureTaker>();
let hooked = false;

/**
 * An app-wide body parser run before the mount (`@koa/bodyparser`) throws on a body it cannot
 * parse, so the mount never runs and Koa would answer in plain text. Koa reports that error
 * through `ctx.onerror`; this wraps it (once, on Koa's base context) so that a failure of a
 * request under a mount of the same app goes to that mount, which answers it by the admin
 * package's rules, as every other mount does. Every other error keeps Koa's own handling.
 */
function hookParserFailures(): void {
  if (hooked) return;
  hooked = true;
  const base = Object.getPrototypeOf(new Koa().context) as {
    onerror: (this: KoaAuthContext, err: unknown) => void;
  };
  const original = base.onerror;
  base.onerror = function vectorcacheAdminOnerror(this: KoaAuthContext, err: unknown): void {
    if (err != null && !this.headerSent && this.writable) {
      for (const taker of takers) if (taker.take(this, err)) return;
    }
    original.call(this, err);
  };
}

/** Writes an answer on the raw response, where Koa's own response handling is already over. */
function writeRaw(ctx: KoaAuthContext, answer: HttpAnswer): void {
  const { res } = ctx;
  if (res.headersSent) return;
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  res.statusCode = answer.status;
  for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
  res.setHeader('content-length', Buffer.byteLength(answer.body));
  res.end(answer.body);
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
    writeAnswer(ctx, await admin.handle(adminRequest(ctx, path, bodyOf(ctx))));
  }

  const taker: ParserFailureTaker = {
    take(ctx, err) {
      const middleware = (ctx.app as { middleware?: unknown }).middleware;
      if (!Array.isArray(middleware) || !middleware.includes(vectorcacheAdminMiddleware)) {
        return false;
      }
      const path = underPrefix(ctx.path, prefix);
      const body = path === undefined ? undefined : failedBody(err);
      if (path === undefined || body === undefined) return false;
      void admin
        .handle(adminRequest(ctx, path, body))
        .then((answer) => writeRaw(ctx, answer))
        .catch((writeErr: unknown) => ctx.app.emit('error', writeErr, ctx));
      return true;
    },
  };
  hookParserFailures();
  takers.add(taker);

  return Object.assign(vectorcacheAdminMiddleware, {
    verifier: admin.verifier,
    close: () => {
      takers.delete(taker);
      return admin.close();
    },
  });
}
