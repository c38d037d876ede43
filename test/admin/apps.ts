import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createVerifier,
  type AuthEvent,
  type KeyStore,
  type Verifier,
} from '@vectorcache/auth-core';
import * as expressAdapter from '@vectorcache/auth-express';
import * as expressAdmin from '@vectorcache/auth-express/admin';
import * as fastifyAdapter from '@vectorcache/auth-fastify';
import * as fastifyAdmin from '@vectorcache/auth-fastify/admin';
import * as honoAdapter from '@vectorcache/auth-hono';
import * as honoAdmin from '@vectorcache/auth-hono/admin';
import * as koaAdapter from '@vectorcache/auth-koa';
import * as koaAdmin from '@vectorcache/auth-koa/admin';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';

export type Framework = 'express' | 'koa' | 'fastify' | 'hono';
export const FRAMEWORKS: readonly Framework[] = ['express', 'koa', 'fastify', 'hono'];

/** A service: `/admin` is the management API; `/read` needs cache:read, `/write` cache:write. */
export interface Service {
  port: number;
  verifier: Verifier;
  events: AuthEvent[];
  close(): Promise<void>;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/**
 * Starts a service on `framework` whose auth middleware and admin mount share one verifier on
 * `store` (usage flushed only when asked, so counts are exact at a flush).
 */
export async function startService(framework: Framework, store: KeyStore): Promise<Service> {
  const events: AuthEvent[] = [];
  const verifier = createVerifier({
    store,
    usage: { flushIntervalMs: 3_600_000 },
    onEvent: (event) => events.push(event),
  });
  const isAdmin = (path: string): boolean => path === '/admin' || path.startsWith('/admin/');
  let stop: () => Promise<void>;
  let port: number;
  if (framework === 'express') {
    const app = express();
    app.use('/admin', expressAdmin.vectorcacheAdmin({ verifier }));
    app.use(expressAdapter.vectorcacheAuth({ verifier }));
    app.get('/read', expressAdapter.requireScopes('cache:read'), (_req, res) => void res.json({}));
    app.get(
      '/write',
      expressAdapter.requireScopes('cache:write'),
      (_req, res) => void res.json({}),
    );
    const server = createServer(app);
    port = await listen(server);
    stop = () => new Promise((resolve) => server.close(() => resolve()));
  } else if (framework === 'koa') {
    const app = new Koa();
    app.use(koaAdmin.vectorcacheAdmin({ verifier, prefix: '/admin' }));
    app.use(koaAdapter.vectorcacheAuth({ verifier }));
    const read = koaAdapter.requireScopes('cache:read');
    const write = koaAdapter.requireScopes('cache:write');
    app.use(async (ctx, next) => {
      const guard = ctx.path === '/read' ? read : ctx.path === '/write' ? write : undefined;
      if (!guard) return next();
      await guard(ctx, async () => {
        ctx.body = {};
      });
    });
    const server = createServer(app.callback());
    port = await listen(server);
    stop = () => new Promise((resolve) => server.close(() => resolve()));
  } else if (framework === 'hono') {
    const app = new Hono();
    app.route('/admin', honoAdmin.vectorcacheAdmin({ verifier }));
    app.use(honoAdapter.vectorcacheAuth({ verifier, skip: (c) => isAdmin(c.req.path) }));
    app.get('/read', honoAdapter.requireScopes('cache:read'), (c) => c.json({}));
    app.get('/write', honoAdapter.requireScopes('cache:write'), (c) => c.json({}));
    const server = createAdaptorServer({ fetch: app.fetch }) as Server;
    port = await listen(server);
    stop = () => new Promise((resolve) => server.close(() => resolve()));
  } else {
    const app = Fastify();
    await app.register(fastifyAdmin.vectorcacheAdmin, { verifier, prefix: '/admin' });
    await app.register(fastifyAdapter.vectorcacheAuth, {
      verifier,
      skip: (request) => isAdmin(request.url.split('?')[0]!),
    });
    app.get('/read', { preHandler: fastifyAdapter.requireScopes('cache:read') }, async () => ({}));
    app.get(
      '/write',
      { preHandler: fastifyAdapter.requireScopes('cache:write') },
      async () => ({}),
    );
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
    stop = () => app.close();
  }
  return {
    port,
    verifier,
    events,
    close: async () => {
      await stop();
      await verifier.close();
    },
  };
}
