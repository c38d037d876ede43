import { createRequire } from 'node:module';
import { describeStore, storeFromEnv, VectorcacheAuthError } from '@vectorcache/auth-core';
import type { KeyStore } from '@vectorcache/auth-core';
import { withTimeout, type RedisKeyStoreConstructor } from '@vectorcache/auth-core/adapter';
import { CliUsageError } from './errors';

/** What every command gets: its environment, output and clock. */
export interface Context {
  env: NodeJS.ProcessEnv;
  out: (text: string) => void;
  now: () => number;
  storeTimeoutMs: number;
  /** Opens the store to use instead of the environment's (embedding the CLI, tests). */
  openStore?: () => KeyStore;
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

/** The store the environment asks for, read exactly as the middleware reads it. */
function openStore(env: NodeJS.ProcessEnv): KeyStore {
  if (!env.VECTORCACHE_REDIS_URL?.trim() && !env.VECTORCACHE_REDIS_CLUSTER?.trim()) {
    return storeFromEnv(env);
  }
  return storeFromEnv(env, { RedisKeyStore: redisStoreClass() });
}

/** Opens the store from the environment, runs `work` with it, and always closes it. */
export async function withStore<T>(
  ctx: Context,
  work: (store: KeyStore) => Promise<T>,
): Promise<T> {
  const store = ctx.openStore ? ctx.openStore() : openStore(ctx.env);
  try {
    return await withTimeout(work(store), ctx.storeTimeoutMs, 'the command', 'storeTimeoutMs');
  } catch (err) {
    if (err instanceof VectorcacheAuthError || err instanceof CliUsageError) throw err;
    // A driver's own error (e.g. ioredis while Redis is down) is a store failure, not a CLI bug.
    const which = ctx.env.VECTORCACHE_REDIS_CLUSTER?.trim()
      ? 'the Redis Cluster key store (VECTORCACHE_REDIS_CLUSTER)'
      : ctx.env.VECTORCACHE_REDIS_URL?.trim()
        ? 'the Redis key store (VECTORCACHE_REDIS_URL)'
        : `the ${describeStore(ctx.env)}`;
    throw new VectorcacheAuthError(
      'store_unavailable',
      `${which} failed: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  } finally {
    await withTimeout(store.close(), ctx.storeTimeoutMs, 'the close', 'storeTimeoutMs').catch(
      () => undefined,
    );
  }
}

/** The last line of every human output: which store the command used. */
export function storeLine(ctx: Context): string {
  return `\nKey store: ${describeStore(ctx.env)}\n`;
}

/** Prints `value` as indented JSON. */
export function printJson(ctx: Context, value: unknown): void {
  ctx.out(`${JSON.stringify(value, null, 2)}\n`);
}
