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
// What a build reads, relative to the package: sources and build configuration only, so files
// that tests or `pnpm pack` leave in a package folder never trigger a build. The admin package
// embeds the dashboard's built files.
const INPUTS = [
  'src',
  'package.json',
  'tsconfig.json',
  'build.mjs',
  'index.html',
  'dashboard/dist',
];

/** Newest (or oldest) modification time of the file or of the files under the folder `path`. */
function mtime(path, pick) {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  let found;
  for (const entry of readdirSync(path)) {
    const time = mtime(join(path, entry), pick);
    if (time !== undefined) found = found === undefined ? time : pick(found, time);
  }
  return found;
}

/** True when dist/ is missing or older than any of the package's {@link INPUTS}. */
function stale(pkg) {
  const dir = join(root, pkg);
  const dist = join(dir, 'dist');
  if (!existsSync(dist)) return true;
  const built = mtime(dist, Math.min);
  if (built === undefined) return true;
  return INPUTS.some((input) => {
    const path = join(dir, input);
    return existsSync(path) && (mtime(path, Math.max) ?? 0) > built;
  });
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
