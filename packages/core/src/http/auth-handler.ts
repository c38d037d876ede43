import { failureFor, insufficientScope } from './answers';
import { clientAddress, type ClientAddressSource } from './client-address';
import { createVerifierFromEnv, debugLoggerFromEnv } from '../config/env';
import { hookReporter, refusalThroughHook, type HookName } from './hook-answer';
import { readAuthorizationHeader, type RequestHeadersLike } from './request-headers';
import { readWebAuthorization, webClientAddressSource, type WebRequestSource } from './web-request';

export type { FailureOverride } from './hook-answer';
export type { AuthOptions, FailureHook } from './auth-options';
import {
  checkAuthOptions,
  checkGuardOptions,
  type AuthOptions,
  type FailureHook,
} from './auth-options';
import { missingScopes } from '../scopes';
import { cachedHitOf, hotPathOf, verifierStore } from '../verify/core-verifier';
import { UNKNOWN_PROJECT } from '../verify/decide';
import { factsOf } from '../verify/principal';
import type {
  AuthFailure,
  Principal,
  ScopeMode,
  Verifier,
  VerifyRequirements,
  VerifyResult,
} from '../types';

/** The Node request behind a framework's request: headers, raw headers and the socket. */
export type NodeRequestLike = RequestHeadersLike & ClientAddressSource;

type AuthorizationValue = string | readonly string[] | undefined;

/**
 * A framework's Node request, a Web-standard request (with the peer's address when known), or
 * the `Authorization` value(s) themselves.
 */
export type AuthSource = NodeRequestLike | WebRequestSource | AuthorizationValue;

function isWebSource(source: AuthSource): source is WebRequestSource {
  return typeof source === 'object' && source !== null && 'webRequest' in source;
}

function isNodeRequest(source: AuthSource): source is NodeRequestLike {
  return typeof source === 'object' && source !== null && !Array.isArray(source);
}

/** What a `projectId` function gave, named without the request's data. */
function describeValue(value: unknown): string {
  return value === undefined
    ? 'undefined'
    : value === null
      ? 'null'
      : value === ''
        ? 'an empty string'
        : `a ${typeof value}`;
}

function isThenable<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** What an adapter must do with a request. */
export type AuthOutcome =
  | { action: 'skip' }
  | { action: 'allow'; principal: Principal }
  | {
      action: 'deny';
      status: number;
      body: string;
      headers: Readonly<Record<string, string>>;
    };

/** The per-app engine behind every adapter. */
export interface AuthHandler<Req> {
  readonly verifier: Verifier;
  /**
   * Decides what to do with a request, given its Node request or Web request (read for the
   * `Authorization` header and the client address) or just the `Authorization` value(s):
   * synchronously when nothing had to be awaited (the hot path of adapters), else as a promise.
   * Never throws: a failing hook gives a rejected promise.
   */
  decide(req: Req, source: AuthSource): AuthOutcome | Promise<AuthOutcome>;
  /**
   * The adapters' hot path, tried before `decide` with the request's `Authorization` value: the
   * principal when the caches alone allow the request (a verified key, the route's project and
   * scopes), counted and reported as `decide` would; else `undefined`, with nothing done, and
   * `decide` answers. Always `undefined` with `skip`, a `projectId` function or an attempt limit.
   */
  allowCached(authorization: AuthorizationValue): Principal | undefined;
  /** Closes the verifier (and its store) when this handler built them. */
  close(): Promise<void>;
}

const SKIP: AuthOutcome = Object.freeze({ action: 'skip' });

type Report = (hook: HookName, problem: string) => void;

/** Turns a refusal into a deny outcome, through the user's hook when there is one. */
function denial<Req>(
  failure: AuthFailure,
  req: Req,
  hook: FailureHook<Req> | undefined,
  report: Report,
): AuthOutcome {
  // A hook's answer Node or the Fetch API would refuse never reaches the adapter: core's own is sent.
  const { status, body, headers } = hook ? refusalThroughHook(failure, req, hook, report) : failure;
  return { action: 'deny', status, body, headers };
}

/**
 * Builds the engine of an adapter's middleware: validates the options once, builds (or reuses)
 * the verifier, and decides per request whether to skip, allow or deny, with the exact answer.
 * @example
 * const handler = createAuthHandler<Request>({ scopes: ['cache:read'] });
 * const outcome = await handler.decide(req, req); // Express: the Node request is `req`
 */
