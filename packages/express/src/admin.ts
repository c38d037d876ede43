import { createAdminHandler, type AdminBody, type AdminOptions } from '@vectorcache/auth-admin';
import { failedBody, nodeAdminRequest, streamBody } from '@vectorcache/auth-admin/adapter';
import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express';
import { writeAnswer } from './middleware';
import type { VectorcacheAdminMiddleware } from './types';

/** The body as Express has it: parsed by the app's own parser (`express.json()`), or unread. */
function bodyOf(req: Request): AdminBody {
  return req.readableEnded || req.body !== undefined
    ? { kind: 'parsed', value: req.body as unknown }
    : streamBody(req);
}

/**
 * The management API (`@vectorcache/auth-admin`) as Express middleware, mounted in one line.
 * Routing, authentication, body limits and JSON parsing are the admin package's, so its answers
 * are byte for byte those of every other mount, with or without `express.json()` before it (the
 * second handler of the pair turns that parser's failures into the API's own answers). Without
 * options it is configured from the environment, as `vectorcacheAuth()`.
 *
 * @example
 * ```ts
 * const auth = vectorcacheAuth();
 * app.use('/admin', vectorcacheAdmin({ verifier: auth.verifier }));
 * app.use(auth);
 * ```
 */
export function vectorcacheAdmin(options?: AdminOptions): VectorcacheAdminMiddleware {
  const admin = createAdminHandler(options);

  function vectorcacheAdminHandler(req: Request, res: Response, next: NextFunction): void {
    admin
      .handle(nodeAdminRequest(req, req.url, bodyOf(req)))
      .then((a) => writeAnswer(res, a), next);
  }

  const vectorcacheAdminBodyErrors: ErrorRequestHandler = (err, req, res, next) => {
    const body = failedBody(err);
    if (body === undefined) return next(err);
    admin.handle(nodeAdminRequest(req, req.url, body)).then((a) => writeAnswer(res, a), next);
  };

  const pair: [typeof vectorcacheAdminHandler, ErrorRequestHandler] = [
    vectorcacheAdminHandler,
    vectorcacheAdminBodyErrors,
  ];
  return Object.assign(pair, {
    verifier: admin.verifier,
    close: () => admin.close(),
  });
}

export type { VectorcacheAdminMiddleware } from './types';
export type { AdminOptions } from '@vectorcache/auth-admin';
