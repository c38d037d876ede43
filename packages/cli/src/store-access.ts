import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { describeStore, storeFromEnv, VectorcacheAuthError } from '@vectorcache/auth-core';
import type { KeyStore } from '@vectorcache/auth-core';
import { connectionFailureReason, DEFAULT_KEYS_FILE, withTimeout } from '@vectorcache/auth-core';
import { type RedisKeyStoreConstructor } from '@vectorcache/auth-core/adapter';
import { CliUsageError } from './errors';

/** What every command gets: its environment, output and clock. */
export interface Context {
  env: NodeJS.ProcessEnv;
  out: (text: string) => void;
  /** A warning line on stderr (never on stdout, which `--json` keeps pure). */
  warn: (text: string) => void;
  now: () => number;
  storeTimeoutMs: number;
  /** Opens the store to use instead of the environment's (embedding the CLI, tests). */
  openStore?: () => KeyStore;
  /** Set when the command created the folder of the embedded database. */
  createdFolder?: string;
}

/**
 * `RedisKeyStore` from the CLI's own dependency (a globally installed CLI's core would not find
 * it), loaded only when Redis is asked for: a command on the embedded database starts faster.
 * Required from this file (`__filename` is shimmed in the ESM build), so the CommonJS binary gets
 * the CommonJS build of the Redis package, with the same core.
 */
function redisStoreClass(): RedisKeyStoreConstructor {
  const mod = createRequire(__filename)('@vectorcache/auth-redis') as {
    RedisKeyStore: RedisKeyStoreConstructor;
  };
  return mod.RedisKeyStore;
}

type PostgresKeyStoreConstructor = NonNullable<
  NonNullable<Parameters<typeof storeFromEnv>[1]>['PostgresKeyStore']
>;

/** `PostgresKeyStore` from the CLI's own dependency, loaded only when PostgreSQL is asked for. */
function postgresStoreClass(): PostgresKeyStoreConstructor {
  const mod = createRequire(__filename)('@vectorcache/auth-postgres') as {
    PostgresKeyStore: PostgresKeyStoreConstructor;
  };
  return mod.PostgresKeyStore;
}

const usesRedis = (env: NodeJS.ProcessEnv): boolean =>
  Boolean(env.VECTORCACHE_REDIS_URL?.trim() || env.VECTORCACHE_REDIS_CLUSTER?.trim());
const usesPostgres = (env: NodeJS.ProcessEnv): boolean =>
  Boolean(env.VECTORCACHE_DATABASE_URL?.trim());

/**
 * The store the environment asks for, read exactly as the middleware reads it (which also
 * refuses PostgreSQL and Redis chosen at once).
 */
function openStore(env: NodeJS.ProcessEnv): KeyStore {
  return storeFromEnv(env, {
    RedisKeyStore: usesRedis(env) ? redisStoreClass() : undefined,
    PostgresKeyStore: usesPostgres(env) ? postgresStoreClass() : undefined,
  });
}

/** The embedded database the environment selects, or `undefined` on a server. */
function databaseFile(env: NodeJS.ProcessEnv): string | undefined {
  if (usesRedis(env) || usesPostgres(env)) return undefined;
  return resolve(env.VECTORCACHE_KEYS_FILE?.trim() || DEFAULT_KEYS_FILE);
}

/** Whether `err` says that an id names no key. */
function isUnknownId(err: unknown): boolean {
  return (
    (err instanceof VectorcacheAuthError && err.code === 'key_not_found') ||
    (err instanceof CliUsageError && err.message.startsWith('no key with id'))
  );
}

/** A driver's own failure (e.g. ioredis or pg while the server goes away) as a store error, in words. */
function storeFailure(ctx: Context, err: unknown): VectorcacheAuthError {
  const store = describeStore(ctx.env);
  const server = store.startsWith('Redis') || store.startsWith('PostgreSQL');
  const reason = server ? connectionFailureReason(err) : undefined;
  if (reason !== undefined) {
    const where = store
      .replace(/^Redis Cluster at /, 'the Redis Cluster at ')
      .replace(/ \((key prefix|schema) .*\)$/, '');
    return new VectorcacheAuthError(
      'store_unavailable',
      `Cannot connect to ${where} (${reason}); check that it runs and that the address is right.`,
      { cause: err },
    );
  }
  return new VectorcacheAuthError(
    'store_unavailable',
    `The ${server ? `key store (${store})` : store} failed: ${err instanceof Error ? err.message : String(err)}`,
    { cause: err },
  );
}

/**
 * Opens the store from the environment, runs `work` with it, and always closes it. Notes in
 * `ctx.createdFolder` when the embedded database's folder did not exist before and does now.
 */
export async function withStore<T>(
  ctx: Context,
  work: (store: KeyStore) => Promise<T>,
): Promise<T> {
  const file = ctx.openStore ? undefined : databaseFile(ctx.env);
  const fileExisted = file === undefined || existsSync(file);
  const folder = file === undefined ? undefined : dirname(file);
  const folderExisted = folder === undefined || existsSync(folder);
  const store = ctx.openStore ? ctx.openStore() : openStore(ctx.env);
  try {
    return await withTimeout(work(store), ctx.storeTimeoutMs, 'the command', 'storeTimeoutMs');
  } catch (err) {
    if (!fileExisted && isUnknownId(err)) {
      // Not "no key with id": there is no database here at all (another folder, a typo).
      throw new CliUsageError(
        `no key database at ${file}: the file does not exist, so it holds no key; run the command in the folder your keys were made in, or set VECTORCACHE_KEYS_FILE to their database`,
      );
    }
    if (err instanceof VectorcacheAuthError || err instanceof CliUsageError) throw err;
    throw storeFailure(ctx, err);
  } finally {
    await withTimeout(store.close(), ctx.storeTimeoutMs, 'the close', 'storeTimeoutMs').catch(
      () => undefined,
    );
    if (!folderExisted && existsSync(folder)) ctx.createdFolder = folder;
  }
}

/**
 * The last line of every human output: which store the command used, and that its folder was
 * created when this command created it (a mistyped `VECTORCACHE_KEYS_FILE` shows at once).
 */
export function storeLine(ctx: Context): string {
  const created =
    ctx.createdFolder === undefined ? '' : ` (new; its folder ${ctx.createdFolder} was created)`;
  return `\nKey store: ${describeStore(ctx.env)}${created}\n`;
}

/** Prints `value` as indented JSON. */
export function printJson(ctx: Context, value: unknown): void {
  ctx.out(`${JSON.stringify(value, null, 2)}\n`);
}
