// Compiled by `pnpm typecheck`, never run: proves `c.get('vectorcache')` is typed without casts.
import type { Principal, Verifier } from '@vectorcache/auth-core';
import { Hono, type MiddlewareHandler } from 'hono';
import {
  requireScopes,
  vectorcacheAuth,
  type HonoAuthOptions,
  type VectorcacheMiddleware,
} from '../src';
import { vectorcacheAdmin } from '../src/admin';

type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): T | void {}

const app = new Hono();
const auth: VectorcacheMiddleware = vectorcacheAuth();
app.use(auth);
app.use(
  '/v1/*',
  vectorcacheAuth({
    projectId: (c) => c.req.header('x-project'),
    scopes: ['cache:read'],
    scopeMode: 'any',
    skip: (c) => c.req.path === '/health',
    onFailure: (failure, c) => ({ body: { error: failure.reason, path: c.req.path } }),
  }),
);
app.use(vectorcacheAuth({ projectId: async () => 'proj_1', skip: async () => false }));

app.post('/v1/cache/write', requireScopes('cache:write', 'cache:read'), (c) => {
  const principal = c.get('vectorcache');
  assertType<Equal<typeof principal, Principal | undefined>>();
  assertType<Equal<typeof c.var.vectorcache, Principal | undefined>>();
  const project: string | undefined = principal?.projectId;
  const scopes: readonly string[] = principal?.scopes ?? [];
  // @ts-expect-error the scopes are frozen at run time, and typed so
  principal?.scopes.push('keys:manage');
  // What the key is for: environment and owner (null when unset), metadata a typed record.
  const environment: string | null | undefined = principal?.environment;
  const ownerId: string | null | undefined = principal?.ownerId;
  const plan: string | number | boolean | undefined = principal?.meta?.plan;
  void [environment, ownerId, plan];
  // @ts-expect-error a meta value is a string, a number or a boolean, never an object
  const nested: object | undefined = principal?.meta?.plan;
  void nested;
  const meta = principal?.meta;
  // @ts-expect-error the metadata is read-only (frozen at run time)
  if (meta) meta.plan = 'free';
  // @ts-expect-error the principal is unset on skipped routes: it must be checked first
  void c.get('vectorcache').projectId;
  // @ts-expect-error the principal never carries the plaintext key
  void principal?.key;
  // @ts-expect-error the principal is a Principal, not a string
  c.set('vectorcache', 'vc_1234');
  return c.json({ project, scopes });
});

// An app with its own typed variables still sees the principal.
const typed = new Hono<{ Variables: { requestId: string } }>();
typed.use(auth);
typed.get('/', requireScopes('cache:read'), (c) => {
  const requestId: string = c.get('requestId');
  const principal = c.get('vectorcache');
  assertType<Equal<typeof principal, Principal | undefined>>();
  return c.json({ requestId, project: principal?.projectId });
});

const guard: MiddlewareHandler = requireScopes('cache:read', 'analytics:read');
const verifier: Verifier = auth.verifier;
const closing: Promise<void> = auth.close();
const options: HonoAuthOptions = { verifier };
void [guard, closing, options];

// @ts-expect-error projectId is a string or a function of the context
vectorcacheAuth({ projectId: 42 });
// @ts-expect-error environment is a string (`production`)
vectorcacheAuth({ environment: 42 });
// @ts-expect-error scopeMode is 'all' or 'any'
vectorcacheAuth({ scopeMode: 'some' });
// @ts-expect-error an unknown option (typo) is refused
vectorcacheAuth({ projectID: 'proj_1' });
// @ts-expect-error skip must answer a boolean
vectorcacheAuth({ skip: (c) => c.req.path });
// @ts-expect-error requireScopes takes the scopes as arguments, not an array
requireScopes(['cache:read']);

// The management API mounts in one line with app.route, sharing the verifier.
app.route('/admin', vectorcacheAdmin({ verifier: vectorcacheAuth().verifier }));
// @ts-expect-error storeTimeoutMs is a number of milliseconds
vectorcacheAdmin({ storeTimeoutMs: '2s' });
