import type { HttpAnswer } from '@vectorcache/auth-core/adapter';
import {
  createVerifierFromEnv,
  VectorcacheAuthError,
  type KeyStore,
  type Verifier,
  type VerifyResult,
} from '@vectorcache/auth-core';
import {
  createKeyManagerFor,
  readAuthorizationHeader,
  verifierStore,
  verifyNow,
  invalidOption,
  numberOption,
} from '@vectorcache/auth-core/adapter';
import {
  projectIdFromEnv,
  resolveRotationPeriod,
  rotationPeriodFromEnv,
  withTimeout,
} from '@vectorcache/auth-core';
import {
  AdminError,
  ALREADY_ROTATED,
  detail,
  fromAuthFailure,
  NOT_ACTIVE,
  NOT_DURABLE,
} from './answers';
import { hasBody, readJsonObject } from './body';
import { dashboardAnswer } from './dashboard';
import { match, type RouteContext } from './routes';
import type { AdminHandler, AdminOptions, AdminRequest } from './types';

const UNAVAILABLE = (): HttpAnswer => detail(503, 'Key store unavailable', { 'retry-after': '1' });

/** Checks the options once, with messages that say what to change. */
function checkOptions(options: AdminOptions | undefined): AdminOptions {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw invalidOption(
      'vectorcacheAdmin(options) takes an object, e.g. vectorcacheAdmin({ store }).',
    );
  }
  const o: AdminOptions = { ...options };
  if (o.store !== undefined && o.verifier !== undefined) {
    throw invalidOption(
      'Pass either `store` or `verifier`, not both: a shared verifier already has its store.',
    );
  }
  if (o.verifier !== undefined && typeof o.verifier?.verify !== 'function') {
    throw invalidOption('`verifier` must come from createVerifier(...).');
  }
  if (o.store !== undefined && typeof (o.store as Partial<KeyStore>)?.findByHash !== 'function') {
    throw invalidOption('`store` must implement KeyStore, e.g. new MemoryKeyStore().');
  }
  if (o.projectId !== undefined && (typeof o.projectId !== 'string' || o.projectId === '')) {
    throw invalidOption('projectId must be a non-empty string, e.g. "proj_123".');
  }
  return o;
}

function isThenable<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** What an error thrown by a route becomes: its own answer, a 4xx of core, or a 503. */
function answerFor(err: unknown): HttpAnswer {
  if (err instanceof AdminError) return err.answer();
  if (err instanceof VectorcacheAuthError) {
    if (err.code === 'invalid_input' || err.code === 'invalid_scope')
      return detail(400, err.message);
    if (err.code === 'key_not_found') return detail(404, 'API key not found');
    // A rotation that lost to a concurrent one, or to a revocation, inside the store's write.
    if (err.code === 'key_rotated') return detail(409, ALREADY_ROTATED);
    if (err.code === 'key_not_active') return detail(409, NOT_ACTIVE);
    if (err.code === 'not_durable') return detail(503, NOT_DURABLE, { 'retry-after': '1' });
  }
  // A store's failure (down, timed out, corrupt): its message never reaches the answer.
  return UNAVAILABLE();
}

/**
 * The management API as one framework-neutral function: routes, authentication with the
 * verifier's exact answers, the caller confined to its own key's project, body limits and JSON
 * parsing, all decided here, so every adapter's mount answers byte for byte alike.
 * @example
 * const admin = createAdminHandler({ store: new MemoryKeyStore() });
 * const answer = await admin.handle({ method: 'GET', path: '/v1/keys', headers: req.headers });
 * res.writeHead(answer.status, answer.headers).end(answer.body);
 */
export function createAdminHandler(options?: AdminOptions): AdminHandler {
  const o = checkOptions(options);
  const storeTimeoutMs = numberOption(
    o.storeTimeoutMs,
    2000,
    'storeTimeoutMs',
    'integer',
    'milliseconds',
  );
  const projectId = o.projectId ?? projectIdFromEnv();
  // Checked before a verifier is built, so a bad period leaves nothing running.
  const rotationPeriod = resolveRotationPeriod(o.rotationPeriod ?? rotationPeriodFromEnv());
  const ownsVerifier = o.verifier === undefined;
  const verifier: Verifier =
    o.verifier ??
    createVerifierFromEnv({
      store: o.store,
      pepper: o.pepper,
      timeoutMs: o.timeoutMs,
      cache: o.cache,
      onEvent: o.onEvent,
    });
  const keys = createKeyManagerFor(verifier, { rotationPeriod });
  const store = verifierStore(verifier)!.store;
  const now = o.now ?? Date.now;
  const timed = <T>(work: Promise<T>): Promise<T> =>
    withTimeout(work, storeTimeoutMs, 'a management request');

  async function handle(request: AdminRequest): Promise<HttpAnswer> {
    const page = dashboardAnswer(request);
    if (page) return page;
    const found = match(request.method.toUpperCase(), request.path);
    if (found.kind === 'not_found') return detail(404, 'Not found');
    if (found.kind === 'method') return detail(405, 'Method not allowed', { allow: found.allow });
    const { route, id } = found;
    let caller = undefined as unknown as RouteContext['caller'];
    if (route.scope !== null) {
      const decided = verifyNow(verifier, readAuthorizationHeader(request), {
        projectId,
        scopes: [route.scope],
      });
      const result: VerifyResult = isThenable(decided) ? await decided : decided;
      if (!result.ok) return fromAuthFailure(result);
      caller = result.principal;
    }
    const ctx: RouteContext = {
      request,
      query: new URLSearchParams(request.query ?? ''),
      caller,
      id,
      keys,
      store,
      verifier,
      now,
      timed,
      async body() {
        if (route.body === 'optional' && !hasBody(request.headers, request.body)) return {};
        return readJsonObject(request.headers, request.body);
      },
    };
    return route.run(ctx);
  }

  return {
    verifier,
    handle(request) {
      return handle(request).catch(answerFor);
    },
    async close() {
      if (ownsVerifier) await verifier.close();
    },
  };
}
