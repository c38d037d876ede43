import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const PKG = resolve(__dirname, '..');

/**
 * The public names of each entry, exactly: a new export is a conscious change to this list (and a
 * changeset). The main entry is what applications call; `/adapter` is what adapters, the
 * management API and the CLI are built from (both documented in the README).
 */
const PUBLIC = {
  '@vectorcache/auth-core': [
    'DEFAULT_KEYS_FILE',
    'DEFAULT_SCOPES',
    'KNOWN_SCOPES',
    'MemoryKeyStore',
    'SqliteKeyStore',
    'USAGE_OUTCOMES',
    'VectorcacheAuthError',
    'allowedScopesFromEnv',
    'connectionFailureReason',
    'authenticateRequest',
    'createKeyManager',
    'createTokenIssuer',
    'createVerifier',
    'createVerifierFromEnv',
    'describeStore',
    'formatKeyExport',
    'generateApiKey',
    'hashApiKey',
    'isApiKeyFormat',
    'isDecisionEvent',
    'keyPrefix',
    'looksLikeApiKey',
    'missingScopes',
    'parseDuration',
    'parseKeyExport',
    'pepperFromEnv',
    'projectIdFromEnv',
    'publicRecord',
    'redactApiKeys',
    'replaceRefused',
    'resolveRotationPeriod',
    'rotationPeriodFromEnv',
    'scopeGranted',
    'scopesOutside',
    'storeFromEnv',
    'validateEnvironment',
    'validateKeyName',
    'validateMeta',
    'validateOwnerId',
    'validateScopes',
    'withTimeout',
  ],
  // At most 15 names, each used by an adapter, the management API, the CLI or a store package
  // (the test below holds both bounds): what applications need is on the main entry.
  '@vectorcache/auth-core/adapter': [
    'createAuthHandler',
    'createKeyManagerFor',
    'createScopeGuard',
    'createTokenExchange',
    'invalidOption',
    'isUsageOutcome',
    'numberOption',
    'readAuthorizationHeader',
    'readWebAuthorization',
    'resolveRetention',
    'resolveUsageRange',
    'toUsagePoints',
    'toWebResponse',
    'verifierStore',
    'verifyNow',
  ],
};

/** Every name that the sources of the other packages import from `@vectorcache/auth-core/adapter`. */
function adapterNamesUsedOutsideCore(): Set<string> {
  const packages = resolve(PKG, '..');
  const used = new Set<string>();
  for (const dir of readdirSync(packages)) {
    if (dir === 'core' || !existsSync(resolve(packages, dir, 'src'))) continue;
    const files = readdirSync(resolve(packages, dir, 'src'), { recursive: true, encoding: 'utf8' });
    for (const file of files.filter((name) => /\.tsx?$/.test(name))) {
      const text = readFileSync(resolve(packages, dir, 'src', file), 'utf8');
      for (const [, names = ''] of text.matchAll(
        /import \{([^}]*)\} from '@vectorcache\/auth-core\/adapter'/g,
      )) {
        for (const name of names.split(',')) used.add(name.trim().split(/\s+as\s+/)[0]!);
      }
    }
  }
  return used;
}

function exportsOf(entry: string, mode: 'require' | 'import'): string[] {
  const code =
    mode === 'require'
      ? `console.log(JSON.stringify(Object.keys(require('${entry}'))))`
      : `import('${entry}').then((m) => console.log(JSON.stringify(Object.keys(m))))`;
  const out = execFileSync(process.execPath, ['-e', code], { cwd: PKG, encoding: 'utf8' });
  return (JSON.parse(out) as string[]).filter((name) => name !== 'default').sort();
}

