import type { Principal, Verifier } from '@vectorcache/auth-core';
import type { AuthOptions } from '@vectorcache/auth-core/adapter';
import type { Context, Hono, MiddlewareHandler } from 'hono';

declare module 'hono' {
  // Hono's own way to type `c.get(...)` for every app: `c.get('vectorcache')` needs no cast.
  interface ContextVariableMap {
    /** The caller authenticated by `vectorcacheAuth()`; `undefined` on routes it skipped. */
    vectorcache?: Principal;
  }
}

/**
 * Options of {@link vectorcacheAuth}: core's `AuthOptions` with Hono's context `c` as the request
 * seen by `projectId`, `skip` and `onFailure`.
 */
export type HonoAuthOptions = AuthOptions<Context>;

/** The middleware returned by `vectorcacheAuth()`, with the verifier it uses and a way to stop it. */
export interface VectorcacheMiddleware extends MiddlewareHandler {
  /** The verifier checking keys: the one passed in `options.verifier`, or the one built. */
  readonly verifier: Verifier;
  /**
   * Flushes pending usage and releases the store, when the middleware built them; a verifier or
   * store passed in options is left open for its owner.
   */
  close(): Promise<void>;
}

/** The app returned by `vectorcacheAdmin()`, mounted with `app.route('/admin', ...)`. */
export type VectorcacheAdminApp = Hono & {
  /** The verifier authenticating the calls. */
  readonly verifier: Verifier;
  /** Flushes usage and releases the store, when this mount built them. */
  close(): Promise<void>;
};
