import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const PKG = resolve(__dirname, '..');

/** Every documented export of @vectorcache/auth-core (DESIGN.md's Core API and the adapter support). */
const DOCUMENTED = [
  'generateApiKey',
  'isApiKeyFormat',
  'hashApiKey',
  'keyPrefix',
  'DEFAULT_SCOPES',
  'validateScopes',
  'VectorcacheAuthError',
  'MemoryKeyStore',
  'FileKeyStore',
  'createKeyManager',
  'createVerifier',
  'storeFromEnv',
  'createVerifierFromEnv',
  'createAuthHandler',
  'createScopeGuard',
  'readAuthorizationHeader',
  'authenticateRequest',
  'toWebResponse',
];

function exportsOf(mode: 'require' | 'import'): string[] {
  const code =
    mode === 'require'
      ? `console.log(JSON.stringify(Object.keys(require('@vectorcache/auth-core'))))`
      : `import('@vectorcache/auth-core').then((m) => console.log(JSON.stringify(Object.keys(m))))`;
  const out = execFileSync(process.execPath, ['-e', code], { cwd: PKG, encoding: 'utf8' });
  return JSON.parse(out) as string[];
}

describe('packaging of @vectorcache/auth-core', () => {
  beforeAll(() => {
    if (!existsSync(resolve(PKG, 'dist/index.js')) || !existsSync(resolve(PKG, 'dist/index.mjs'))) {
      throw new Error(
        'packages/core/dist is missing: run `pnpm build` first (the test script does).',
      );
    }
  });

  it.each(['require', 'import'] as const)(
    'loads the built output with %s and has every documented export',
    (mode) => {
      const names = exportsOf(mode);
      for (const name of DOCUMENTED) expect(names).toContain(name);
    },
  );

  it('ships types for both conditions', () => {
    for (const file of ['dist/index.d.ts', 'dist/index.d.mts'])
      expect(existsSync(resolve(PKG, file))).toBe(true);
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
});
