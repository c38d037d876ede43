import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const packageDir = join(__dirname, '..');
const NAME = '@vectorcache/auth-fastify';

// Loads the built package by its own name (through package.json "exports") in a fresh Node,
// once with require and once with import, as users of either module system will.
const script = `
import { createRequire } from 'node:module';
const cjs = createRequire(process.cwd() + '/')('${NAME}');
const esm = await import('${NAME}');
const describe = (m) => Object.keys(m).filter((k) => k !== 'default').sort().map((k) => k + ':' + typeof m[k]);
console.log(JSON.stringify({ cjs: describe(cjs), esm: describe(esm) }));
`;

it('loads the built output with require and with import', () => {
  if (!existsSync(join(packageDir, 'dist', 'index.js'))) {
    throw new Error(`${NAME} is not built: run \`pnpm build\` (the test script does) first.`);
  }
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: packageDir,
    encoding: 'utf8',
  });
  const expected = ['requireScopes:function', 'tokenExchange:function', 'vectorcacheAuth:function'];
  expect(JSON.parse(out)).toEqual({ cjs: expected, esm: expected });
});
