import { createAdminHandler, type AdminOptions } from '@vectorcache/auth-admin';
import { underPrefix, webAdminRequest } from '@vectorcache/auth-admin/adapter';
import { toWebResponse } from '@vectorcache/auth-core/adapter';
import { Hono, type Context } from 'hono';
import type { VectorcacheAdminApp } from './types';

/**
 * The management API (`@vectorcache/auth-admin`) as a Hono app, mounted with `app.route(path,
 * ...)`. Routing, authentication, body limits and JSON parsing are the admin package's, so its
 * answers are byte for byte those of every other mount. Without options it is configured from
 * the environment, as `vectorcacheAuth()`.
 *
 * @example
 * ```ts
 * const auth = vectorcacheAuth();
 * app.route('/admin', vectorcacheAdmin({ verifier: auth.verifier }));
 * app.use(auth);
 * ```
 */
export function vectorcacheAdmin(options?: AdminOptions): VectorcacheAdminApp {
  const admin = createAdminHandler(options);
  const app = new Hono();

  async function vectorcacheAdminRoute(c: Context): Promise<Response> {
    // The mount path is the matched route's, less the wildcard: `/admin/*` -> `/admin`.
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- `hono/route` only exists in recent 4.x; the peer range is ^4.0.0
    const base = c.req.routePath.replace(/\/?\*$/, '');
    const path = underPrefix(c.req.path, base) ?? c.req.path;
    // A body an app middleware already read (`c.req.json()`) is in Hono's cache, not the stream.
    const read = Object.keys(c.req.bodyCache).length > 0 || c.req.raw.bodyUsed;
    const request = webAdminRequest(c.req.raw, path, read ? () => c.req.arrayBuffer() : undefined);
    return toWebResponse(await admin.handle(request));
  }

  app.all('/', vectorcacheAdminRoute);
  app.all('/*', vectorcacheAdminRoute);
  return Object.assign(app, { verifier: admin.verifier, close: () => admin.close() });
}

export type { VectorcacheAdminApp } from './types';
export type { AdminOptions } from '@vectorcache/auth-admin';
