import { randomBytes } from 'node:crypto';
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
import {
  ADAPTERS as DRIVERS,
  type AdapterDriver,
  type AdapterName,
  type TestRoute,
} from '../../test-utils/adapter-apps';

export type { AdapterName };
/** Every adapter of `test-utils/adapter-apps.ts`, by name. */
export const ADAPTERS: readonly AdapterName[] = DRIVERS.map((driver) => driver.name);

/** The project every route of the fixture apps requires. */
export const PROJECT = 'proj_conformance';
/** The environment every fixture app declares. */
export const ENVIRONMENT = 'production';

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
  /** Active, right project, of another environment (`staging`) than the apps' (`production`). */
  otherEnvironment: string;
  /** Active, right project, of the apps' environment. */
  sameEnvironment: string;
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
  const staging = await manager.create({ projectId: PROJECT, name: 'st', environment: 'staging' });
  const production = await manager.create({
    projectId: PROJECT,
    name: 'prod',
    environment: ENVIRONMENT,
  });
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
    otherEnvironment: staging.key,
    sameEnvironment: production.key,
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

/**
 * Options every adapter gets: same store, same project and environment, a short store timeout
 * unless asked not to.
 */
function authOptions(store: KeyStore, start: StartOptions) {
  const hooks = { onFailure: start.onFailure, onEvent: start.onEvent };
  const route = { store, projectId: PROJECT, environment: ENVIRONMENT };
  return start.defaultTimeout ? { ...route, ...hooks } : { ...route, timeoutMs: 200, ...hooks };
}

const OK = { ok: true };

/** The fixture app's routes: one open to any key of the project, three behind scopes. */
const ROUTES: readonly TestRoute[] = [
  { path: '/', answer: () => OK },
  { path: '/read', scopes: ['cache:read'], answer: () => OK },
  { path: '/write', scopes: ['cache:write'], answer: () => OK },
  { path: '/admin', scopes: ['cache:write', 'keys:manage'], answer: () => OK },
];

async function start(
  driver: AdapterDriver & { readonly name: AdapterName },
  store: KeyStore,
  options: StartOptions,
): Promise<Target> {
  const app = await driver.serve({ auth: authOptions(store, options), routes: ROUTES });
  return { adapter: driver.name, port: app.port, errors: app.errors, close: () => app.close() };
}

/** Starts the same fixture app on every adapter, all reading `store`. */
export async function startAll(
  store: KeyStore,
  options: StartOptions = {},
): Promise<Record<AdapterName, Target>> {
  const targets = await Promise.all(DRIVERS.map((driver) => start(driver, store, options)));
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
