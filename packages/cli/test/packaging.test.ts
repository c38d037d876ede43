import { execFile } from 'node:child_process';
import { access, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeTempDir, removeDir } from './helpers';

// The built package as npm users get it (run `pnpm build` first): CommonJS and ESM entry points
// and the `vectorcache-keys` binary, loaded by plain Node outside Jest.
const PACKAGE_DIR = join(__dirname, '..');
const DIST = join(PACKAGE_DIR, 'dist');
const run = promisify(execFile);

// Exactly the runner's names: a new export is a conscious change to this list.
const EXPORTS = ['EXIT_FAILURE', 'EXIT_OK', 'EXIT_USAGE', 'main', 'runCli'];

beforeAll(async () => {
  await access(join(DIST, 'index.js')).catch(() => {
    throw new Error(`${DIST} is missing: run \`pnpm build\` before the packaging test`);
  });
});

it('loads with require and with import, with the same named exports', async () => {
  const script = `
    const cjs = require(${JSON.stringify(join(DIST, 'index.js'))});
    import(${JSON.stringify(join(DIST, 'index.mjs'))}).then((esm) => {
      process.stdout.write(JSON.stringify({
        cjs: Object.keys(cjs).sort(),
        esm: Object.keys(esm).sort(),
        same: typeof cjs.runCli === 'function' && typeof esm.runCli === 'function',
      }));
    });`;
  const { stdout } = await run(process.execPath, ['-e', script], { timeout: 15_000 });
  expect(JSON.parse(stdout)).toEqual({ cjs: EXPORTS, esm: EXPORTS, same: true });
});

it('the bin declared in package.json is an executable node script that runs', async () => {
  const pkg = JSON.parse(await readFile(join(PACKAGE_DIR, 'package.json'), 'utf8')) as {
    bin: Record<string, string>;
  };
  const bin = join(PACKAGE_DIR, pkg.bin['vectorcache-keys'] as string);
  expect((await readFile(bin, 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(true);
  expect((await stat(bin)).mode & 0o111).not.toBe(0);

  const dir = await makeTempDir('packaging');
  try {
    const env = { PATH: process.env.PATH, VECTORCACHE_KEYS_FILE: join(dir, 'keys.db') };
    const help = await run(bin, ['--help'], { env, timeout: 15_000 });
    expect(help.stdout).toContain('Usage: vectorcache-keys');
    const created = await run(bin, ['create', '--project', 'p', '--name', 'n', '--json'], {
      env,
      timeout: 15_000,
    });
    expect(JSON.parse(created.stdout)).toMatchObject({ record: { projectId: 'p' } });
    await expect(run(bin, ['nope'], { env, timeout: 15_000 })).rejects.toMatchObject({
      code: 2,
      stderr: "error: unknown command 'nope'\n",
    });
  } finally {
    await removeDir(dir);
  }
});
