import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fastifyCors from '@fastify/cors';
import { createAdaptorServer } from '@hono/node-server';
import koaCors from '@koa/cors';
import Router from '@koa/router';
import cors from 'cors';
import express, { type ErrorRequestHandler } from 'express';
import Fastify from 'fastify';
import { Hono, type Handler, type MiddlewareHandler } from 'hono';
import { cors as honoCors } from 'hono/cors';
import Koa from 'koa';
import type { Principal, TokenIssuer } from '@vectorcache/auth-core';
import * as expressAuth from '@vectorcache/auth-express';
import * as fastifyAuth from '@vectorcache/auth-fastify';
import * as honoAuth from '@vectorcache/auth-hono';
import * as koaAuth from '@vectorcache/auth-koa';

/**
 * The one app builder of the adapter tests: each adapter's middleware in front of the routes a
 * suite asks for, listening on a real socket. Errors the framework's own error handling sees are
 * recorded and answered 500. The contract suite's app ({@link AdapterDriver.app}) has
 * `GET /health` and `GET /whoami`, answering the principal (or null), and `GET /write`, which
 * needs `cache:write` (the adapter's `requireScopes`).
 */
export interface AdapterApp {
  /** Where the app listens, for supertest. */
  readonly url: string;
  /** The port it listens on (127.0.0.1), for raw sockets. */
  readonly port: number;
  /** Errors that reached the framework's error handling. */
  readonly errors: unknown[];
  /** Closes the server, then the middleware (which closes a verifier it built). */
  close(): Promise<void>;
}

/** A route of a test app: the adapter's `requireScopes` in front when it has scopes. */
export interface TestRoute {
  /** @default 'GET' */
  method?: 'GET' | 'POST';
  path: string;
  /** Scopes the route requires (every one of them). */
  scopes?: readonly string[];
  /** The JSON the route answers, from the request's principal (`null` without one). */
  answer: (principal: Principal | null) => unknown;
}

/** What a test app is made of. */
export interface AppSpec {
  /**
   * Options of the auth middleware in front of every route; `undefined` builds it without an
   * argument (zero configuration); `false` leaves it out.
   */
  auth?: Record<string, unknown> | false;
  routes: readonly TestRoute[];
  /** Serves the adapter's key-for-token exchange at `POST /v1/auth/token` (JSON body). */
  exchange?: TokenIssuer;
  /**
   * The framework's maintained CORS handler, placed before the auth middleware as the README's
   * "Browsers (CORS)" section shows, allowing one origin.
   */
  cors?: CorsSpec;
}

/** What a test app's CORS handler allows. */
export interface CorsSpec {
  origin: string;
  /** Request headers a preflight allows. */
  allowHeaders: string[];
  /** Response headers a page may read. */
  exposeHeaders: string[];
}

/** A framework request, as the adapter hands it to `skip`, `projectId` and `onFailure`. */
export type FrameworkRequest = unknown;

/** One adapter as the suites drive it. */
export interface AdapterDriver {
  readonly name: string;
  /** An app of `spec`'s routes, listening on 127.0.0.1. */
  serve(spec: AppSpec): Promise<AdapterApp>;
  /** The contract's app with the middleware built from `options` (without an argument when undefined). */
  app(options?: Record<string, unknown>): Promise<AdapterApp>;
  /** The contract's `/write` (`requireScopes('cache:write')`) with no auth middleware in front. */
  unguarded(): Promise<AdapterApp>;
  /** Builds (or registers) the middleware; rejects as the adapter refuses bad options. */
  build(options: unknown): Promise<void>;
  /** Builds a route guard, throwing on a bad scope. */
  requireScopes(scope: string): unknown;
  /** The request path as the hooks receive it. */
  path(req: FrameworkRequest): string;
  /** A request header as the hooks receive it. */
  header(req: FrameworkRequest, name: string): string | undefined;
}

/** The routes of the contract suite's app. */
export const CONTRACT_ROUTES: readonly TestRoute[] = [
  { path: '/health', answer: (principal) => ({ ok: true, principal }) },
  { path: '/whoami', answer: (principal) => principal },
  { path: '/write', scopes: ['cache:write'], answer: () => ({ written: true }) },
];

