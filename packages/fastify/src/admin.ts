import { createAdminHandler, type AdminOptions } from '@vectorcache/auth-admin';
import {
  nodeAdminRequest,
  splitUrl,
  streamBody,
  underPrefix,
} from '@vectorcache/auth-admin/adapter';
import { writeAnswer } from './plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

async function vectorcacheAdminPlugin(
  fastify: FastifyInstance,
  options: AdminOptions & { prefix?: string },
): Promise<void> {
  const { prefix: _prefix, ...adminOptions } = options;
  const admin = createAdminHandler(adminOptions);
  fastify.addHook('onClose', async () => admin.close());
  const prefix = fastify.prefix;

  // The whole request is answered in `onRequest`, before Fastify looks at the body: its own
  // Content-Type checks (an empty or malformed header is a 415) would otherwise answer before the
  // caller is authenticated. The body stays on the wire, read (bounded) and parsed by the admin
  // package once the route and the caller are known, whatever its content type.
  async function vectorcacheAdminRoute(request: FastifyRequest, reply: FastifyReply) {
    const { path, query } = splitUrl(request.url);
    const url = `${underPrefix(path, prefix) ?? path}${query === '' ? '' : `?${query}`}`;
    const answer = await admin.handle(nodeAdminRequest(request.raw, url, streamBody(request.raw)));
    return writeAnswer(reply, answer);
  }
  // Never reached: `onRequest` has answered.
  const answered = async (_request: FastifyRequest, reply: FastifyReply) => reply;

  fastify.all('/', { onRequest: vectorcacheAdminRoute }, answered);
  fastify.all('/*', { onRequest: vectorcacheAdminRoute }, answered);
}

/**
 * The management API (`@vectorcache/auth-admin`) as a Fastify plugin, registered under a prefix
 * (encapsulated: its body handling applies to its routes only). Routing, authentication, body
 * limits and JSON parsing are the admin package's, so its answers are byte for byte those of
 * every other mount. Without options it is configured from the environment, as `vectorcacheAuth`.
 *
 * @example
 * ```ts
 * await app.register(vectorcacheAdmin, { prefix: '/admin' });
 * ```
 */
export const vectorcacheAdmin = vectorcacheAdminPlugin;

export type { AdminOptions } from '@vectorcache/auth-admin';
