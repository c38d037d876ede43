import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProcess } from '../../test-utils/processes';
import { APP_BODY, install, link, linkFolder } from './installed-app';
import { createTestDatabase, describePostgres, type TestDatabase } from '../../test-utils/postgres';

/**
 * Zero configuration with VECTORCACHE_DATABASE_URL, as users run it, from the built packages.
 * Core does not declare @vectorcache/auth-postgres (the PostgreSQL package depends on core), so it
 * finds it beside itself (npm's flat layout, the app started from any folder) or from the working
 * directory (a layout where core's folder is not the app's, as pnpm's isolated one).
 */
/** Core installed in `nodeModules`, with its own dependencies. */
function installCore(nodeModules: string): string {
  const core = install(nodeModules, 'core', '@vectorcache/auth-core');
  link(nodeModules, 'core', 'jose');
  link(nodeModules, 'core', 'lru-cache');
  return core;
}

/**
 * An app whose core is `corePath`, with (if asked) the PostgreSQL package and pg in its own
 * node_modules; returns the CommonJS and ESM entry files.
 */
function writeApps(appDir: string, corePath: string): { cjs: string; esm: string } {
  const cjs = join(appDir, 'app.cjs');
  const esm = join(appDir, 'app.mjs');
  writeFileSync(
    cjs,
    `const { storeFromEnv } = require(${JSON.stringify(join(corePath, 'dist', 'index.js'))});\n(async () => {${APP_BODY}})();\n`,
  );
  writeFileSync(
    esm,
    `import { storeFromEnv } from ${JSON.stringify(join(corePath, 'dist', 'index.mjs'))};\n${APP_BODY}\n`,
  );
  return { cjs, esm };
}

function installPostgres(nodeModules: string, core: string): void {
  const postgres = install(nodeModules, 'postgres', '@vectorcache/auth-postgres');
  linkFolder(join(postgres, 'node_modules'), '@vectorcache/auth-core', core);
  link(nodeModules, 'postgres', 'pg');
}

let root: string;
let db: TestDatabase | undefined;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'vc-pg-peer-'));
});
afterAll(async () => {
  rmSync(root, { recursive: true, force: true });
  await db?.drop();
});

async function run(app: string, cwd: string, env: NodeJS.ProcessEnv): Promise<unknown> {
  const result = await runProcess(process.execPath, [app], { cwd, env, timeoutMs: 20_000 });
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(result.stdout);
}

describePostgres('VECTORCACHE_DATABASE_URL with the built packages', () => {
  beforeAll(async () => {
    db = await createTestDatabase('peer');
  });

  it.each(['cjs', 'esm'] as const)(
    'a %s app finds @vectorcache/auth-postgres beside core, started from another folder',
    async (kind) => {
      const nodeModules = join(root, `flat-${kind}`, 'node_modules');
      const core = installCore(nodeModules);
      installPostgres(nodeModules, core);
      const app = writeApps(join(root, `flat-${kind}`), core)[kind];
      expect(await run(app, '/', { VECTORCACHE_DATABASE_URL: db!.url })).toEqual({
        store: 'PostgresKeyStore',
        listed: 0,
      });
    },
  );

  it.each(['cjs', 'esm'] as const)(
    'a %s app whose core lives elsewhere finds it from the working directory',
    async (kind) => {
      const appDir = join(root, `isolated-${kind}`);
      // Outside the app's folder: nothing of the app can be found from core's own file.
      const core = installCore(join(root, `store-${kind}`, 'node_modules'));
      installPostgres(join(appDir, 'node_modules'), core);
      const app = writeApps(appDir, core)[kind];
      expect(await run(app, appDir, { VECTORCACHE_DATABASE_URL: db!.url })).toEqual({
        store: 'PostgresKeyStore',
        listed: 0,
      });
    },
  );
});

describe('VECTORCACHE_DATABASE_URL without @vectorcache/auth-postgres installed', () => {
  it.each(['cjs', 'esm'] as const)(
    'a %s app gets the error that says what to install',
    async (kind) => {
      const appDir = join(root, `bare-${kind}`);
      const core = installCore(join(appDir, 'node_modules'));
      const app = writeApps(appDir, core)[kind];
      const result = await run(app, '/', {
        VECTORCACHE_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none',
      });
      expect(result).toEqual({
        code: 'invalid_option',
        message: expect.stringContaining(
          '@vectorcache/auth-postgres is not installed: run `npm install @vectorcache/auth-postgres pg`',
        ),
      });
    },
  );
});
