import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Each package entry, built, is loaded by its own name (through package.json "exports") in a
 * fresh Node, once with require and once with import, as users of either module system will; the
 * names are the entry's exact public functions, so a new export is a conscious change. Core and
 * the CLI have packaging tests of their own with more checks.
 */
const PACKAGES: Array<{ dir: string; name: string; entry?: string; exports: string[] }> = [
  {
    dir: 'express',
    name: '@vectorcache/auth-express',
    exports: ['requireScopes', 'tokenExchange', 'vectorcacheAuth'],
  },
  {
    // The management API, an opt-in import: @vectorcache/auth-admin is an optional peer.
    dir: 'express',
    name: '@vectorcache/auth-express/admin',
    entry: 'admin',
    exports: ['vectorcacheAdmin'],
  },
  {
    dir: 'koa',
    name: '@vectorcache/auth-koa',
    exports: ['requireScopes', 'tokenExchange', 'vectorcacheAuth'],
  },
  {
    // The management API, an opt-in import: @vectorcache/auth-admin is an optional peer.
    dir: 'koa',
    name: '@vectorcache/auth-koa/admin',
    entry: 'admin',
    exports: ['vectorcacheAdmin'],
  },
  {
    dir: 'fastify',
    name: '@vectorcache/auth-fastify',
    exports: ['requireScopes', 'tokenExchange', 'vectorcacheAuth'],
  },
  {
    // The management API, an opt-in import: @vectorcache/auth-admin is an optional peer.
    dir: 'fastify',
    name: '@vectorcache/auth-fastify/admin',
    entry: 'admin',
    exports: ['vectorcacheAdmin'],
  },
  {
    dir: 'admin',
    name: '@vectorcache/auth-admin',
    exports: ['createAdminHandler', 'openApiDocument'],
  },
  {
    // What framework mounts are built from (src/adapter.ts), not what applications call.
    dir: 'admin',
    name: '@vectorcache/auth-admin/adapter',
    entry: 'adapter',
    exports: [
      'checkPrefix',
      'failedBody',
      'nodeAdminRequest',
      'splitUrl',
      'streamBody',
      'underPrefix',
      'webAdminRequest',
    ],
  },
  {
    dir: 'hono',
    name: '@vectorcache/auth-hono',
    exports: ['requireScopes', 'tokenExchange', 'vectorcacheAuth'],
  },
  {
    // The management API, an opt-in import: @vectorcache/auth-admin is an optional peer.
    dir: 'hono',
    name: '@vectorcache/auth-hono/admin',
    entry: 'admin',
    exports: ['vectorcacheAdmin'],
  },
  {
    dir: 'redis',
    name: '@vectorcache/auth-redis',
    exports: [
      'RedisKeyStore',
      'connectionFailureReason',
      'recommendedClusterOptions',
      'recommendedRedisOptions',
    ],
  },
  {
    dir: 'postgres',
    name: '@vectorcache/auth-postgres',
    exports: ['PostgresKeyStore'],
  },
];

const script = (name: string): string => `
import { createRequire } from 'node:module';
const cjs = createRequire(process.cwd() + '/')('${name}');
const esm = await import('${name}');
const describe = (m) => Object.keys(m).filter((k) => k !== 'default').sort().map((k) => k + ':' + typeof m[k]);
console.log(JSON.stringify({ cjs: describe(cjs), esm: describe(esm) }));
`;

describe.each(PACKAGES)('$name, built', ({ dir, name, entry = 'index', exports }) => {
  const packageDir = join(__dirname, '..', '..', 'packages', dir);

  it('ships ESM, CommonJS and types for both', () => {
    for (const file of ['.js', '.mjs', '.d.ts', '.d.mts'].map((ext) => `${entry}${ext}`)) {
      if (!existsSync(join(packageDir, 'dist', file))) {
        throw new Error(
          `${name} is not built (dist/${file} is missing): run \`pnpm build\` first.`,
        );
      }
    }
  });

  it('loads with require and with import, with the same functions', () => {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script(name)], {
      cwd: packageDir,
      encoding: 'utf8',
    });
    const expected = exports.map((e) => `${e}:function`);
    expect(JSON.parse(out)).toEqual({ cjs: expected, esm: expected });
  });
});

