import { checkAuthOptions, checkGuardOptions } from '../src/http/auth-options';
import { VectorcacheAuthError } from '../src/errors';
import { MemoryKeyStore } from '../src/stores/memory-store';
import { createVerifier } from '../src/verify/verifier';
import { thrownBy } from './fixtures';

// The adapters' option checks on their own: every bad option is refused at startup with an
// `invalid_option` error saying how to fix it; good options come back checked and normalised.

type Req = { url: string };

/** The `invalid_option` error `work` throws. */
function refusal(work: () => unknown): VectorcacheAuthError {
  const error = thrownBy(work);
  expect(error.code).toBe('invalid_option');
  return error;
}

describe('checkAuthOptions', () => {
  const saved = process.env.VECTORCACHE_PROJECT_ID;
  afterEach(() => {
    if (saved === undefined) delete process.env.VECTORCACHE_PROJECT_ID;
    else process.env.VECTORCACHE_PROJECT_ID = saved;
  });

  it('no options: no project, no scopes, mode all, no trusted proxy', () => {
    delete process.env.VECTORCACHE_PROJECT_ID;
    const checked = checkAuthOptions<Req>(undefined);
    expect(checked).toEqual({
      o: {},
      projectOption: undefined,
      environment: undefined,
      scopes: undefined,
      scopeMode: 'all',
      trustProxy: false,
    });
  });

  it('the environment: the option, else VECTORCACHE_ENVIRONMENT; a bad one names its source and value', () => {
    const saved = process.env.VECTORCACHE_ENVIRONMENT;
    try {
      delete process.env.VECTORCACHE_ENVIRONMENT;
      expect(checkAuthOptions<Req>({ environment: 'production' }).environment).toBe('production');
      process.env.VECTORCACHE_ENVIRONMENT = ' staging ';
      expect(checkAuthOptions<Req>({}).environment).toBe('staging');
      expect(checkAuthOptions<Req>({ environment: 'dev' }).environment).toBe('dev');
      expect(refusal(() => checkAuthOptions<Req>({ environment: 'Prod' })).message).toMatch(
        /^Invalid `environment` option: Invalid environment "Prod"/,
      );
      process.env.VECTORCACHE_ENVIRONMENT = 'prod env';
      expect(refusal(() => checkAuthOptions<Req>({})).message).toMatch(
        /^Invalid VECTORCACHE_ENVIRONMENT: Invalid environment "prod env"/,
      );
    } finally {
      if (saved === undefined) delete process.env.VECTORCACHE_ENVIRONMENT;
      else process.env.VECTORCACHE_ENVIRONMENT = saved;
    }
  });

  it('the options are copied, scopes deduplicated and frozen, the mode and proxies kept', () => {
    const options = {
      projectId: 'proj',
      scopes: ['cache:read', 'cache:read', 'analytics:read'],
      scopeMode: 'any' as const,
      trustProxy: ['loopback'],
      attemptLimit: { max: 5 },
    };
    const checked = checkAuthOptions<Req>(options);
    expect(checked.o).not.toBe(options);
    expect(checked.o).toEqual(options);
    expect(checked.projectOption).toBe('proj');
    expect(checked.scopes).toEqual(['cache:read', 'analytics:read']);
    expect(Object.isFrozen(checked.scopes)).toBe(true);
    expect(checked.scopeMode).toBe('any');
    expect(checked.trustProxy).toEqual(['127.0.0.1', '::1']);
  });

  it('the project defaults to VECTORCACHE_PROJECT_ID; an explicit one or a function wins', () => {
    process.env.VECTORCACHE_PROJECT_ID = ' env-project ';
    expect(checkAuthOptions<Req>({}).projectOption).toBe('env-project');
    expect(checkAuthOptions<Req>({ projectId: 'given' }).projectOption).toBe('given');
    const byRequest = (req: Req): string => req.url;
    expect(checkAuthOptions<Req>({ projectId: byRequest }).projectOption).toBe(byRequest);
  });

  it.each([
    ['a string', 'scopes', /takes an object/],
    ['null', null, /takes an object/],
    ['a number', 3, /takes an object/],
  ])('options that are %s are refused', (_what, options, message) => {
    expect(refusal(() => checkAuthOptions(options as never)).message).toMatch(message);
  });

  it('store and verifier together are refused; each must be the real thing', () => {
    const store = new MemoryKeyStore();
    const verifier = createVerifier({ store, usage: { enabled: false } });
    expect(refusal(() => checkAuthOptions({ store, verifier })).message).toMatch(
      /either `store` or `verifier`, not both/,
    );
    expect(refusal(() => checkAuthOptions({ verifier: {} as never })).message).toMatch(
      /`verifier` must come from createVerifier/,
    );
    expect(refusal(() => checkAuthOptions({ store: {} as never })).message).toMatch(
      /`store` must implement KeyStore/,
    );
    expect(checkAuthOptions({ store }).o.store).toBe(store);
    expect(checkAuthOptions({ verifier }).o.verifier).toBe(verifier);
    return verifier.close();
  });

  it('a null verifier or store (e.g. from a missing config value) is refused, not a crash', () => {
    expect(refusal(() => checkAuthOptions({ verifier: null as never })).message).toBe(
      '`verifier` must come from createVerifier(...).',
    );
    expect(refusal(() => checkAuthOptions({ store: null as never })).message).toBe(
      '`store` must implement KeyStore, e.g. new SqliteKeyStore({ path: ".vectorcache/keys.db" }).',
    );
  });

  it('a shared verifier refuses the options that configure a verifier', () => {
    const verifier = createVerifier({ store: new MemoryKeyStore(), usage: { enabled: false } });
    const jwt = { key: 'x'.repeat(32), algorithms: ['HS256' as const] };
    for (const extra of [{ jwt }, { attemptLimit: { max: 3 } }]) {
      expect(refusal(() => checkAuthOptions({ verifier, ...extra })).message).toMatch(
        /configure the verifier: pass them to createVerifier/,
      );
    }
    return verifier.close();
  });

  it.each([[''], [42], [{}]])('projectId %p is refused', (projectId) => {
    expect(refusal(() => checkAuthOptions({ projectId: projectId as never })).message).toMatch(
      /projectId must be a non-empty string or a function/,
    );
  });

  it('bad scopes are refused, quoting the scope', () => {
    const error = refusal(() => checkAuthOptions({ scopes: ['Cache:Read'] }));
    expect(error.message).toMatch(/^Invalid `scopes` option: Invalid scope "Cache:Read"/);
    expect(refusal(() => checkAuthOptions({ scopes: 'cache:read' as never })).message).toMatch(
      /^Invalid `scopes` option: /,
    );
  });

  it('scopeMode other than all or any is refused', () => {
    expect(refusal(() => checkAuthOptions({ scopeMode: 'some' as never })).message).toBe(
      'scopeMode must be "all" or "any" (got "some").',
    );
    expect(checkAuthOptions({ scopeMode: 'all' }).scopeMode).toBe('all');
  });

  it('skip and onFailure must be functions', () => {
    expect(refusal(() => checkAuthOptions({ skip: true as never })).message).toBe(
      "skip must be a function, e.g. (req) => req.url === '/health' (got boolean).",
    );
    expect(refusal(() => checkAuthOptions({ onFailure: 'x' as never })).message).toBe(
      'onFailure must be a function, e.g. (failure) => ({ body: { error: "unauthorized" } }) (got string).',
    );
    const skip = (): boolean => true;
    expect(checkAuthOptions({ skip }).o.skip).toBe(skip);
  });

  it('a bad trustProxy is refused', () => {
    expect(refusal(() => checkAuthOptions({ trustProxy: 'all' as never })).message).toMatch(
      /^trustProxy must be false, the number of proxies/,
    );
    expect(checkAuthOptions({ trustProxy: 2 }).trustProxy).toBe(2);
  });
});

