import type { Principal } from '@vectorcache/auth-core';
import type { AuthOptions } from '@vectorcache/auth-core/adapter';
import type { FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller authenticated by the `vectorcacheAuth` plugin; `undefined` on skipped routes. */
    vectorcache?: Principal;
  }
}

/**
 * Options of the {@link vectorcacheAuth} plugin: core's `AuthOptions` with Fastify's `request`
 * as the request seen by `projectId`, `skip` and `onFailure`.
 */
export type FastifyAuthOptions = AuthOptions<FastifyRequest>;
