import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeRedis, redisUrl, uniquePrefix } from '../../test-utils/redis';
import { APP_BODY, install, link } from './installed-app';
import { runProcess } from '../../test-utils/processes';

/**
 * Zero configuration with VECTORCACHE_REDIS_URL, as users run it: the built packages installed in
 * an app's node_modules (npm's flat layout), the app started from another folder (`/`, as systemd
 * or a Docker WORKDIR may). Core does not declare @vectorcache/auth-redis (that would be a
 * workspace cycle: redis depends on core) and must still find it from its own location, for
 * CommonJS and ESM apps alike; and, where core is linked from a folder that does not see the
 * app's packages, from the working directory.
 */
/** Writes a CommonJS and an ESM app into `appDir`; returns their paths. */
function writeApps(appDir: string): { cjs: string; esm: string } {
  const cjs = join(appDir, 'app.cjs');
  const esm = join(appDir, 'app.mjs');
  writeFileSync(
    cjs,
    `const { storeFromEnv } = require('@vectorcache/auth-core');\n(async () => {${APP_BODY}})();\n`,
  );
  writeFileSync(esm, `import { storeFromEnv } from '@vectorcache/auth-core';\n${APP_BODY}\n`);
  return { cjs, esm };
}

/** Builds an app folder with core (and, if asked, the Redis package) installed. */
function makeApp(root: string, name: string, withRedis: boolean): { cjs: string; esm: string } {
  const appDir = join(root, name);
  const nodeModules = join(appDir, 'node_modules');
  mkdirSync(join(nodeModules, '@vectorcache'), { recursive: true });
  install(nodeModules, 'core', '@vectorcache/auth-core');
  link(nodeModules, 'core', 'jose');
  link(nodeModules, 'core', 'lru-cache');
  if (withRedis) {
    install(nodeModules, 'redis', '@vectorcache/auth-redis');
    link(nodeModules, 'redis', 'ioredis');
  }
  return writeApps(appDir);
}

/**
 * Core linked into the app from a folder of its own (as `npm link` or a shared install does), so
 * that nothing beside core's real path has the Redis package; the app has it in its node_modules.
 */
function makeLinkedCoreApp(root: string, name: string): { dir: string; cjs: string; esm: string } {
  const shared = join(root, `${name}-core`, 'node_modules');
  mkdirSync(join(shared, '@vectorcache'), { recursive: true });
  install(shared, 'core', '@vectorcache/auth-core');
  link(shared, 'core', 'jose');
  link(shared, 'core', 'lru-cache');
  const appDir = join(root, name);
  const nodeModules = join(appDir, 'node_modules');
  mkdirSync(join(nodeModules, '@vectorcache'), { recursive: true });
  symlinkSync(
    join(shared, '@vectorcache', 'auth-core'),
    join(nodeModules, '@vectorcache', 'auth-core'),
  );
  install(nodeModules, 'redis', '@vectorcache/auth-redis');
  link(nodeModules, 'redis', 'ioredis');
  return { dir: appDir, ...writeApps(appDir) };
}

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'vc-peer-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function runFromRoot(app: string, env: NodeJS.ProcessEnv): Promise<unknown> {
  // cwd `/`: nothing of the app can be found from the working directory.
  const run = await runProcess(process.execPath, [app], { cwd: '/', env, timeoutMs: 20_000 });
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(run.stdout);
}

describeRedis('VECTORCACHE_REDIS_URL, the app started from another folder', () => {
  it.each(['cjs', 'esm'] as const)(
    'a %s app finds @vectorcache/auth-redis beside core',
    async (kind) => {
      const app = makeApp(root, `with-redis-${kind}`, true)[kind];
      const env = {
        VECTORCACHE_REDIS_URL: redisUrl,
        VECTORCACHE_REDIS_PREFIX: uniquePrefix('peer'),
      };
      expect(await runFromRoot(app, env)).toEqual({ store: 'RedisKeyStore', listed: 0 });
    },
  );
});

describeRedis(
  'VECTORCACHE_REDIS_URL, core linked from elsewhere, the app started in its folder',
  () => {
    it.each(['cjs', 'esm'] as const)(
      'a %s app finds @vectorcache/auth-redis from the working directory',
      async (kind) => {
        const app = makeLinkedCoreApp(root, `linked-core-${kind}`);
        const env = {
          VECTORCACHE_REDIS_URL: redisUrl,
          VECTORCACHE_REDIS_PREFIX: uniquePrefix('peer'),
        };
        const run = await runProcess(process.execPath, [app[kind]], {
          cwd: app.dir,
          env,
          timeoutMs: 20_000,
        });
        expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
        expect(JSON.parse(run.stdout)).toEqual({ store: 'RedisKeyStore', listed: 0 });
      },
    );
  },
);

describe('VECTORCACHE_REDIS_URL without @vectorcache/auth-redis installed', () => {
  it.each(['cjs', 'esm'] as const)(
    'a %s app gets the error that says what to install',
    async (kind) => {
      const app = makeApp(root, `bare-${kind}`, false)[kind];
      const result = await runFromRoot(app, { VECTORCACHE_REDIS_URL: 'redis://127.0.0.1:1' });
      expect(result).toEqual({
        code: 'invalid_option',
        message: expect.stringContaining(
          '@vectorcache/auth-redis is not installed: run `npm install @vectorcache/auth-redis ioredis`',
        ),
      });
    },
  );
});