describe('checkGuardOptions', () => {
  it('returns the scopes (deduplicated) and the mode, all by default', () => {
    expect(checkGuardOptions(['cache:write', 'cache:write'], {})).toEqual({
      scopes: ['cache:write'],
      mode: 'all',
    });
    expect(checkGuardOptions(['a:b', 'c:d'], { mode: 'any' })).toEqual({
      scopes: ['a:b', 'c:d'],
      mode: 'any',
    });
  });

  it('no scope at all is refused, with an example', () => {
    expect(refusal(() => checkGuardOptions([], {})).message).toBe(
      'requireScopes(...) needs at least one scope, e.g. requireScopes("cache:write").',
    );
  });

  it('a bad scope, mode or onFailure is refused', () => {
    expect(refusal(() => checkGuardOptions(['nope'], {})).message).toMatch(
      /^requireScopes\(\.\.\.\): Invalid scope "nope"/,
    );
    expect(refusal(() => checkGuardOptions(['a:b'], { mode: 'x' as never })).message).toMatch(
      /^scopeMode must be "all" or "any"/,
    );
    expect(refusal(() => checkGuardOptions(['a:b'], { onFailure: 1 as never })).message).toMatch(
      /^onFailure must be a function, e.g. \(failure\) => \(\{ body: \{ error: "forbidden" \} \}\) \(got number\)\.$/,
    );
  });
});
