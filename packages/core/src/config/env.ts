import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { VectorcacheAuthError } from '../errors';
import { validateScopeVocabulary } from '../scopes';
import { SqliteKeyStore } from '../stores/sqlite-store';
import { redisConnectionFromEnv, type RedisEnvConnection } from './redis-env';
import type { AuthEvent, KeyStore, Verifier, VerifierOptions } from '../types';
import { buildVerifier } from '../verify/verifier';

/** Default location of the embedded key database, relative to the working directory. */
export const DEFAULT_KEYS_FILE = '.vectorcache/keys.db';

/**
 * Where earlier versions kept their JSON key file, relative to the working directory. A database
 * at `.vectorcache/keys.db` (the default, in any folder) first imports the `keys.json` beside it,
 * once, then renames it `keys.json.imported`.
 */
export const LEGACY_KEYS_FILE = '.vectorcache/keys.json';

type Env = Record<string, string | undefined>;

/** The constructor of `RedisKeyStore`, for callers that depend on `@vectorcache/auth-redis` themselves. */
export type RedisKeyStoreConstructor = new (
  connection: RedisEnvConnection,
  options: { keyPrefix?: string },
) => KeyStore;

const REDIS_VARIABLES = 'VECTORCACHE_REDIS_URL or VECTORCACHE_REDIS_CLUSTER';

/** A store package that zero configuration loads only when the environment asks for it. */
interface StorePackage {
  name: string;
  /** The class it must export. */
  exported: string;
  /** The variables that asked for it, for messages. */
  variables: string;
  /** Its driver, installed beside it. */
  driver: string;
}

const REDIS_PACKAGE: StorePackage = {
  name: '@vectorcache/auth-redis',
  exported: 'RedisKeyStore',
  variables: REDIS_VARIABLES,
  driver: 'ioredis',
};

/** Whether `err` says that `name` itself (not one of its own imports) could not be found. */
function isMissing(err: NodeJS.ErrnoException, name: string): boolean {
  return err.code === 'MODULE_NOT_FOUND' && err.message.includes(`'${name}'`);
}

/**
 * The store class of `pkg`, which core does not declare (the store packages depend on core, so a
 * declaration here would make a workspace cycle). Resolved first from core's own file: in an
 * app's node_modules the package installed beside core is found wherever the process was started
 * (`__filename` is the module's own path in the CommonJS build and shimmed from import.meta.url in
 * the ESM build). Then from the working directory, for layouts where core's folder does not see
 * the app's packages (a linked or isolated install).
 */
function loadStoreClass(pkg: StorePackage): unknown {
  let mod: Record<string, unknown> | undefined;
  let failure: NodeJS.ErrnoException | undefined;
  for (const from of [__filename, join(process.cwd(), 'noop.js')]) {
    try {
      mod = createRequire(from)(pkg.name) as Record<string, unknown>;
      break;
    } catch (err) {
      const error = err as NodeJS.ErrnoException;
      failure ??= error;
      if (!isMissing(error, pkg.name)) {
        failure = error;
        break;
      }
    }
  }
  if (mod === undefined) {
    const message = failure?.message ?? '';
    if (failure && isMissing(failure, pkg.name)) {
      throw new VectorcacheAuthError(
        'invalid_option',
        `${pkg.variables} is set but ${pkg.name} is not installed: run \`npm install ${pkg.name} ${pkg.driver}\`, or unset it to use the embedded SQLite store.`,
      );
    }
    throw new VectorcacheAuthError(
      'invalid_option',
      `${pkg.variables} is set but ${pkg.name} failed to load (${message}); check that it and ${pkg.driver} are installed and of matching versions.`,
      { cause: failure },
    );
  }
  if (typeof mod[pkg.exported] !== 'function') {
    throw new VectorcacheAuthError(
      'invalid_option',
      `${pkg.name} has no ${pkg.exported} export: install a version matching @vectorcache/auth-core.`,
    );
  }
  return mod[pkg.exported];
}

