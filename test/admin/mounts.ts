import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KeyStore, Verifier } from '@vectorcache/auth-core';
import * as expressAdmin from '@vectorcache/auth-express/admin';
import * as fastifyAdmin from '@vectorcache/auth-fastify/admin';
import * as honoAdmin from '@vectorcache/auth-hono/admin';
import * as koaAdmin from '@vectorcache/auth-koa/admin';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { bodyParser } from '@koa/bodyparser';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';

/** Every way the admin API is mounted in these tests. */
export type MountName =
  | 'express'
  | 'express+json'
  | 'koa'
  | 'koa+bodyparser'
  | 'fastify'
  | 'fastify+parser'
  | 'hono'
  | 'hono+json';
/** Each framework bare, and with the app's own body parser installed before the mount. */
export const MOUNTS: readonly MountName[] = [
  'express',
  'express+json',
  'koa',
  'koa+bodyparser',
  'fastify',
  'fastify+parser',
  'hono',
  'hono+json',
];

/** A running app with the admin API at `/admin`. */
export interface Mount {
  name: MountName;
  port: number;
  /** Errors that reached the framework's error handling (must stay empty). */
  errors: unknown[];
  close(): Promise<void>;
}

/** What the mount is built from: one store, or a verifier to share. */
export type MountSource = { store: KeyStore } | { verifier: Verifier };

function listening(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function closing(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Listens on a free loopback port; closing stops the server, then the admin mount. */
async function serve(
  name: MountName,
  server: Server,
  errors: unknown[],
  admin: { close(): Promise<void> },
): Promise<Mount> {
  const port = await listening(server);
  return {
    name,
    port,
    errors,
    close: async () => {
      server.closeAllConnections();
      await closing(server);
      await admin.close();
    },
  };
}

/** Starts an app of `name` with `vectorcacheAdmin(source)` at `/admin` and an app route beside it. */
export async function startMount(name: MountName, source: MountSource): Promise<Mount> {
  const errors: unknown[] = [];
  if (name === 'express' || name === 'express+json') {
    const admin = expressAdmin.vectorcacheAdmin({ ...source, storeTimeoutMs: 1000 });
    const app = express();
    if (name === 'express+json') app.use(express.json());
    app.use('/admin', admin);
    app.get('/app', (_req, res) => void res.json({ app: true }));
    app.use(((err, _req, res, _next) => {
      errors.push(err);
      res.status(500).end();
    }) as express.ErrorRequestHandler);
    return serve(name, createServer(app), errors, admin);
  }
  if (name === 'koa' || name === 'koa+bodyparser') {
    const admin = koaAdmin.vectorcacheAdmin({
      ...source,
      prefix: '/admin',
      storeTimeoutMs: 1000,
    });
    const app = new Koa();
    app.on('error', (err) => errors.push(err));
    // The mount goes first, as its README says: it reads its own bodies, and the parser serves
    // the app's other routes.
    app.use(admin);
    if (name === 'koa+bodyparser') app.use(bodyParser());
    app.use((ctx) => {
      if (ctx.path === '/app') ctx.body = { app: true };
    });
    return serve(name, createServer(app.callback()), errors, admin);
  }
  if (name === 'hono' || name === 'hono+json') {
    const admin = honoAdmin.vectorcacheAdmin({ ...source, storeTimeoutMs: 1000 });
    const app = new Hono();
    app.onError((err, c) => {
      errors.push(err);
      return c.body(null, 500);
    });
    if (name === 'hono+json') {
      // The app reads every JSON body first, as a body-parsing middleware does (Hono caches it).
      app.use(async (c, next) => {
        if (c.req.header('content-type')?.includes('json')) await c.req.json().catch(() => null);
        await next();
      });
    }
    app.route('/admin', admin);
    app.get('/app', (c) => c.json({ app: true }));
    return serve(name, createAdaptorServer({ fetch: app.fetch }) as Server, errors, admin);
  }
  const app = Fastify();
  app.setErrorHandler((err, _request, reply) => {
    errors.push(err);
    void reply.code(500).send();
  });
  if (name === 'fastify+parser') {
    // The app's own JSON parser in place of the built-in one, registered before the mount.
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser(
      'application/json',
      { parseAs: 'string', bodyLimit: 1024 * 1024 },
      (_request, text, done) => {
        try {
          done(null, JSON.parse(text as string));
        } catch (parseError) {
          done(Object.assign(parseError as Error, { statusCode: 400 }), undefined);
        }
      },
    );
  }
  await app.register(fastifyAdmin.vectorcacheAdmin, {
    ...source,
    prefix: '/admin',
    storeTimeoutMs: 1000,
  });
  app.post('/app', async (request) => ({ app: true, body: request.body }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    name,
    port: (app.server.address() as AddressInfo).port,
    errors,
    close: () => app.close(),
  };
}

/** One request as the tests send it. */
export interface Call {
  method: string;
  path: string;
  /** Header lines; a name given twice is sent twice. */
  headers?: Array<[string, string]>;
  body?: string | Buffer;
  /** Send the body chunked (no Content-Length). */
  chunked?: boolean;
}

/** An answer read off the socket. */
export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends one request over a real socket to 127.0.0.1:port and reads the whole answer. */
export function send(port: number, call: Call): Promise<Reply> {
  const lines: Array<[string, string]> = [['Host', `127.0.0.1:${port}`], ...(call.headers ?? [])];
  if (!call.chunked && (call.body !== undefined || call.method !== 'GET')) {
    lines.push([
      'Content-Length',
      String(call.body === undefined ? 0 : Buffer.byteLength(call.body)),
    ]);
  } else if (call.chunked) {
    lines.push(['Transfer-Encoding', 'chunked']);
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      method: call.method,
      path: call.path,
      agent: false,
      headers: lines.flat(),
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () =>
      req.destroy(new Error(`no answer to ${call.method} ${call.path}`)),
    );
    if (call.body !== undefined) req.write(call.body);
    req.end();
  });
}