function listening(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function closed(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * Serves a `node:http` server on 127.0.0.1 for one test; `close()` closes it (and its open
 * connections), then runs `after` (an example's or a middleware's own close).
 */
export async function served(
  server: Server,
  after?: () => Promise<void>,
  errors: unknown[] = [],
): Promise<AdapterApp> {
  const port = await listening(server);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    errors,
    async close() {
      await closed(server);
      await after?.();
    },
  };
}

type AnyOptions = never;

/** Reads a JSON body without a body-parser dependency (Koa). */
async function readJson(req: NodeJS.ReadableStream): Promise<unknown> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return text ? JSON.parse(text) : undefined;
}

/** The auth middleware of `auth` (see {@link AppSpec.auth}), built by the adapter's `vectorcacheAuth`. */
function middlewareOf<M>(
  auth: AppSpec['auth'],
  vectorcacheAuth: (options?: AnyOptions) => M,
): M | undefined {
  if (auth === false) return undefined;
  return auth ? vectorcacheAuth(auth as AnyOptions) : vectorcacheAuth();
}

/** An adapter from what differs between frameworks; the contract's two apps are built on `serve`. */
function driver<Name extends string>(
  parts: Omit<AdapterDriver, 'app' | 'unguarded'> & { readonly name: Name },
): AdapterDriver & { readonly name: Name } {
  return {
    ...parts,
    app: (options) => parts.serve({ auth: options, routes: CONTRACT_ROUTES }),
    unguarded: () => parts.serve({ auth: false, routes: [CONTRACT_ROUTES[2]!] }),
  };
}

export const expressDriver = driver({
  name: 'express',
  async serve({ auth, routes, exchange, cors: allow }) {
    const errors: unknown[] = [];
    const middleware = middlewareOf(auth, expressAuth.vectorcacheAuth);
    const app = express();
    if (allow) {
      app.use(
        cors({
          origin: [allow.origin],
          allowedHeaders: allow.allowHeaders,
          exposedHeaders: allow.exposeHeaders,
        }),
      );
    }
    if (middleware) app.use(middleware);
    if (exchange) app.post('/v1/auth/token', express.json(), expressAuth.tokenExchange(exchange));
    for (const route of routes) {
      const guards = route.scopes ? [expressAuth.requireScopes(...route.scopes)] : [];
      const method = route.method === 'POST' ? 'post' : 'get';
      app[method](route.path, ...guards, (req: express.Request, res: express.Response) => {
        res.json(route.answer(req.vectorcache ?? null));
      });
    }
    const record: ErrorRequestHandler = (err, _req, res, _next) => {
      errors.push(err);
      res.status(500).end();
    };
    app.use(record);
    // In development Express's final handler would print an error's stack into the page.
    app.set('env', 'development');
    return served(createServer(app), () => middleware?.close() ?? Promise.resolve(), errors);
  },
  async build(options) {
    expressAuth.vectorcacheAuth(options as AnyOptions);
  },
  requireScopes: (scope) => expressAuth.requireScopes(scope),
  path: (req) => (req as express.Request).path,
  header: (req, name) => (req as express.Request).get(name),
});

export const koaDriver = driver({
  name: 'koa',
  async serve({ auth, routes, exchange, cors: allow }) {
    const errors: unknown[] = [];
    const middleware = middlewareOf(auth, koaAuth.vectorcacheAuth);
    const app = new Koa();
    app.silent = true;
    app.on('error', (err) => errors.push(err));
    const router = new Router();
    if (exchange) {
      router.post(
        '/v1/auth/token',
        async (ctx, next) => {
          (ctx.request as { body?: unknown }).body = await readJson(ctx.req);
          await next();
        },
        koaAuth.tokenExchange(exchange),
      );
    }
    for (const route of routes) {
      const guards = route.scopes ? [koaAuth.requireScopes(...route.scopes)] : [];
      const method = route.method === 'POST' ? 'post' : 'get';
      router[method](route.path, ...guards, (ctx) => {
        // As JSON text: a `null` body would make Koa answer 204.
        ctx.type = 'application/json';
        ctx.body = JSON.stringify(route.answer(ctx.state.vectorcache ?? null));
      });
    }
    if (allow) {
      app.use(
        koaCors({
          origin: (ctx) => (ctx.get('Origin') === allow.origin ? allow.origin : ''),
          allowHeaders: allow.allowHeaders,
          exposeHeaders: allow.exposeHeaders,
        }),
      );
    }
    if (middleware) app.use(middleware);
    app.use(router.routes());
    return served(
      createServer(app.callback()),
      () => middleware?.close() ?? Promise.resolve(),
      errors,
    );
  },
  async build(options) {
    koaAuth.vectorcacheAuth(options as AnyOptions);
  },
  requireScopes: (scope) => koaAuth.requireScopes(scope),
  path: (req) => (req as Koa.Context).path,
  header: (req, name) => (req as Koa.Context).get(name) || undefined,
});

