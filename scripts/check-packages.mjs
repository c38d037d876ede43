// Packs every package under packages/ as `pnpm publish` would and checks the tarballs, offline:
// publint (strict) and arethetypeswrong on each tarball, the license file (pnpm packs the
// repository's LICENSE into a package that has none of its own), the metadata npm shows, and no
// `workspace:` range left in the packed manifest. Run after `pnpm build` (the root `test`
// script does): `node scripts/check-packages.mjs`. Exits 1 with every problem listed.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..');
const LICENSE = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
const ATTW = join(ROOT, 'node_modules', '.bin', 'attw');
const REQUIRED_FILES = ['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.mjs'];

/** Packs `dir` into `out`; resolves to the tarball's path and the files it holds. */
async function pack(dir, out) {
  const { stdout } = await run('pnpm', ['pack', '--pack-destination', out, '--json'], {
    cwd: dir,
  });
  const packed = JSON.parse(stdout);
  return { tarball: packed.filename, files: packed.files.map((file) => file.path) };
}

/** One file of a tarball, as text. */
async function fileIn(tarball, path) {
  const { stdout } = await run('tar', ['-xzOf', tarball, `package/${path}`], {
    maxBuffer: 1 << 24,
  });
  return stdout;
}

/** Every problem of one package, as lines. */
async function check(dir, out) {
  const problems = [];
  const { tarball, files } = await pack(dir, out);
  for (const file of REQUIRED_FILES) {
    if (!files.includes(file)) problems.push(`the tarball lacks ${file}`);
  }
  if (files.includes('LICENSE') && (await fileIn(tarball, 'LICENSE')) !== LICENSE) {
    problems.push('its LICENSE differs from the repository LICENSE (copy it again)');
  }

  const manifestText = await fileIn(tarball, 'package.json');
  const manifest = JSON.parse(manifestText);
  if (manifestText.includes('workspace:')) problems.push('a workspace: range was left in');
  if (manifest.license !== 'MIT') problems.push('license is not MIT');
  for (const field of ['repository', 'homepage', 'keywords', 'description']) {
    if (!manifest[field] || manifest[field].length === 0) problems.push(`no ${field}`);
  }
  if (manifest.publishConfig?.access !== 'public') {
    problems.push('publishConfig.access is not "public" (scoped packages publish private)');
  }

  const lint = await publint({
    pack: { tarball: readFileSync(tarball).buffer },
    level: 'suggestion',
    strict: true,
  });
  for (const message of lint.messages) {
    problems.push(`publint ${message.type}: ${formatMessage(message, manifest)}`);
  }

  const attw = await run(ATTW, [tarball, '--format', 'json'], { maxBuffer: 1 << 24 }).catch(
    (err) => err,
  );
  const report = JSON.parse(attw.stdout);
  for (const problem of report.analysis?.problems ?? []) {
    problems.push(
      `arethetypeswrong ${problem.kind}: ${problem.entrypoint ?? ''} ${problem.resolutionKind ?? ''}`.trim(),
    );
  }
  return { name: manifest.name, problems };
}

const out = mkdtempSync(join(tmpdir(), 'vc-pack-'));
try {
  const dirs = readdirSync(join(ROOT, 'packages')).map((name) => join(ROOT, 'packages', name));
  const results = await Promise.all(dirs.map((dir) => check(dir, out)));
  let failed = false;
  for (const { name, problems } of results) {
    if (problems.length === 0) {
      console.log(`check-packages: ${name}: publint, arethetypeswrong, license and metadata ok`);
    } else {
      failed = true;
      console.error(`check-packages: ${name}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    }
  }
  if (failed) process.exitCode = 1;
} finally {
  rmSync(out, { recursive: true, force: true });
}
