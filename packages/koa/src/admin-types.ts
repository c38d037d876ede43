import type { AdminOptions } from '@vectorcache/auth-admin';
import type { Verifier } from '@vectorcache/auth-core';
import type { Middleware } from 'koa';

/** Options of {@link vectorcacheAdmin}: the admin's options and the path it is mounted at. */
export interface KoaAdminOptions extends AdminOptions {
  /** The mount path, e.g. `/admin`; every request under it is the API's. @default '' (the root) */
  prefix?: string;
}

/** The middleware returned by `vectorcacheAdmin()`. */
export interface VectorcacheAdminMiddleware extends Middleware {
  /** The verifier authenticating the calls. */
  readonly verifier: Verifier;
  /** Flushes usage and releases the store, when this mount built them. */
  close(): Promise<void>;
}