/**
 * The key store the environment asks for: Redis when `VECTORCACHE_REDIS_URL` (standalone) or
 * `VECTORCACHE_REDIS_CLUSTER` (`host:port,host:port`, a Redis Cluster) is set, with
 * `VECTORCACHE_REDIS_PREFIX` (default `vc:`), else the embedded SQLite store at
 * `VECTORCACHE_KEYS_FILE` (default `.vectorcache/keys.db` in the working directory; a database
 * there first imports the `.vectorcache/keys.json` of an earlier version). Pass `RedisKeyStore` when the caller
 * depends on `@vectorcache/auth-redis` itself, so it need not be found from here.
 * @example const store = storeFromEnv();
 */
export function storeFromEnv(
  env: Env = process.env,
  options: { RedisKeyStore?: RedisKeyStoreConstructor } = {},
): KeyStore {
  const redis = redisConnectionFromEnv(env);
  if (redis) {
    const RedisKeyStore =
      options.RedisKeyStore ?? (loadStoreClass(REDIS_PACKAGE) as RedisKeyStoreConstructor);
    const prefix = env.VECTORCACHE_REDIS_PREFIX?.trim();
    return new RedisKeyStore(redis, prefix ? { keyPrefix: prefix } : {});
  }
  const path = resolve(env.VECTORCACHE_KEYS_FILE?.trim() || DEFAULT_KEYS_FILE);
  const folder = dirname(path);
  const atDefaultPlace =
    basename(path) === basename(DEFAULT_KEYS_FILE) && basename(folder) === '.vectorcache';
  return new SqliteKeyStore({
    path,
    legacyJsonFile: atDefaultPlace ? join(folder, basename(LEGACY_KEYS_FILE)) : undefined,
  });
}

/**
 * Which store the environment selects, for humans: `SQLite key database /abs/path/keys.db`,
 * `Redis at host:port` (never the URL's credentials) or `Redis Cluster at host:port,...`.
 * @example console.log(`Key store: ${describeStore()}`);
 */
export function describeStore(env: Env = process.env): string {
  const prefix = env.VECTORCACHE_REDIS_PREFIX?.trim();
  const keyPrefix = prefix ? ` (key prefix ${prefix})` : '';
  const cluster = env.VECTORCACHE_REDIS_CLUSTER?.trim();
  if (cluster) {
    let nodes = 'the nodes of VECTORCACHE_REDIS_CLUSTER';
    try {
      const connection: RedisEnvConnection | null = redisConnectionFromEnv(env);
      if (connection && 'cluster' in connection) {
        nodes = connection.cluster
          .map(({ host, port }) => `${host.includes(':') ? `[${host}]` : host}:${port}`)
          .join(',');
      }
    } catch {
      // an invalid setting is reported when the store is opened; never echo what may be secret
    }
    return `Redis Cluster at ${nodes}${keyPrefix}`;
  }
  const redisUrl = env.VECTORCACHE_REDIS_URL?.trim();
  if (redisUrl) {
    let where = 'an unparsable VECTORCACHE_REDIS_URL';
    try {
      const url = new URL(redisUrl);
      where = `${url.hostname || '127.0.0.1'}:${url.port || '6379'}`;
    } catch {
      // keep the generic text: the URL may hold a password
    }
    return `Redis at ${where}${keyPrefix}`;
  }
  return `SQLite key database ${resolve(env.VECTORCACHE_KEYS_FILE?.trim() || DEFAULT_KEYS_FILE)}`;
}

/** The HMAC pepper from `VECTORCACHE_KEY_PEPPER`, if any. */
export function pepperFromEnv(env: Env = process.env): string | undefined {
  return env.VECTORCACHE_KEY_PEPPER || undefined;
}

/**
 * A debug logger when `VECTORCACHE_DEBUG` is set (to anything but `0` or `false`): one line per
 * decision on stderr, with the reason code, key id and display prefix, never the key.
 */
