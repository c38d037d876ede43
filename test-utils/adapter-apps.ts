import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import express, { type ErrorRequestHandler } from 'express';
import Fastify from 'fastify';
import { Hono, type MiddlewareHandler } from 'hono';
import Koa from 'koa';
import * as expressAuth from '@vectorcache/auth-express';
import * as fastifyAuth from '@vectorcache/auth-fastify';
import * as honoAuth from '@vectorcache/auth-hono';
import * as koaAuth from '@vectorcache/auth-koa';

/**
 * The one app builder of the adapter tests: each adapter's middleware in front of the same routes,
 * listening on a real socket. `GET /health` and `GET /whoami` answer the principal (or null),
 * `GET /write` needs `cache:write` (the adapter's `requireScopes`). Errors the framework's own
 * error handling sees are recorded and answered 500.
 */
export interface AdapterApp {
  /** Where the app listens, for supertest. */
  readonly url: string;
  /** Errors that reached the framework's error handling. */
  readonly errors: unknown[];
  /** Closes the server, then the middleware (which closes a verifier it built). */
  close(): Promise<void>;
}

/** A framework request, as the adapter hands it to `skip`, `projectId` and `onFailure`. */
export type FrameworkRequest = unknown;

/** One adapter as the contract suite drives it. */
export interface AdapterDriver {
  readonly name: string;
  /** An app with the middleware built from `options` (called without an argument when undefined). */
  app(options?: Record<string, unknown>): Promise<AdapterApp>;
  /** An app whose `/write` has `requireScopes('cache:write')` and no auth middleware in front. */
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

function listening(server: Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    });
  });
}

