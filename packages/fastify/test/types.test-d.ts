// Compiled by `pnpm typecheck`, never run: proves `request.vectorcache` is typed without casts.
import type { Principal } from '@vectorcache/auth-core';
import Fastify from 'fastify';
import { requireScopes, vectorcacheAuth, type FastifyAuthOptions } from '../src';
import { vectorcacheAdmin } from '../src/admin';

type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): T | void {}

const app = Fastify();
void app.register(vectorcacheAuth);
void app.register(vectorcacheAuth, {
  projectId: (request) => (request.params as { projectId?: string }).projectId,
  scopes: ['cache:read'],
  skip: (request) => request.url === '/health',
  onFailure: (failure, request) => ({ body: { error: failure.reason, url: request.url } }),
});

app.post('/v1/cache/write', { preHandler: requireScopes('cache:write') }, async (request) => {
  assertType<Equal<typeof request.vectorcache, Principal | undefined>>();
  // @ts-expect-error the principal is unset on skipped routes: it must be checked first
  void request.vectorcache.projectId;
  // @ts-expect-error the principal never carries the plaintext key
  void request.vectorcache?.key;
  const scopes: readonly string[] = request.vectorcache?.scopes ?? [];
  // @ts-expect-error the scopes are frozen at run time, and typed so
  request.vectorcache?.scopes.push('keys:manage');
  // What the key is for: environment and owner (null when unset), metadata a typed record.
  const environment: string | null | undefined = request.vectorcache?.environment;
  const ownerId: string | null | undefined = request.vectorcache?.ownerId;
  const plan: string | number | boolean | undefined = request.vectorcache?.meta?.plan;
  void [environment, ownerId, plan];
  // @ts-expect-error a meta value is a string, a number or a boolean, never an object
  const nested: object | undefined = request.vectorcache?.meta?.plan;
  void nested;
  const meta = request.vectorcache?.meta;
  // @ts-expect-error the metadata is read-only (frozen at run time)
  if (meta) meta.plan = 'free';
  return { project: request.vectorcache?.projectId, scopes };
});
app.get<{ Params: { id: string } }>(
  '/items/:id',
  { preHandler: [requireScopes('cache:read'), requireScopes('analytics:read')] },
  async (request) => ({ id: request.params.id, by: request.vectorcache?.keyId }),
);
app.addHook('preHandler', requireScopes('cache:read'));

const options: FastifyAuthOptions = { timeoutMs: 300 };
void options;

// @ts-expect-error projectId is a string or a function of the request
void app.register(vectorcacheAuth, { projectId: 42 });
// @ts-expect-error environment is a string (`production`)
vectorcacheAuth({ environment: 42 });
// @ts-expect-error skip must answer a boolean
void app.register(vectorcacheAuth, { skip: (request) => request.url });
// @ts-expect-error requireScopes takes the scopes as arguments, not an array
requireScopes(['cache:read']);

// The management API registers under a prefix.
void app.register(vectorcacheAdmin, { prefix: '/admin', timeoutMs: 300 });
// @ts-expect-error storeTimeoutMs is a number of milliseconds
void app.register(vectorcacheAdmin, { prefix: '/admin', storeTimeoutMs: '2s' });
