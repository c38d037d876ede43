import { resolve } from 'node:path';

/**
 * The examples' default key database: the repository's `.vectorcache/keys.db`, the file
 * `vectorcache-keys` uses when run at the repository root. Resolved from this file, not from the
 * working directory, so an example started from its own folder sees the same keys.
 */
export const EXAMPLES_KEYS_FILE = resolve(__dirname, '..', '..', '.vectorcache', 'keys.db');

/**
 * Points `VECTORCACHE_KEYS_FILE` at {@link EXAMPLES_KEYS_FILE} unless the environment already
 * chose a store (`VECTORCACHE_KEYS_FILE` or `VECTORCACHE_REDIS_URL`), so a key made by
 * `vectorcache-keys` at the repository root works whichever folder an example starts from. Call it
 * before building the app; the server then prints which store it uses.
 * @example useExampleKeyStore(); const { app } = createApp();
 */
export function useExampleKeyStore(env: NodeJS.ProcessEnv = process.env): void {
  if (!env.VECTORCACHE_REDIS_URL?.trim() && !env.VECTORCACHE_KEYS_FILE?.trim()) {
    env.VECTORCACHE_KEYS_FILE = EXAMPLES_KEYS_FILE;
  }
}
