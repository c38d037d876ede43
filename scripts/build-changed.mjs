// `pnpm demo`'s build step: builds a package only when something it is built from is newer than
// its dist/ (or there is none), in dependency order, so a second start takes a second, not a full
// `pnpm build`. `pnpm build` still builds everything.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// Dependency order: core first, the dashboard before the admin package that serves it.
const PACKAGES = [
  'packages/core',
  'packages/admin/dashboard',
  'packages/admin',
  'packages/redis',
  'packages/express',
  'packages/koa',
  'packages/fastify',
  'packages/hono',
  'packages/cli',
];
const IGNORED = new Set(['node_modules', 'test', 'CHANGELOG.md', 'README.md']);

/** Newest (or oldest) modification time of the files under `dir`, skipping what `skip` names. */
function mtimes(dir, skip, pick) {
  let found;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (skip(entry.name, dir)) continue;
    const path = join(dir, entry.name);
    const time = entry.isDirectory() ? mtimes(path, skip, pick) : statSync(path).mtimeMs;
    if (time !== undefined) found = found === undefined ? time : pick(found, time);
  }
  return found;
}

/** True when dist/ is missing or older than any source file, config or built dependency. */
function stale(pkg) {
  const dir = join(root, pkg);
  const dist = join(dir, 'dist');
  if (!existsSync(dist)) return true;
  const built = mtimes(dist, () => false, Math.min);
  // The package's own dist/ is output; a nested one (the dashboard's, inside admin) is input.
  const newest = mtimes(
    dir,
    (name, parent) => IGNORED.has(name) || (name === 'dist' && parent === dir),
    Math.max,
  );
  return built === undefined || (newest !== undefined && newest > built);
}

const built = [];
for (const pkg of PACKAGES) {
  if (!stale(pkg)) continue;
  process.stdout.write(`Building ${pkg} (changed since its last build)...\n`);
  execFileSync('pnpm', ['--filter', `./${pkg}`, 'run', 'build'], { cwd: root, stdio: 'inherit' });
  built.push(pkg);
}
if (built.length === 0) process.stdout.write('Packages up to date: nothing to build.\n');
else process.stdout.write(`Built ${built.map((p) => relative('packages', p)).join(', ')}.\n`);