export function createAuthHandler<Req>(options?: AuthOptions<Req>): AuthHandler<Req> {
  const { o, projectOption, environment, scopes, scopeMode, trustProxy } =
    checkAuthOptions(options);

  const ownsVerifier = o.verifier === undefined;
  const verifier =
    o.verifier ??
    createVerifierFromEnv({
      store: o.store,
      pepper: o.pepper,
      timeoutMs: o.timeoutMs,
      staleIfErrorMs: o.staleIfErrorMs,
      cache: o.cache,
      onEvent: o.onEvent,
      jwt: o.jwt,
      attemptLimit: o.attemptLimit,
    });
  const verifyNow = hotPathOf(verifier); // looked up once, not per request
  // The verifier limits attempts (`attemptLimit` here, or given to a shared verifier's
  // createVerifier): every request's client address is then passed to it.
  const limitsAttempts = verifierStore(verifier)?.limitsAttempts === true;
  const { skip, onFailure } = o;
  const report = hookReporter([o.onEvent, debugLoggerFromEnv()]);
  const fixedProject = typeof projectOption === 'string' ? projectOption : undefined;
  const projectOf = typeof projectOption === 'function' ? projectOption : undefined;
  const requirements = { projectId: fixedProject, environment, scopes, scopeMode };
  // An attempt limit leaves the verifier without a cached hit: its check comes first.
  const cachedHit = skip || projectOf ? undefined : cachedHitOf(verifier, requirements);

  const toOutcome = (result: VerifyResult, req: Req): AuthOutcome =>
    result.ok
      ? { action: 'allow', principal: result.principal }
      : denial(result, req, onFailure, report);

  function afterProject(req: Req, authorization: AuthorizationValue, needs: VerifyRequirements) {
    const result = verifyNow(authorization, needs);
    if (isThenable(result)) return result.then((settled) => toOutcome(settled, req));
    return toOutcome(result, req);
  }

  function afterSkip(req: Req, source: AuthSource): AuthOutcome | Promise<AuthOutcome> {
    let authorization: AuthorizationValue;
    let addressSource: ClientAddressSource | undefined;
    if (isWebSource(source)) {
      authorization = readWebAuthorization(source.webRequest);
      if (limitsAttempts) addressSource = webClientAddressSource(source);
    } else if (isNodeRequest(source)) {
      authorization = readAuthorizationHeader(source);
      addressSource = source;
    } else authorization = source;
    let needs: VerifyRequirements = requirements;
    if (limitsAttempts && addressSource) {
      needs = { ...needs, client: clientAddress(addressSource, trustProxy) };
    }
    if (!projectOf) return afterProject(req, authorization, needs);
    let project: ReturnType<typeof projectOf>;
    try {
      project = projectOf(req);
    } catch {
      return afterProject(req, authorization, routeProject(needs, undefined, true));
    }
    if (isThenable(project)) {
      return project.then(
        (projectId) => afterProject(req, authorization, routeProject(needs, projectId)),
        () => afterProject(req, authorization, routeProject(needs, undefined, true)),
      );
    }
    return afterProject(req, authorization, routeProject(needs, project));
  }

  /**
   * The requirements with the project a `projectId` function gave. One that gave none (or threw)
   * fails closed: no key belongs to an unknown project, so a valid key gets the project's 403.
   */
  function routeProject(
    needs: VerifyRequirements,
    projectId: unknown,
    threw = false,
  ): VerifyRequirements {
    if (typeof projectId === 'string' && projectId !== '') return { ...needs, projectId };
    const what = threw ? 'threw' : `returned ${describeValue(projectId)}`;
    report(
      'projectId',
      `${what}: the route's project is unknown, the request was refused as of another project (403)`,
    );
    return { ...needs, projectId: UNKNOWN_PROJECT };
  }

  // Synchronous whenever nothing has to be awaited (a cached key, a bad header), so adapters
  // can answer without promise hops; a throwing hook becomes a rejected promise, never a throw.
  function decide(req: Req, source: AuthSource): AuthOutcome | Promise<AuthOutcome> {
    try {
      if (!skip) return afterSkip(req, source);
      const skipped = skip(req);
      if (isThenable(skipped)) {
        return skipped.then((yes) => (yes ? SKIP : afterSkip(req, source)));
      }
      return skipped ? SKIP : afterSkip(req, source);
    } catch (err) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the hook's own error, passed on as it was thrown
      return Promise.reject(err);
    }
  }

  return {
    verifier,
    decide,
    allowCached: cachedHit ?? (() => undefined),
    async close() {
      if (ownsVerifier) await verifier.close();
    },
  };
}

/**
 * Builds a route guard that requires scopes of an already authenticated principal: the 403 of
 * docs/contract.md when one is missing, the 401 when the request was not authenticated at all.
 * @example const guard = createScopeGuard(['cache:write']);
 */
export function createScopeGuard<Req>(
  required: readonly string[],
  options: { mode?: ScopeMode; onFailure?: FailureHook<Req> } = {},
): (req: Req, principal: Principal | undefined) => AuthOutcome {
  const { scopes, mode } = checkGuardOptions(required, options);
  const { onFailure } = options;
  const report = hookReporter([debugLoggerFromEnv()]);
  return (req, principal) => {
    if (!principal) return denial(failureFor('missing'), req, onFailure, report);
    const missing = missingScopes(principal.scopes, scopes, mode);
    if (missing.length > 0) {
      // Counted `insufficient_scope` in usage analytics (not `valid`) and reported, as a verifier's.
      factsOf(principal).onRouteRefusal?.(principal);
      return denial(insufficientScope(missing), req, onFailure, report);
    }
    return { action: 'allow', principal };
  };
}
