// Compiled by `pnpm typecheck`, never run: proves `ctx.state.vectorcache` is typed without casts.
import type { Principal, Verifier } from '@vectorcache/auth-core';
import Router from '@koa/router';
import Koa, { type Middleware } from 'koa';
import {
  requireScopes,
  vectorcacheAuth,
  type KoaAuthOptions,
  type VectorcacheMiddleware,
} from '../src';
import { vectorcacheAdmin } from '../src/admin';

type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): T | void {}

const app = new Koa();
const auth: VectorcacheMiddleware = vectorcacheAuth();
app.use(auth);
app.use(
  vectorcacheAuth({
    projectId: (ctx) => ctx.get('x-project'),
    scopes: ['cache:read'],
    skip: (ctx) => ctx.path === '/health',
    onFailure: (failure, ctx) => ({ body: { error: failure.reason, path: ctx.path } }),
  }),
);
app.use(async (ctx, next) => {
  assertType<Equal<typeof ctx.state.vectorcache, Principal | undefined>>();
  const project: string | undefined = ctx.state.vectorcache?.projectId;
  // @ts-expect-error the principal is unset on skipped routes: it must be checked first
  void ctx.state.vectorcache.projectId;
  // @ts-expect-error the principal never carries the plaintext key
  void ctx.state.vectorcache?.key;
  // @ts-expect-error the principal is a Principal, not a string
  ctx.state.vectorcache = 'vc_1234';
  ctx.body = { project };
  await next();
});

const router = new Router();
router.post('/v1/cache/write', requireScopes('cache:write'), (ctx) => {
  const scopes: readonly string[] = ctx.state.vectorcache?.scopes ?? [];
  // @ts-expect-error the scopes are frozen at run time, and typed so
  ctx.state.vectorcache?.scopes.push('keys:manage');
  // What the key is for: environment and owner (null when unset), metadata a typed record.
  const environment: string | null | undefined = ctx.state.vectorcache?.environment;
  const ownerId: string | null | undefined = ctx.state.vectorcache?.ownerId;
  const plan: string | number | boolean | undefined = ctx.state.vectorcache?.meta?.plan;
  void [environment, ownerId, plan];
  // @ts-expect-error a meta value is a string, a number or a boolean, never an object
  const nested: object | undefined = ctx.state.vectorcache?.meta?.plan;
  void nested;
  const meta = ctx.state.vectorcache?.meta;
  // @ts-expect-error the metadata is read-only (frozen at run time)
  if (meta) meta.plan = 'free';
  ctx.body = { scopes };
});
app.use(router.routes());

const guard: Middleware = requireScopes('cache:read', 'analytics:read');
const verifier: Verifier = auth.verifier;
const closing: Promise<void> = auth.close();
const options: KoaAuthOptions = { verifier };
void [guard, closing, options];

// @ts-expect-error projectId is a string or a function of the context
vectorcacheAuth({ projectId: 42 });
// @ts-expect-error environment is a string (`production`)
vectorcacheAuth({ environment: 42 });
// @ts-expect-error an unknown option (typo) is refused
vectorcacheAuth({ skipp: () => true });
// @ts-expect-error skip must answer a boolean
vectorcacheAuth({ skip: (ctx) => ctx.path });
// @ts-expect-error requireScopes takes the scopes as arguments, not an array
requireScopes(['cache:read']);

// The management API mounts in one line, under a prefix, sharing the verifier.
app.use(vectorcacheAdmin({ prefix: '/admin', verifier: auth.verifier }));
// @ts-expect-error the prefix is a path string
vectorcacheAdmin({ prefix: 42 });