export function debugLoggerFromEnv(
  env: Env = process.env,
  write: (line: string) => void = (line) => process.stderr.write(line),
): ((event: AuthEvent) => void) | undefined {
  const flag = env.VECTORCACHE_DEBUG?.trim().toLowerCase();
  if (!flag || flag === '0' || flag === 'false') return undefined;
  return (event) => {
    // Decisions and feed changes; cache lookups and store reads would be a line per request more.
    if (event.type === 'cache_hit' || event.type === 'cache_miss' || event.type === 'store_read')
      return;
    const fields = [`vectorcache auth: ${event.type}`];
    if (event.reason) fields.push(`reason=${event.reason}`);
    if (event.keyId) fields.push(`key=${event.keyId}`);
    if (event.prefix) fields.push(`prefix=${event.prefix}...`);
    if (event.projectId) fields.push(`project=${event.projectId}`);
    if (event.detail) fields.push(event.detail);
    write(`${fields.join(' ')}\n`);
  };
}

/**
 * The scope vocabulary from `VECTORCACHE_SCOPES` (`cache:read,cache:write,...`), if set; throws
 * `invalid_option` on an invalid scope in it.
 * @example const allowedScopes = allowedScopesFromEnv();
 */
export function allowedScopesFromEnv(env: Env = process.env): readonly string[] | undefined {
  const text = env.VECTORCACHE_SCOPES?.trim();
  if (!text) return undefined;
  const scopes = text
    .split(',')
    .map((scope) => scope.trim())
    .filter((scope) => scope !== '');
  return validateScopeVocabulary(scopes, 'VECTORCACHE_SCOPES');
}

/** The required project from `VECTORCACHE_PROJECT_ID`, if any. */
export function projectIdFromEnv(env: Env = process.env): string | undefined {
  return env.VECTORCACHE_PROJECT_ID?.trim() || undefined;
}

/** Key database paths already announced as new by this process. */
const announcedNew = new Set<string>();

/**
 * Says once per path, on stderr, that a server starts on a key database that does not exist yet:
 * it refuses every key until keys are made there, and keys made in another folder (another
 * `.vectorcache/keys.db`) are not visible to it. An existing database is opened quietly.
 */
function announceNewDatabase(path: string, write = (line: string) => process.stderr.write(line)) {
  if (announcedNew.has(path) || existsSync(path)) return;
  announcedNew.add(path);
  write(
    `vectorcache auth: no key database at ${path} yet, so every key is refused until keys are ` +
      `created in it; keys made in another folder are in that folder's .vectorcache/keys.db and ` +
      `not visible here (set VECTORCACHE_KEYS_FILE to the database your keys are in, or run ` +
      `vectorcache-keys from this folder)\n`,
  );
}

/**
 * A verifier configured from the environment (store, pepper, `VECTORCACHE_SCOPES`, `VECTORCACHE_DEBUG` logging), unless given explicitly. When
 * it builds the store itself, `close()` closes that store too.
 * @example const verifier = createVerifierFromEnv({ timeoutMs: 300 });
 */
export function createVerifierFromEnv(
  options: Partial<VerifierOptions> & { env?: Env } = {},
): Verifier {
  const { env = process.env, ...rest } = options;
  const store = rest.store ?? storeFromEnv(env);
  if (rest.store === undefined && store instanceof SqliteKeyStore) announceNewDatabase(store.path);
  const debug = debugLoggerFromEnv(env);
  if (debug && rest.store === undefined) {
    process.stderr.write(`vectorcache auth: store ${describeStore(env)}\n`);
  }
  const userListener = rest.onEvent;
  const onEvent =
    debug && userListener
      ? (event: AuthEvent) => {
          debug(event);
          userListener(event);
        }
      : (debug ?? userListener);
  return buildVerifier(
    {
      ...rest,
      onEvent,
      store,
      pepper: rest.pepper ?? pepperFromEnv(env),
      allowedScopes: rest.allowedScopes ?? allowedScopesFromEnv(env),
    },
    rest.store === undefined, // a store it opened is closed with it
  );
}
