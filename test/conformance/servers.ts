import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createKeyManager,
  generateApiKey,
  hashApiKey,
  keyPrefix,
  MemoryKeyStore,
  type AuthEvent,
  type AuthFailure,
  type KeyStore,
} from '@vectorcache/auth-core';
import type { FailureOverride } from '@vectorcache/auth-core/adapter';
import * as expressAuth from '@vectorcache/auth-express';
import * as fastifyAuth from '@vectorcache/auth-fastify';
import * as honoAuth from '@vectorcache/auth-hono';
import * as koaAuth from '@vectorcache/auth-koa';
import { createAdaptorServer } from '@hono/node-server';
import Router from '@koa/router';
import express, { type ErrorRequestHandler } from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';

export type AdapterName = 'express' | 'koa' | 'fastify' | 'hono';
export const ADAPTERS: readonly AdapterName[] = ['express', 'koa', 'fastify', 'hono'];

/** The project every route of the fixture apps requires. */
export const PROJECT = 'proj_conformance';

/** A fragment of the store error message that must never reach a response or a log. */
export const STORE_SECRET = 'hunter2';
const STORE_ERROR = `connect ECONNREFUSED redis://admin:${STORE_SECRET}@10.0.0.7:6379`;

/** A running app: its port, the errors its framework reported, and how to stop it. */
export interface Target {
  adapter: AdapterName;
  port: number;
  /** Errors that reached the framework's error handling (must stay empty). */
  errors: unknown[];
  close(): Promise<void>;
}

/** The keys of the fixture store. */
export interface Keys {
  /** Active, right project, `cache:read` only. */
  good: string;
  /** Active, another project. */
  otherProject: string;
  revoked: string;
  expired: string;
  /** Key format, never issued. */
  unknown: string;
}

/** A store whose every read rejects, as a Redis that is down would. */
export function downStore(): KeyStore {
  return Object.assign(new MemoryKeyStore(), {
    findByHash: async (): Promise<never> => {
      throw new Error(STORE_ERROR);
    },
  });
}

/** A store whose every read never answers, as a frozen Redis would; counts the reads. */
export function hangingStore(): KeyStore & { reads: number } {
  const store = Object.assign(new MemoryKeyStore(), { reads: 0 });
  return Object.assign(store, {
    findByHash: (): Promise<never> => {
      store.reads++;
      return new Promise<never>(() => undefined);
    },
  });
}

/** Fills a memory store with one key of each kind. */
export async function seedStore(store: KeyStore): Promise<Keys> {
  const manager = createKeyManager({ store });
  const good = await manager.create({ projectId: PROJECT, name: 'reader', scopes: ['cache:read'] });
  const other = await manager.create({ projectId: 'proj_other', name: 'other' });
  const revoked = await manager.create({ projectId: PROJECT, name: 'revoked' });
  await manager.revoke(revoked.record.id);
  const expired = generateApiKey();
  await store.insert({
    id: `key_${randomBytes(12).toString('hex')}`,
    projectId: PROJECT,
    name: 'expired',
    prefix: keyPrefix(expired),
    hash: hashApiKey(expired),
    scopes: ['cache:read'],
    createdAt: '2020-01-01T00:00:00.000Z',
    lastUsedAt: null,
    requestCount: 0,
    revokedAt: null,
    expiresAt: '2020-02-01T00:00:00.000Z',
  });
  return {
    good: good.key,
    otherProject: other.key,
    revoked: revoked.key,
    expired,
    unknown: generateApiKey(),
  };
}

/** How the fixture apps are built. */
export interface StartOptions {
  /** Leave `timeoutMs` out, so the documented default applies (else a short 200 ms). */
  defaultTimeout?: boolean;
  /** An `onFailure` hook for every adapter (the request is each framework's own). */
  onFailure?: (failure: AuthFailure, req: unknown) => FailureOverride | void;
  onEvent?: (event: AuthEvent) => void;
}

/** Options every adapter gets: same store, same project, a short store timeout unless asked not to. */
function authOptions(store: KeyStore, start: StartOptions) {
  const hooks = { onFailure: start.onFailure, onEvent: start.onEvent };
  return start.defaultTimeout
    ? { store, projectId: PROJECT, ...hooks }
    : { store, projectId: PROJECT, timeoutMs: 200, ...hooks };
}

const OK = { ok: true };