function closed(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

async function nodeApp(
  server: Server,
  errors: unknown[],
  middleware: { close(): Promise<void> } | undefined,
): Promise<AdapterApp> {
  const url = await listening(server);
  return {
    url,
    errors,
    async close() {
      await closed(server);
      await middleware?.close();
    },
  };
}

type AnyOptions = never;

export const expressDriver: AdapterDriver = {
  name: 'express',
  async app(options) {
    const errors: unknown[] = [];
    const middleware = options
      ? expressAuth.vectorcacheAuth(options as AnyOptions)
      : expressAuth.vectorcacheAuth();
    const app = express();
    app.use(middleware);
    app.get('/health', (req, res) => {
      res.json({ ok: true, principal: req.vectorcache ?? null });
    });
    app.get('/whoami', (req, res) => {
      res.json(req.vectorcache ?? null);
    });
    app.get('/write', expressAuth.requireScopes('cache:write'), (_req, res) => {
      res.json({ written: true });
    });
    const record: ErrorRequestHandler = (err, _req, res, _next) => {
      errors.push(err);
      res.status(500).end();
    };
    app.use(record);
    // In development Express's final handler would print an error's stack into the page.
    app.set('env', 'development');
    return nodeApp(createServer(app), errors, middleware);
  },
  async unguarded() {
    const app = express();
    app.get('/write', expressAuth.requireScopes('cache:write'), (_req, res) => {
      res.json({ written: true });
    });
    return nodeApp(createServer(app), [], undefined);
  },
  async build(options) {
    expressAuth.vectorcacheAuth(options as AnyOptions);
  },
  requireScopes: (scope) => expressAuth.requireScopes(scope),
  path: (req) => (req as express.Request).path,
  header: (req, name) => (req as express.Request).get(name),
};

export const koaDriver: AdapterDriver = {
  name: 'koa',
  async app(options) {
    const errors: unknown[] = [];
    const middleware = options
      ? koaAuth.vectorcacheAuth(options as AnyOptions)
      : koaAuth.vectorcacheAuth();
    const app = new Koa();
    app.silent = true;
    app.on('error', (err) => errors.push(err));
    app.use(middleware);
    const write = koaAuth.requireScopes('cache:write');
    app.use(async (ctx, next) => {
      if (ctx.path === '/write') {
        return write(ctx, async () => {
          ctx.body = { written: true };
        });
      }
      if (ctx.path === '/health') {
        ctx.body = { ok: true, principal: ctx.state.vectorcache ?? null };
        return;
      }
      if (ctx.path === '/whoami') {
        ctx.body = ctx.state.vectorcache ?? 'null';
        ctx.type = 'application/json';
        return;
      }
      await next();
    });
    return nodeApp(createServer(app.callback()), errors, middleware);
  },
  async unguarded() {
    const app = new Koa();
    const write = koaAuth.requireScopes('cache:write');
    app.use((ctx) =>
      write(ctx, async () => {
        ctx.body = { written: true };
      }),
    );
    return nodeApp(createServer(app.callback()), [], undefined);
  },
  async build(options) {
    koaAuth.vectorcacheAuth(options as AnyOptions);
  },
  requireScopes: (scope) => koaAuth.requireScopes(scope),
  path: (req) => (req as Koa.Context).path,
  header: (req, name) => (req as Koa.Context).get(name) || undefined,
};

export const fastifyDriver: AdapterDriver = {
  name: 'fastify',
  async app(options) {
    const errors: unknown[] = [];
    const app = Fastify();
    app.setErrorHandler((err, _req, reply) => {
      errors.push(err);
      void reply.status(500).send();
    });
    await (options
      ? app.register(fastifyAuth.vectorcacheAuth, options as AnyOptions)
      : app.register(fastifyAuth.vectorcacheAuth));
    app.get('/health', async (req) => ({ ok: true, principal: req.vectorcache ?? null }));
    app.get('/whoami', async (req) => req.vectorcache ?? null);
    app.get('/write', { preHandler: fastifyAuth.requireScopes('cache:write') }, async () => ({
      written: true,
    }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      errors,
      close: () => app.close(),
    };
  },
  async unguarded() {
    const app = Fastify();
    app.get('/write', { preHandler: fastifyAuth.requireScopes('cache:write') }, async () => ({
      written: true,
    }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, errors: [], close: () => app.close() };
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
};

/**
 * The contract's Hono app guarded by `middleware`: `/health`, `/whoami` (the principal) and
 * `/write` (needs `cache:write`); errors reaching `app.onError` are recorded in `errors`.
 */
export function honoAppWith(middleware: MiddlewareHandler, errors: unknown[] = []): Hono {
  const app = new Hono();
  app.onError((err, c) => {
    errors.push(err);
    return c.text('broken', 500);
  });
  app.use(middleware);
  app.get('/health', (c) => c.json({ ok: true, principal: c.get('vectorcache') ?? null }));
  app.get('/whoami', (c) => c.json(c.get('vectorcache') ?? null));
  app.get('/write', honoAuth.requireScopes('cache:write'), (c) => c.json({ written: true }));
  return app;
}

export const honoDriver: AdapterDriver = {
  name: 'hono',
  async app(options) {
    const errors: unknown[] = [];
    const middleware = options
      ? honoAuth.vectorcacheAuth(options as AnyOptions)
      : honoAuth.vectorcacheAuth();
    const app = honoAppWith(middleware, errors);
    return nodeApp(createAdaptorServer({ fetch: app.fetch }) as Server, errors, middleware);
  },
  async unguarded() {
    const app = new Hono();
    app.get('/write', honoAuth.requireScopes('cache:write'), (c) => c.json({ written: true }));
    return nodeApp(createAdaptorServer({ fetch: app.fetch }) as Server, [], undefined);
  },
  async build(options) {
    honoAuth.vectorcacheAuth(options as AnyOptions);
  },
  requireScopes: (scope) => honoAuth.requireScopes(scope),
  path: (c) => (c as { req: { path: string } }).req.path,
  header: (c, name) => (c as { req: { header(n: string): string | undefined } }).req.header(name),
};

/** Every adapter: a fifth adapter is one driver and one entry here. */
export const ADAPTERS: readonly AdapterDriver[] = [
  expressDriver,
  koaDriver,
  fastifyDriver,
  honoDriver,
];
