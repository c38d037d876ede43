import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The environment is configured in one table, the root README's "Configuration": each adapter's
 * README links to it instead of keeping a copy (copies listed half the variables).
 */
const ROOT = join(__dirname, '..', '..');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

describe('one configuration table', () => {
  it('the root README lists every VECTORCACHE_* variable core reads', () => {
    const table = read('README.md').split('\n## Configuration\n')[1]?.split('\n## ')[0] ?? '';
    const documented = [...table.matchAll(/^\| `(VECTORCACHE_[A-Z_]+)`/gm)].map((m) => m[1]);
    const source = ['config/env.ts', 'config/redis-env.ts']
      .map((file) => read(join('packages', 'core', 'src', file)))
      .join('\n');
    const read_ = [
      ...new Set([...source.matchAll(/\bVECTORCACHE_[A-Z_]+[A-Z]\b/g)].map((m) => m[0])),
    ];
    expect(read_.filter((name) => !documented.includes(name))).toEqual([]);
  });

  it.each(['express', 'koa', 'fastify', 'hono'])(
    'packages/%s/README.md links to it and keeps no copy',
    (dir) => {
      const readme = read(join('packages', dir, 'README.md'));
      expect(readme).toContain('](../../README.md#configuration)');
      expect(readme).not.toMatch(/^\| `VECTORCACHE_/m);
    },
  );
});

describe('the generated API reference', () => {
  it.each([
    'README.md',
    ...['core', 'express', 'koa', 'fastify', 'hono', 'admin', 'redis', 'cli'].map(
      (dir) => `packages/${dir}/README.md`,
    ),
  ])('%s links to it', (path) => {
    expect(read(path)).toMatch(/\]\((\.\.\/\.\.\/)?docs\/api\/index\.html\)/);
  });

  it('is built by `pnpm run docs` from every public entry point', () => {
    const config = JSON.parse(read('typedoc.json')) as { entryPoints: string[]; out: string };
    const manifest = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(manifest.scripts.docs).toBe('typedoc');
    expect(config.out).toBe('docs/api');
    expect(read('.gitignore')).toMatch(/^docs\/api\/$/m);
    const entries: string[] = [];
    for (const dir of ['core', 'express', 'koa', 'fastify', 'hono', 'admin', 'redis', 'cli']) {
      const pkg = JSON.parse(read(join('packages', dir, 'package.json'))) as {
        exports: Record<string, unknown>;
      };
      for (const subpath of Object.keys(pkg.exports).filter((key) => key !== './package.json')) {
        const file = subpath === '.' ? 'index' : subpath.slice(2);
        entries.push(`packages/${dir}/src/${file}.ts`);
      }
    }
    expect([...config.entryPoints].sort()).toEqual(entries.sort());
  });
});