function listening(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function closing(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

async function startExpress(store: KeyStore, start: StartOptions): Promise<Target> {
  const errors: unknown[] = [];
  const auth = expressAuth.vectorcacheAuth(authOptions(store, start));
  const app = express();
  app.use(auth);
  app.get('/', (_req, res) => {
    res.json(OK);
  });
  app.get('/read', expressAuth.requireScopes('cache:read'), (_req, res) => {
    res.json(OK);
  });
  app.get('/write', expressAuth.requireScopes('cache:write'), (_req, res) => {
    res.json(OK);
  });
  app.get('/admin', expressAuth.requireScopes('cache:write', 'keys:manage'), (_req, res) => {
    res.json(OK);
  });
  const recordErrors: ErrorRequestHandler = (err, _req, res, _next) => {
    errors.push(err);
    res.status(500).end();
  };
  app.use(recordErrors);
  const server = createServer(app);
  const port = await listening(server);
  return {
    adapter: 'express',
    port,
    errors,
    close: async () => {
      await closing(server);
      await auth.close();
    },
  };
}

async function startKoa(store: KeyStore, start: StartOptions): Promise<Target> {
  const errors: unknown[] = [];
  const auth = koaAuth.vectorcacheAuth(authOptions(store, start));
  const app = new Koa();
  app.on('error', (err) => errors.push(err));
  const router = new Router();
  router.get('/', (ctx) => {
    ctx.body = OK;
  });
  router.get('/read', koaAuth.requireScopes('cache:read'), (ctx) => {
    ctx.body = OK;
  });
  router.get('/write', koaAuth.requireScopes('cache:write'), (ctx) => {
    ctx.body = OK;
  });
  router.get('/admin', koaAuth.requireScopes('cache:write', 'keys:manage'), (ctx) => {
    ctx.body = OK;
  });
  app.use(auth);
  app.use(router.routes());
  const server = createServer(app.callback());
  const port = await listening(server);
  return {
    adapter: 'koa',
    port,
    errors,
    close: async () => {
      await closing(server);
      await auth.close();
    },
  };
}

async function startFastify(store: KeyStore, start: StartOptions): Promise<Target> {
  const errors: unknown[] = [];
  const app = Fastify();
  app.setErrorHandler((err, _request, reply) => {
    errors.push(err);
    void reply.code(500).send();
  });
  await app.register(fastifyAuth.vectorcacheAuth, authOptions(store, start));
  app.get('/', async () => OK);
  app.get('/read', { preHandler: fastifyAuth.requireScopes('cache:read') }, async () => OK);
  app.get('/write', { preHandler: fastifyAuth.requireScopes('cache:write') }, async () => OK);
  app.get(
    '/admin',
    { preHandler: fastifyAuth.requireScopes('cache:write', 'keys:manage') },
    async () => OK,
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    adapter: 'fastify',
    port: (app.server.address() as AddressInfo).port,
    errors,
    close: () => app.close(),
  };
}

async function startHono(store: KeyStore, start: StartOptions): Promise<Target> {
  const errors: unknown[] = [];
  const auth = honoAuth.vectorcacheAuth(authOptions(store, start));
  const app = new Hono();
  app.onError((err, c) => {
    errors.push(err);
    return c.body(null, 500);
  });
  app.use(auth);
  app.get('/', (c) => c.json(OK));
  app.get('/read', honoAuth.requireScopes('cache:read'), (c) => c.json(OK));
  app.get('/write', honoAuth.requireScopes('cache:write'), (c) => c.json(OK));
  app.get('/admin', honoAuth.requireScopes('cache:write', 'keys:manage'), (c) => c.json(OK));
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  const port = await listening(server);
  return {
    adapter: 'hono',
    port,
    errors,
    close: async () => {
      await closing(server);
      await auth.close();
    },
  };
}

const STARTERS: Record<AdapterName, (store: KeyStore, start: StartOptions) => Promise<Target>> = {
  express: startExpress,
  koa: startKoa,
  fastify: startFastify,
  hono: startHono,
};

/** Starts the same fixture app on every adapter, all reading `store`. */
export async function startAll(
  store: KeyStore,
  start: StartOptions = {},
): Promise<Record<AdapterName, Target>> {
  const targets = await Promise.all(ADAPTERS.map((adapter) => STARTERS[adapter](store, start)));
  return Object.fromEntries(targets.map((t) => [t.adapter, t])) as Record<AdapterName, Target>;
}

/**
 * For a suite: the fixture apps on every adapter over one seeded memory store, started before
 * its tests and closed after them.
 */
export function seededApps(): { keys: () => Keys; targets: () => Record<AdapterName, Target> } {
  let keys: Keys;
  let targets: Record<AdapterName, Target>;
  beforeAll(async () => {
    const store = new MemoryKeyStore();
    keys = await seedStore(store);
    targets = await startAll(store);
  });
  afterAll(async () => {
    await Promise.all(Object.values(targets ?? {}).map((t) => t.close()));
  });
  return { keys: () => keys, targets: () => targets };
}
