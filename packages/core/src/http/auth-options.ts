import type { AttemptLimitOptions } from '../verify/verifier-types';
import { checkTrustProxy, type TrustProxy } from './client-address';
import { environmentFromEnv, projectIdFromEnv } from '../config/env';
import { validateEnvironment } from '../keys/key-metadata';
import type { FailureOverride } from './hook-answer';
import type { JwtOptions } from '../jwt/jwt-keys';
import { invalidOption } from '../config/options';
import { validateScopes } from '../scopes';
import type { AuthEvent, AuthFailure, CacheOptions, KeyStore, ScopeMode, Verifier } from '../types';

/** Customises a refusal; return nothing to keep the default answer. */
export type FailureHook<Req> = (failure: AuthFailure, req: Req) => FailureOverride | void;

/** Options shared by every adapter's `vectorcacheAuth(options)`. */
export interface AuthOptions<Req> {
  /**
   * The project every key must belong to, or a function of the request (multi-tenant; its
   * `undefined` skips the project check for that request). Default: `VECTORCACHE_PROJECT_ID`.
   */
  projectId?: string | ((req: Req) => string | undefined | Promise<string | undefined>);
  /**
   * The environment this server runs in (`production`): a key made for another environment is
   * refused with 403 (`wrong_environment`); a key with no environment passes. Default:
   * `VECTORCACHE_ENVIRONMENT`, else none (every key passes).
   */
  environment?: string;
  /** Scopes every request must carry. */
  scopes?: readonly string[];
  /** @default 'all' */
  scopeMode?: ScopeMode;
  /** The key store; default from the environment (Redis or the embedded SQLite store). */
  store?: KeyStore;
  /** A verifier to share between several apps; excludes `store`. */
  verifier?: Verifier;
  /** HMAC pepper; default `VECTORCACHE_KEY_PEPPER`. */
  pepper?: string;
  /** Requests for which this returns true pass unauthenticated (health checks). */
  skip?: (req: Req) => boolean | Promise<boolean>;
  /** Customises the error answer. */
  onFailure?: FailureHook<Req>;
  /** Store timeout of the verifier built here. @default 500 */
  timeoutMs?: number;
  /** @default 0 (fail closed) */
  staleIfErrorMs?: number;
  cache?: CacheOptions;
  onEvent?: (event: AuthEvent) => void;
  /** Also accept JWTs (see `JwtOptions`); with `createTokenIssuer`, use its `jwtOptions`. */
  jwt?: JwtOptions;
  /** Opt-in: 429 after too many failed verifications from one client address. */
  attemptLimit?: AttemptLimitOptions;
  /**
   * Proxies allowed to report the client address in `X-Forwarded-For` (for `attemptLimit`):
   * their number, or their addresses. Default: none, the socket's peer is the client.
   */
  trustProxy?: TrustProxy;
}

function checkFunction(value: unknown, name: string, example: string): void {
  if (value !== undefined && typeof value !== 'function') {
    throw invalidOption(`${name} must be a function, e.g. ${example} (got ${typeof value}).`);
  }
}

function checkScopeMode(mode: unknown): ScopeMode {
  if (mode === undefined) return 'all';
  if (mode !== 'all' && mode !== 'any') {
    throw invalidOption(`scopeMode must be "all" or "any" (got ${JSON.stringify(mode)}).`);
  }
  return mode;
}

/** The options of `createAuthHandler`, checked once, with the project, scopes and proxies read. */
export interface CheckedAuthOptions<Req> {
  o: AuthOptions<Req>;
  projectOption: AuthOptions<Req>['projectId'];
  environment: string | undefined;
  scopes: readonly string[] | undefined;
  scopeMode: ScopeMode;
  trustProxy: ReturnType<typeof checkTrustProxy>;
}

/** Checks an adapter's options; a bad one throws an error saying how to fix it. */
export function checkAuthOptions<Req>(
  options: AuthOptions<Req> | undefined,
): CheckedAuthOptions<Req> {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw invalidOption(
      'vectorcacheAuth(options) takes an object, e.g. vectorcacheAuth({ scopes: ["cache:read"] }).',
    );
  }
  const o: AuthOptions<Req> = { ...options };
  if (o.store !== undefined && o.verifier !== undefined) {
    throw invalidOption(
      'Pass either `store` or `verifier`, not both: a shared verifier already has its store.',
    );
  }
  if (o.verifier !== undefined && typeof o.verifier?.verify !== 'function') {
    throw invalidOption('`verifier` must come from createVerifier(...).');
  }
  if (o.store !== undefined && typeof o.store?.findByHash !== 'function') {
    throw invalidOption(
      '`store` must implement KeyStore, e.g. new SqliteKeyStore({ path: ".vectorcache/keys.db" }).',
    );
  }
  const projectOption = o.projectId ?? projectIdFromEnv();
  if (
    projectOption !== undefined &&
    typeof projectOption !== 'function' &&
    (typeof projectOption !== 'string' || projectOption.length === 0)
  ) {
    throw invalidOption(
      'projectId must be a non-empty string or a function of the request, e.g. (req) => req.params.projectId.',
    );
  }
  const fromEnv = o.environment === undefined;
  const environmentOption = o.environment ?? environmentFromEnv();
  let environment: string | undefined;
  try {
    environment =
      environmentOption === undefined
        ? undefined
        : (validateEnvironment(environmentOption) ?? undefined);
  } catch (err) {
    const where = fromEnv ? 'VECTORCACHE_ENVIRONMENT' : '`environment` option';
    throw invalidOption(`Invalid ${where}: ${(err as Error).message}`);
  }
  let scopes: readonly string[] | undefined;
  try {
    scopes = o.scopes === undefined ? undefined : Object.freeze(validateScopes(o.scopes));
  } catch (err) {
    throw invalidOption(`Invalid \`scopes\` option: ${(err as Error).message}`);
  }
  const scopeMode = checkScopeMode(o.scopeMode);
  const trustProxy = checkTrustProxy(o.trustProxy);
  if (o.verifier !== undefined && (o.jwt !== undefined || o.attemptLimit !== undefined)) {
    throw invalidOption(
      '`jwt` and `attemptLimit` configure the verifier: pass them to createVerifier(...) when you share one.',
    );
  }
  checkFunction(o.skip, 'skip', "(req) => req.url === '/health'");
  checkFunction(o.onFailure, 'onFailure', '(failure) => ({ body: { error: "unauthorized" } })');
  return { o, projectOption, environment, scopes, scopeMode, trustProxy };
}

/** Checks a route guard's scopes and options; a bad one throws an error saying how to fix it. */
export function checkGuardOptions<Req>(
  required: readonly string[],
  options: { mode?: ScopeMode; onFailure?: FailureHook<Req> },
): { scopes: string[]; mode: ScopeMode } {
  let scopes: string[];
  try {
    scopes = validateScopes(required);
  } catch (err) {
    throw invalidOption(`requireScopes(...): ${(err as Error).message}`);
  }
  if (scopes.length === 0)
    throw invalidOption(
      'requireScopes(...) needs at least one scope, e.g. requireScopes("cache:write").',
    );
  const mode = checkScopeMode(options.mode);
  checkFunction(options.onFailure, 'onFailure', '(failure) => ({ body: { error: "forbidden" } })');
  return { scopes, mode };
}
