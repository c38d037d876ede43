import type { Principal, Verifier } from '@vectorcache/auth-core';
import type { AuthOptions } from '@vectorcache/auth-core/adapter';
import type { ErrorRequestHandler, Request, RequestHandler } from 'express';

declare global {
  // Declaration merging is how Express lets middleware add typed properties to `req`.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /**
       * The caller authenticated by `vectorcacheAuth()`; `undefined` on routes it skipped.
       */
      vectorcache?: Principal;
    }
  }
}

/**
 * Options of {@link vectorcacheAuth}: core's `AuthOptions` with Express's `req` as the request
 * seen by `projectId`, `skip` and `onFailure`.
 */
export type ExpressAuthOptions = AuthOptions<Request>;

/** The middleware returned by `vectorcacheAuth()`, with the verifier it uses and a way to stop it. */
export interface VectorcacheMiddleware extends RequestHandler {
  /** The verifier checking keys: the one passed in `options.verifier`, or the one built. */
  readonly verifier: Verifier;
  /**
   * Flushes pending usage and releases the store, when the middleware built them; a verifier or
   * store passed in options is left open for its owner.
   */
  close(): Promise<void>;
}

/**
 * What `vectorcacheAdmin()` returns: the API's handler and, second, the handler that answers the
 * failures of an app-wide body parser for the admin's paths. `app.use('/admin', ...)` takes both.
 */
export interface VectorcacheAdminMiddleware extends Array<RequestHandler | ErrorRequestHandler> {
  /** The verifier authenticating the calls. */
  readonly verifier: Verifier;
  /** Flushes usage and releases the store, when this mount built them. */
  close(): Promise<void>;
}