export const fastifyDriver = driver({
  name: 'fastify',
  async serve({ auth, routes, exchange, cors: allow }) {
    const errors: unknown[] = [];
    const app = Fastify();
    app.setErrorHandler((err, _req, reply) => {
      errors.push(err);
      void reply.status(500).send();
    });
    if (allow) {
      await app.register(fastifyCors, {
        origin: [allow.origin],
        allowedHeaders: allow.allowHeaders,
        exposedHeaders: allow.exposeHeaders,
      });
    }
    if (auth !== false) {
      await (auth
        ? app.register(fastifyAuth.vectorcacheAuth, auth as AnyOptions)
        : app.register(fastifyAuth.vectorcacheAuth));
    }
    if (exchange) app.post('/v1/auth/token', fastifyAuth.tokenExchange(exchange));
    for (const route of routes) {
      app.route({
        method: route.method ?? 'GET',
        url: route.path,
        ...(route.scopes ? { preHandler: fastifyAuth.requireScopes(...route.scopes) } : {}),
        handler: async (req) => route.answer(req.vectorcache ?? null),
      });
    }
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, port, errors, close: () => app.close() };
  },
  async build(options) {
    const app = Fastify();
    try {
      await app.register(fastifyAuth.vectorcacheAuth, options as AnyOptions).ready();
    } finally {
      await app.close().catch(() => undefined);
    }
  },
  requireScopes: (scope) => fastifyAuth.requireScopes(scope),
  path: (req) => (req as { url: string }).url.split('?')[0] ?? '',
  header: (req, name) => {
    const value = (req as { headers: Record<string, string | string[] | undefined> }).headers[
      name.toLowerCase()
    ];
    return Array.isArray(value) ? value[0] : value;
  },
});

/**
 * A Hono app of `routes` guarded by `middleware` (none when undefined); errors reaching
 * `app.onError` are recorded in `errors`.
 */
function honoApp(
  middleware: MiddlewareHandler | undefined,
  routes: readonly TestRoute[],
  errors: unknown[],
  extra: Pick<AppSpec, 'exchange' | 'cors'> = {},
): Hono {
  const { exchange, cors: allow } = extra;
  const app = new Hono();
  app.onError((err, c) => {
    errors.push(err);
    return c.text('broken', 500);
  });
  if (allow) {
    app.use(
      honoCors({
        origin: [allow.origin],
        allowHeaders: allow.allowHeaders,
        exposeHeaders: allow.exposeHeaders,
      }),
    );
  }
  if (middleware) app.use(middleware);
  if (exchange) app.post('/v1/auth/token', honoAuth.tokenExchange(exchange));
  for (const route of routes) {
    const method = route.method ?? 'GET';
    const answer: Handler = (c) => c.json(route.answer(c.get('vectorcache') ?? null));
    if (route.scopes) app.on(method, route.path, honoAuth.requireScopes(...route.scopes), answer);
    else app.on(method, route.path, answer);
  }
  return app;
}

/** The contract's Hono app guarded by `middleware`, for `app.request()` without a socket. */
export function honoAppWith(middleware: MiddlewareHandler, errors: unknown[] = []): Hono {
  return honoApp(middleware, CONTRACT_ROUTES, errors);
}

export const honoDriver = driver({
  name: 'hono',
  async serve({ auth, routes, exchange, cors: allow }) {
    const errors: unknown[] = [];
    const middleware = middlewareOf(auth, honoAuth.vectorcacheAuth);
    const app = honoApp(middleware, routes, errors, { exchange, cors: allow });
    return served(
      createAdaptorServer({ fetch: app.fetch }) as Server,
      () => middleware?.close() ?? Promise.resolve(),
      errors,
    );
  },
  async build(options) {
    honoAuth.vectorcacheAuth(options as AnyOptions);
  },
  requireScopes: (scope) => honoAuth.requireScopes(scope),
  path: (c) => (c as { req: { path: string } }).req.path,
  header: (c, name) => (c as { req: { header(n: string): string | undefined } }).req.header(name),
});

/** Every adapter: a fifth adapter is one driver and one entry here. */
export const ADAPTERS = [expressDriver, koaDriver, fastifyDriver, honoDriver] as const;

/** The name of an adapter of {@link ADAPTERS}: `express`, `koa`, ... */
export type AdapterName = (typeof ADAPTERS)[number]['name'];