describe('packaging of @vectorcache/auth-core', () => {
  beforeAll(() => {
    if (!existsSync(resolve(PKG, 'dist/index.js')) || !existsSync(resolve(PKG, 'dist/index.mjs'))) {
      throw new Error(
        'packages/core/dist is missing: run `pnpm build` first (the test script does).',
      );
    }
  });

  it.each(
    Object.keys(PUBLIC).flatMap((entry) => [
      [entry, 'require'],
      [entry, 'import'],
    ]) as Array<[keyof typeof PUBLIC, 'require' | 'import']>,
  )('%s, loaded with %s, exports exactly its public names', (entry, mode) => {
    expect(exportsOf(entry, mode)).toEqual([...PUBLIC[entry]].sort());
  });

  it('keeps the adapter entry small: at most 15 names, each used by another package', () => {
    const names = PUBLIC['@vectorcache/auth-core/adapter'];
    expect(names.length).toBeLessThanOrEqual(15);
    const used = adapterNamesUsedOutsideCore();
    expect(names.filter((name) => !used.has(name))).toEqual([]);
  });

  it('ships types for both conditions of both entries', () => {
    for (const file of [
      'dist/index.d.ts',
      'dist/index.d.mts',
      'dist/adapter.d.ts',
      'dist/adapter.d.mts',
    ])
      expect(existsSync(resolve(PKG, file))).toBe(true);
  });

  it.each(['require', 'import'] as const)(
    'the two entries share one copy of core when loaded with %s (one error class)',
    (mode) => {
      const code =
        mode === 'require'
          ? `const m = require('@vectorcache/auth-core'); const a = require('@vectorcache/auth-core/adapter');
             try { a.numberOption(0, 1, 'x', 'integer') } catch (e) { console.log(e instanceof m.VectorcacheAuthError) }`
          : `Promise.all([import('@vectorcache/auth-core'), import('@vectorcache/auth-core/adapter')]).then(([m, a]) => {
             try { a.numberOption(0, 1, 'x', 'integer') } catch (e) { console.log(e instanceof m.VectorcacheAuthError) } })`;
      const out = execFileSync(process.execPath, ['-e', code], { cwd: PKG, encoding: 'utf8' });
      expect(out.trim()).toBe('true');
    },
  );

  it("a principal authenticated by a token in one copy of core is refused by the other copy's exchange", () => {
    // An app that loads core twice: a dependency requires the CommonJS build, another imports the
    // ESM build. The CommonJS copy verifies; the ESM copy's exchange must still see the token.
    const code = `
      const cjs = { ...require('./dist/index.js'), ...require('./dist/adapter.js') };
      Promise.all([import('./dist/index.mjs'), import('./dist/adapter.mjs')]).then(async ([m, a]) => {
        const esm = { ...m, ...a };
        const store = new cjs.MemoryKeyStore();
        const secret = 'a-test-secret-that-is-at-least-32-bytes-long';
        const options = { key: secret, issuer: 'copies', audience: 'copies' };
        const cjsIssuer = cjs.createTokenIssuer(options);
        const verifier = cjs.createVerifier({ store, jwt: cjsIssuer.jwtOptions });
        const { key } = await cjs.createKeyManager({ store }).create({ projectId: 'p', name: 'n' });
        const byKey = await verifier.verify('Bearer ' + key);
        const issued = JSON.parse((await cjs.createTokenExchange(cjsIssuer)(byKey.principal)).body);
        const byToken = await verifier.verify('Bearer ' + issued.access_token);
        const esmExchange = esm.createTokenExchange(esm.createTokenIssuer(options));
        console.log(JSON.stringify({
          twoCopies: esm.createVerifier !== cjs.createVerifier,
          tokenOk: byToken.ok,
          keyPrincipal: (await esmExchange(byKey.principal)).status,
          tokenPrincipal: (await esmExchange(byToken.principal)).status,
          fieldsOnly: Object.keys(byToken.principal).sort(),
        }));
        await verifier.close();
      });
    `;
    const out = execFileSync(process.execPath, ['-e', code], { cwd: PKG, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({
      twoCopies: true,
      tokenOk: true,
      keyPrincipal: 200,
      tokenPrincipal: 401,
      fieldsOnly: [
        'environment',
        'keyId',
        'meta',
        'name',
        'ownerId',
        'prefix',
        'projectId',
        'scopes',
      ],
    });
  });

  it("an error thrown by one copy of core is instanceof the other copy's VectorcacheAuthError", () => {
    const code = `
      const cjs = require('./dist/index.js');
      import('./dist/index.mjs').then(async (esm) => {
        const caught = async (copy) => {
          try { await copy.createKeyManager({ store: new copy.MemoryKeyStore() }).create({ projectId: '', name: 'n' }); }
          catch (e) { return e; }
        };
        const fromCjs = await caught(cjs);
        const fromEsm = await caught(esm);
        console.log(JSON.stringify({
          twoCopies: esm.VectorcacheAuthError !== cjs.VectorcacheAuthError,
          cjsInEsm: fromCjs instanceof esm.VectorcacheAuthError,
          esmInCjs: fromEsm instanceof cjs.VectorcacheAuthError,
          code: fromCjs.code,
          plainError: new Error('x') instanceof esm.VectorcacheAuthError,
          lookalike: Object.assign(new Error('x'), { name: 'VectorcacheAuthError', code: 'invalid_input' }) instanceof cjs.VectorcacheAuthError,
          nullish: null instanceof cjs.VectorcacheAuthError,
        }));
      });
    `;
    const out = execFileSync(process.execPath, ['-e', code], { cwd: PKG, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({
      twoCopies: true,
      cjsInEsm: true,
      esmInCjs: true,
      code: 'invalid_input',
      plainError: false,
      lookalike: false,
      nullish: false,
    });
  });

  it('the built output verifies a key end to end', () => {
    const code = `
      const c = require('@vectorcache/auth-core');
      const store = new c.MemoryKeyStore();
      c.createKeyManager({ store }).create({ projectId: 'p', name: 'n' })
        .then(({ key }) => c.createVerifier({ store }).verify('Bearer ' + key))
        .then((r) => { console.log(r.ok); process.exit(0); });
    `;
    expect(
      execFileSync(process.execPath, ['-e', code], { cwd: PKG, encoding: 'utf8' }).trim(),
    ).toBe('true');
  });

  it.each(['require', 'import'] as const)(
    'the built output (%s) finds a SQLite driver from its own folder and stores a key',
    (mode) => {
      const dir = mkdtempSync(join(tmpdir(), 'vc-packaging-'));
      try {
        const load =
          mode === 'require'
            ? `const c = (await import('node:module')).createRequire(${JSON.stringify(`${PKG}/`)})('@vectorcache/auth-core');`
            : `const c = await import(${JSON.stringify(pathToFileURL(join(PKG, 'dist', 'index.mjs')).href)});`;
        const code = `
          ${load}
          const store = new c.SqliteKeyStore({ path: ${JSON.stringify(join(dir, 'keys.db'))} });
          const { key } = await c.createKeyManager({ store }).create({ projectId: 'p', name: 'n' });
          const verifier = c.createVerifier({ store });
          const result = await verifier.verify('Bearer ' + key);
          await verifier.close();
          console.log(JSON.stringify({ ok: result.ok, driver: store.driver }));
          await store.close();
        `;
        const out = execFileSync(
          process.execPath,
          ['--input-type=module', '-e', code],
          // Run from a folder outside the repository: the driver is resolved from core's dist.
          { cwd: dir, encoding: 'utf8' },
        );
        expect(JSON.parse(out)).toEqual({ ok: true, driver: expect.any(String) });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
