import type { Principal, Verifier } from '@vectorcache/auth-core';
import type { AuthOptions } from '@vectorcache/auth-core/adapter';
import type { Middleware, ParameterizedContext } from 'koa';

declare module 'koa' {
  interface DefaultState {
    /** The caller authenticated by `vectorcacheAuth()`; `undefined` on routes it skipped. */
    vectorcache?: Principal;
  }
}

/** The Koa context the middleware sees (what `projectId`, `skip` and `onFailure` receive). */
export type KoaAuthContext = ParameterizedContext;

/**
 * Options of {@link vectorcacheAuth}: core's `AuthOptions` with Koa's `ctx` as the request
 * seen by `projectId`, `skip` and `onFailure`.
 */
export type KoaAuthOptions = AuthOptions<KoaAuthContext>;

/** The middleware returned by `vectorcacheAuth()`, with the verifier it uses and a way to stop it. */
export interface VectorcacheMiddleware extends Middleware {
  /** The verifier checking keys: the one passed in `options.verifier`, or the one built. */
  readonly verifier: Verifier;
  /**
   * Flushes pending usage and releases the store, when the middleware built them; a verifier or
   * store passed in options is left open for its owner.
   */
  close(): Promise<void>;
}
