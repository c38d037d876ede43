// Compiled by `pnpm typecheck`, never run: proves `req.vectorcache` is typed without casts.
import type { Principal, Verifier } from '@vectorcache/auth-core';
import express, { type RequestHandler } from 'express';
import {
  requireScopes,
  vectorcacheAuth,
  type ExpressAuthOptions,
  type VectorcacheMiddleware,
} from '../src';
import { vectorcacheAdmin } from '../src/admin';

type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): T | void {}

const app = express();
const auth: VectorcacheMiddleware = vectorcacheAuth();
app.use(auth);
app.use(
  vectorcacheAuth({
    projectId: (req) => req.get('x-project'),
    scopes: ['cache:read'],
    scopeMode: 'any',
    skip: (req) => req.path === '/health',
    onFailure: (failure, req) => ({ body: { error: failure.reason, path: req.path } }),
  }),
);
app.use(vectorcacheAuth({ projectId: async () => 'proj_1', skip: async () => false }));

app.post('/v1/cache/write', requireScopes('cache:write', 'cache:read'), (req, res) => {
  assertType<Equal<typeof req.vectorcache, Principal | undefined>>();
  const project: string | undefined = req.vectorcache?.projectId;
  const scopes: readonly string[] = req.vectorcache?.scopes ?? [];
  // @ts-expect-error the scopes are frozen at run time, and typed so
  req.vectorcache?.scopes.push('keys:manage');
  // What the key is for: environment and owner (null when unset), metadata a typed record.
  const environment: string | null | undefined = req.vectorcache?.environment;
  const ownerId: string | null | undefined = req.vectorcache?.ownerId;
  const plan: string | number | boolean | undefined = req.vectorcache?.meta?.plan;
  void [environment, ownerId, plan];
  // @ts-expect-error a meta value is a string, a number or a boolean, never an object
  const nested: object | undefined = req.vectorcache?.meta?.plan;
  void nested;
  const meta = req.vectorcache?.meta;
  // @ts-expect-error the metadata is read-only (frozen at run time)
  if (meta) meta.plan = 'free';
  res.json({ project, scopes });
  // @ts-expect-error the principal is unset on skipped routes: it must be checked first
  void req.vectorcache.projectId;
  // @ts-expect-error the principal never carries the plaintext key
  void req.vectorcache?.key;
});

const guard: RequestHandler = requireScopes('cache:read');
const verifier: Verifier = auth.verifier;
const closing: Promise<void> = auth.close();
const options: ExpressAuthOptions = { verifier };
void [guard, closing, options];

// @ts-expect-error projectId is a string or a function of the request
vectorcacheAuth({ projectId: 42 });
// @ts-expect-error environment is a string (`production`)
vectorcacheAuth({ environment: 42 });
// @ts-expect-error scopeMode is 'all' or 'any'
vectorcacheAuth({ scopeMode: 'some' });
// @ts-expect-error an unknown option (typo) is refused
vectorcacheAuth({ projectID: 'proj_1' });
// @ts-expect-error skip must answer a boolean
vectorcacheAuth({ skip: (req) => req.path });
// @ts-expect-error requireScopes takes the scopes as arguments, not an array
requireScopes(['cache:read']);

// The management API mounts in one line, sharing the verifier.
app.use('/admin', vectorcacheAdmin({ verifier: auth.verifier }));
const adminClosing: Promise<void> = vectorcacheAdmin().close();
void adminClosing;
// @ts-expect-error the admin's projectId is a string (its caller's project is its key's)
vectorcacheAdmin({ projectId: () => 'p' });
