import { createAdminHandler, type AdminOptions } from '@vectorcache/auth-admin';
import {
  nodeAdminRequest,
  splitUrl,
  streamBody,
  underPrefix,
  type ReadableLike,
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
  // In this plugin's scope only: the body stays on the wire, read (bounded) and parsed by the
  // admin package once the route and the caller are known, whatever its content type.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  const prefix = fastify.prefix;

  async function vectorcacheAdminRoute(request: FastifyRequest, reply: FastifyReply) {
    const { path, query } = splitUrl(request.url);
    const url = `${underPrefix(path, prefix) ?? path}${query === '' ? '' : `?${query}`}`;
    const payload = request.body as ReadableLike | undefined;
    const answer = await admin.handle(
      nodeAdminRequest(request.raw, url, payload === undefined ? undefined : streamBody(payload)),
    );
    return writeAnswer(reply, answer);
  }

  fastify.all('/', vectorcacheAdminRoute);
  fastify.all('/*', vectorcacheAdminRoute);
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