const ADAPTERS = ['express', 'koa', 'fastify', 'hono'];

describe.each(ADAPTERS)('@vectorcache/auth-%s without the management API', (dir) => {
  const packageDir = join(__dirname, '..', '..', 'packages', dir);

  it('declares @vectorcache/auth-admin as an optional peer, not a dependency', () => {
    const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
      peerDependenciesMeta?: Record<string, { optional?: boolean }>;
    };
    expect(manifest.dependencies?.['@vectorcache/auth-admin']).toBeUndefined();
    expect(manifest.peerDependencies?.['@vectorcache/auth-admin']).toBeDefined();
    expect(manifest.peerDependenciesMeta?.['@vectorcache/auth-admin']).toEqual({ optional: true });
  });

  it('loads no module of @vectorcache/auth-admin from its main entry (require and import)', () => {
    const name = `@vectorcache/auth-${dir}`;
    const code = `
      import { createRequire } from 'node:module';
      import { readFileSync } from 'node:fs';
      const require = createRequire(process.cwd() + '/');
      require('${name}');
      const cjs = Object.keys(require.cache).filter((file) => /[\\/](admin|auth-admin)[\\/]/.test(file));
      // ESM: the main entry's file and the chunks it imports name no admin module.
      const seen = new Set();
      const walk = (file) => {
        if (seen.has(file)) return;
        seen.add(file);
        const text = readFileSync(file, 'utf8');
        for (const [, spec] of text.matchAll(/from\\s*["']([^"']+)["']/g)) {
          if (spec.startsWith('.')) walk(new URL(spec, 'file://' + file).pathname);
          else seen.add(spec);
        }
      };
      walk(require.resolve('${name}').replace(/\\.js$/, '.mjs'));
      const esm = [...seen].filter((spec) => spec.includes('auth-admin'));
      console.log(JSON.stringify({ cjs, esm }));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], {
      cwd: packageDir,
      encoding: 'utf8',
    });
    expect(JSON.parse(out)).toEqual({ cjs: [], esm: [] });
  });
});

/** A consumer of the built Hono adapter; `c.get('vectorcache')` must be typed by the .d.ts alone. */
const HONO_CONSUMER = `
import { requireScopes, vectorcacheAuth, type Principal } from '@vectorcache/auth-hono';
import { Hono } from 'hono';

const app = new Hono();
app.use(vectorcacheAuth({ skip: (c) => c.req.path === '/health' }));
app.get('/', requireScopes('cache:read'), (c) => {
  const principal: Principal | undefined = c.get('vectorcache');
  // @ts-expect-error the principal may be unset (skipped routes)
  const project: string = c.get('vectorcache').projectId;
  return c.json({ principal, project });
});
`;

describe('@vectorcache/auth-hono types, built', () => {
  const packageDir = join(__dirname, '..', '..', 'packages', 'hono');

  it("resolve for import and for require, with c.get('vectorcache') typed without casts", () => {
    // Inside the package, so its own name resolves through "exports" (self-reference) to dist.
    const dir = mkdtempSync(join(packageDir, '.types-check-'));
    try {
      writeFileSync(join(dir, 'consumer.mts'), HONO_CONSUMER);
      writeFileSync(join(dir, 'consumer.cts'), HONO_CONSUMER);
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            module: 'nodenext',
            moduleResolution: 'nodenext',
            target: 'es2022',
            strict: true,
            noEmit: true,
            skipLibCheck: true,
            types: [],
          },
          files: ['consumer.mts', 'consumer.cts'],
        }),
      );
      const tsc = require.resolve('typescript/bin/tsc');
      const run = (): string => {
        try {
          return execFileSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' });
        } catch (err) {
          return String((err as { stdout?: string }).stdout ?? err);
        }
      };
      expect(run()).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
