import { hash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import bearerAuth from '@fastify/bearer-auth';
import { createAdaptorServer } from '@hono/node-server';
import {
  MemoryKeyStore,
  createKeyManager,
  createVerifier,
  generateApiKey,
  type KeyStore,
  type Verifier,
} from '@vectorcache/auth-core';
import { vectorcacheAuth as expressAuth } from '@vectorcache/auth-express';
import { vectorcacheAuth as fastifyAuth } from '@vectorcache/auth-fastify';
import { vectorcacheAuth as honoAuth } from '@vectorcache/auth-hono';
import { vectorcacheAuth as koaAuth } from '@vectorcache/auth-koa';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { bearerAuth as honoBearerAuth } from 'hono/bearer-auth';
import Koa from 'koa';
import { Passport } from 'passport';
import { HeaderAPIKeyStrategy } from 'passport-headerapikey';
import { MillionKeyStore } from './million-store';

export const FRAMEWORKS = ['express', 'koa', 'fastify', 'hono'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

export const VARIANTS = [
  'baseline',
  'noop',
  'vectorcache',
  'vectorcache-1m',
  'handwritten',
  'passport',
  'bearer-auth-1',
  'bearer-auth-10k',
] as const;
export type Variant = (typeof VARIANTS)[number];

/** A running benchmark server and the `Authorization` value its load must send. */
export interface BenchServer {
  port: number;
  authorization: string;
  close(): Promise<void>;
}

interface User {
  id: string;
}

const BODY = { hello: 'world' };
const DENIED = { detail: 'Invalid or missing API key' };
/** The hand-written check's header pattern. */
export const BEARER = /^Bearer (vc_[0-9a-f]{32})$/;

/** What a careful hand-written check does: regex, sha256, Map lookup. */
export function handCheck(table: Map<string, User>, header: string | undefined): User | undefined {
  if (header === undefined) return undefined;
  const match = BEARER.exec(header);
  return match ? table.get(hash('sha256', match[1]!)) : undefined;
}

/** One key in a Map keyed by its sha256, for the hand-written check and passport. */
function keyTable(): { key: string; table: Map<string, User> } {
  const key = generateApiKey();
  return { key, table: new Map([[hash('sha256', key), { id: 'user_1' }]]) };
}

/**
 * The middleware's options: the store, with every default (usage counted, flushed every second).
 * `BENCH_USAGE_FLUSH_MS` gives it a verifier flushing at that interval instead: the callgrind runs
 * set 10 minutes, since a request takes milliseconds under valgrind and a flush every second
 * would be charged to a few hundred requests instead of the tens of thousands a second sees here.
 */
function authOptions(store: KeyStore): { store: KeyStore } | { verifier: Verifier } {
  const flushIntervalMs = Number(process.env.BENCH_USAGE_FLUSH_MS);
  if (!flushIntervalMs) return { store };
  return { verifier: createVerifier({ store, usage: { flushIntervalMs } }) };
}

/** A store and one real key in it: a MemoryKeyStore, or a million records with `million`. */
async function vectorcacheStore(million: boolean): Promise<{ key: string; store: KeyStore }> {
  const store = million ? new MillionKeyStore(999_999) : new MemoryKeyStore();
  const { key } = await createKeyManager({ store }).create({ projectId: 'bench', name: 'bench' });
  return { key, store };
}

declare module 'fastify' {
  interface FastifyRequest {
    benchUser?: User;
  }
}

function listening(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function closer(server: Server): () => Promise<void> {
  return () => new Promise((resolve) => server.close(() => resolve()));
}

async function expressServer(variant: Variant): Promise<BenchServer> {
  const app = express();
  app.disable('x-powered-by');
  let key = generateApiKey();
  if (variant === 'noop') app.use((_req, _res, next) => next());
  if (variant === 'vectorcache' || variant === 'vectorcache-1m') {
    const built = await vectorcacheStore(variant === 'vectorcache-1m');
    key = built.key;
    app.use(expressAuth(authOptions(built.store)));
  }
  if (variant === 'handwritten') {
    const { key: k, table } = keyTable();
    key = k;
    app.use((req, res, next) => {
      const user = handCheck(table, req.headers.authorization);
      if (!user) {
        res.status(401).json(DENIED);
        return;
      }
      res.locals.user = user;
      next();
    });
  }
  if (variant === 'passport') {
    const { key: k, table } = keyTable();
    key = k;
    const passport = new Passport();
    passport.use(
      new HeaderAPIKeyStrategy(
        { header: 'Authorization', prefix: 'Bearer ' },
        false,
        (apiKey: string, done: (err: Error | null, user?: User | false) => void) => {
          done(null, table.get(hash('sha256', apiKey)) ?? false);
        },
      ),
    );
    app.use(passport.authenticate('headerapikey', { session: false }));
  }
  app.get('/', (_req, res) => {
    res.json(BODY);
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', () => resolve());
    server.once('error', reject);
  });
  return {
    port: (server.address() as AddressInfo).port,
    authorization: `Bearer ${key}`,
    close: closer(server),
  };
}

async function koaServer(variant: Variant): Promise<BenchServer> {
  const app = new Koa();
  let key = generateApiKey();
  if (variant === 'noop') app.use((_ctx, next) => next());
  if (variant === 'vectorcache' || variant === 'vectorcache-1m') {
    const built = await vectorcacheStore(variant === 'vectorcache-1m');
    key = built.key;
    app.use(koaAuth(authOptions(built.store)));
  }
  if (variant === 'handwritten') {
    const { key: k, table } = keyTable();
    key = k;
    app.use((ctx, next) => {
      const user = handCheck(table, ctx.headers.authorization);
      if (!user) {
        ctx.status = 401;
        ctx.body = DENIED;
        return undefined;
      }
      ctx.state.user = user;
      return next();
    });
  }
  app.use((ctx) => {
    ctx.body = BODY;
  });
  const server = createServer(app.callback());
  const port = await listening(server);
  return { port, authorization: `Bearer ${key}`, close: closer(server) };
}

async function fastifyServer(variant: Variant): Promise<BenchServer> {
  const app = Fastify({ logger: false });
  let key = generateApiKey();
  if (variant === 'noop') app.addHook('onRequest', (_req, _reply, done) => done());
  if (variant === 'vectorcache' || variant === 'vectorcache-1m') {
    const built = await vectorcacheStore(variant === 'vectorcache-1m');
    key = built.key;
    await app.register(fastifyAuth, authOptions(built.store));
  }
  if (variant === 'handwritten') {
    const { key: k, table } = keyTable();
    key = k;
    app.decorateRequest('benchUser', undefined);
    app.addHook('onRequest', (request, reply, done) => {
      const user = handCheck(table, request.headers.authorization);
      if (!user) {
        reply.code(401).send(DENIED);
        return;
      }
      request.benchUser = user;
      done();
    });
  }
  if (variant === 'bearer-auth-1' || variant === 'bearer-auth-10k') {
    const count = variant === 'bearer-auth-1' ? 1 : 10_000;
    const keys = Array.from({ length: count - 1 }, () => generateApiKey());
    keys.push(key); // last: findIndex scans every other key first, as for any unknown key
    await app.register(bearerAuth, { keys: new Set(keys) });
  }
  app.get('/', async () => BODY);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    port: (app.server.address() as AddressInfo).port,
    authorization: `Bearer ${key}`,
    close: () => app.close(),
  };
}

/** Hono on @hono/node-server, as a Node deployment of Hono runs. */
async function honoServer(variant: Variant): Promise<BenchServer> {
  const app = new Hono<{ Variables: { benchUser: User } }>();
  let key = generateApiKey();
  if (variant === 'noop') app.use((_c, next) => next());
  if (variant === 'vectorcache' || variant === 'vectorcache-1m') {
    const built = await vectorcacheStore(variant === 'vectorcache-1m');
    key = built.key;
    app.use(honoAuth(authOptions(built.store)));
  }
  if (variant === 'handwritten') {
    const { key: k, table } = keyTable();
    key = k;
    app.use(async (c, next) => {
      const user = handCheck(table, c.req.header('authorization'));
      if (!user) return c.json(DENIED, 401);
      c.set('benchUser', user);
      await next();
    });
  }
  if (variant === 'bearer-auth-1') app.use(honoBearerAuth({ token: key }));
  app.get('/', (c) => c.json(BODY));
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  const port = await listening(server);
  return { port, authorization: `Bearer ${key}`, close: closer(server) };
}

/** Builds and starts one benchmark server on 127.0.0.1 (an ephemeral port). */
export function startServer(framework: Framework, variant: Variant): Promise<BenchServer> {
  if (framework === 'express') return expressServer(variant);
  if (framework === 'koa') return koaServer(variant);
  if (framework === 'hono') return honoServer(variant);
  return fastifyServer(variant);
}
