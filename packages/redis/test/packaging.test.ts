import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const packageDir = join(__dirname, '..');
const NAME = '@vectorcache/auth-redis';

// Loads the built package by its own name (through package.json "exports") in a fresh Node,
// once with require and once with import. Building the store opens no connection until used,
// so no Redis is needed here.
const script = `
import { createRequire } from 'node:module';
const cjs = createRequire(process.cwd() + '/')('${NAME}');
const esm = await import('${NAME}');
const describe = (m) => Object.keys(m).filter((k) => k !== 'default').sort().map((k) => k + ':' + typeof m[k]);
const layout = esm.keyLayout('vc:').record('abc');
console.log(JSON.stringify({ cjs: describe(cjs), esm: describe(esm), layout }));
`;

it('loads the built output with require and with import', () => {
  if (!existsSync(join(packageDir, 'dist', 'index.js'))) {
    throw new Error(`${NAME} is not built: run \`pnpm build\` (the test script does) first.`);
  }
  for (const file of ['index.js', 'index.mjs', 'index.d.ts', 'index.d.mts']) {
    expect(existsSync(join(packageDir, 'dist', file))).toBe(true);
  }
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: packageDir,
    encoding: 'utf8',
  });
  const expected = [
    'RedisKeyStore:function',
    'keyLayout:function',
    'recommendedRedisOptions:function',
  ];
  expect(JSON.parse(out)).toEqual({ cjs: expected, esm: expected, layout: 'vc:{vc}:rec:abc' });
});
