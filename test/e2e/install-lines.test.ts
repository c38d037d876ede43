import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './processes';

// The install lines of the package READMEs, run as a user runs them: `npm install` from today's
// registry into a scratch app, with each `@vectorcache/*` name replaced by its packed tarball
// (and the tarballs of the workspace packages it depends on, which a registry would supply).
// An install that loops on peer conflicts (ioredis 6 against a `^5` peer once printed
// `ERESOLVE overriding peer dependency` for 12 minutes) fails at the bound below.
jest.setTimeout(15 * 60_000);

const run = promisify(execFile);
const INSTALL_BOUND_MS = 6 * 60_000;
const PACKAGES = join(REPO_ROOT, 'packages');
// The app's processes see what a user's would: not the NODE_PATH that pnpm's bin shims set to
// the repository's own node_modules (where better-sqlite3 is found).
const { NODE_PATH: _repoModules, ...APP_ENV } = process.env;

interface Packed {
  tarball: string;
  /** Names of the workspace packages it depends on (dependencies and required peers). */
  needs: string[];
}

/**
 * pnpm, which packs `workspace:` ranges as real ones (npm would leave them in): the one running
 * this test under `pnpm test`, else the repository's pinned version through npx.
 */
function pnpm(args: string[], cwd: string): Promise<{ stdout: string }> {
  const execPath = process.env.npm_execpath ?? '';
  if (!/pnpm/.test(execPath)) return run('npx', ['-y', 'pnpm@12.4.2', ...args], { cwd });
  // pnpm 12 runs as a native executable; earlier ones as a script for node.
  return /\.[cm]?js$/.test(execPath)
    ? run(process.execPath, [execPath, ...args], { cwd })
    : run(execPath, args, { cwd });
}

let tarballs: Map<string, Packed>;
let packDir: string;

function workspaceNeeds(manifest: {
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}): string[] {
  const optional = manifest.peerDependenciesMeta ?? {};
  const peers = Object.keys(manifest.peerDependencies ?? {}).filter((n) => !optional[n]?.optional);
  return [...Object.keys(manifest.dependencies ?? {}), ...peers].filter((name) =>
    name.startsWith('@vectorcache/'),
  );
}

beforeAll(async () => {
  packDir = await mkdtemp(join(tmpdir(), 'vc-install-packs-'));
  tarballs = new Map();
  for (const dir of readdirSync(PACKAGES)) {
    const manifestPath = join(PACKAGES, dir, 'package.json');
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
      name: string;
    } & Parameters<typeof workspaceNeeds>[0];
    const { stdout } = await pnpm(
      ['pack', '--pack-destination', packDir, '--json'],
      join(PACKAGES, dir),
    );
    const { filename } = JSON.parse(stdout) as { filename: string };
    tarballs.set(manifest.name, { tarball: filename, needs: workspaceNeeds(manifest) });
  }
});

afterAll(async () => {
  if (packDir) await rm(packDir, { recursive: true, force: true });
});

/** Every `npm install ...` line of the package READMEs' shell blocks, with its README. */
function readmeInstallLines(): Array<{ readme: string; line: string }> {
  const lines: Array<{ readme: string; line: string }> = [];
  for (const dir of readdirSync(PACKAGES)) {
    const readme = join(PACKAGES, dir, 'README.md');
    if (!existsSync(readme)) continue;
    for (const text of readFileSync(readme, 'utf8').split('\n')) {
      const command = text.split('#')[0]!.trim();
      // A `--global` install is the user's shell, not an app: left to the user.
      if (/^npm install /.test(command) && !/ (--global|-g)( |$)/.test(command)) {
        lines.push({ readme: `packages/${dir}/README.md`, line: command });
      }
    }
  }
  return lines;
}

/** The line's arguments with `@vectorcache/*` names replaced by tarballs, dependencies included. */
function withTarballs(line: string): string[] {
  const args = line.split(/\s+/).slice(2);
  const wanted = new Set<string>();
  const add = (name: string): void => {
    const packed = tarballs.get(name);
    if (!packed) throw new Error(`${line}: no workspace package ${name} to pack`);
    if (wanted.has(name)) return;
    wanted.add(name);
    packed.needs.forEach(add);
  };
  const rest: string[] = [];
  for (const arg of args) {
    if (arg.startsWith('@vectorcache/')) add(arg);
    else rest.push(arg);
  }
  return [...rest, ...[...wanted].map((name) => tarballs.get(name)!.tarball)];
}

async function npmInstall(app: string, args: string[]): Promise<string> {
  const { stdout, stderr } = await run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--loglevel=warn', ...args],
    {
      cwd: app,
      env: APP_ENV,
      timeout: INSTALL_BOUND_MS,
      killSignal: 'SIGKILL',
      maxBuffer: 1 << 26,
    },
  );
  return stdout + stderr;
}

async function scratchApp(): Promise<string> {
  const app = await mkdtemp(join(tmpdir(), 'vc-install-app-'));
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'scratch', private: true }));
  return app;
}

it('the READMEs name the CLI by its scoped package wherever they say npx', () => {
  const offenders: string[] = [];
  const readmes = [join(REPO_ROOT, 'README.md')];
  for (const dir of readdirSync(PACKAGES)) readmes.push(join(PACKAGES, dir, 'README.md'));
  for (const readme of readmes.filter((path) => existsSync(path))) {
    readFileSync(readme, 'utf8')
      .split('\n')
      .forEach((text, i) => {
        // `npx vectorcache-keys` asks the registry for the unscoped name, which anyone may publish.
        if (/npx (-y )?vectorcache-keys/.test(text)) offenders.push(`${readme}:${i + 1}`);
      });
  }
  expect(offenders).toEqual([]);
});

it('every install line of the package READMEs works as written, with nothing compiled for Redis', async () => {
  const lines = readmeInstallLines();
  // Every package documents its install, the Redis one with ioredis.
  expect(lines.map((l) => l.readme)).toEqual(
    expect.arrayContaining(['packages/redis/README.md', 'packages/fastify/README.md']),
  );
  const redisLine = lines.find((l) => l.readme === 'packages/redis/README.md')!.line;
  const fastifyLine = lines.find((l) => l.readme === 'packages/fastify/README.md')!.line;

  // What a Fastify service on Redis types: the two lines as one install, from an empty app.
  const app = await scratchApp();
  try {
    const merged = `${fastifyLine} ${redisLine.split(/\s+/).slice(2).join(' ')}`;
    const output = await npmInstall(app, withTarballs(merged));
    expect(output).not.toMatch(/ERESOLVE/);
    // ioredis resolves to the registry's latest, which the store's peer range must accept.
    const ioredis = JSON.parse(
      readFileSync(join(app, 'node_modules', 'ioredis', 'package.json'), 'utf8'),
    ) as { version: string };
    expect(ioredis.version).toMatch(/^[56]\./);
    // better-sqlite3 is an optional peer: a Redis service installs (and compiles) none of it.
    expect(existsSync(join(app, 'node_modules', 'better-sqlite3'))).toBe(false);
    const { stdout } = await run(
      process.execPath,
      [
        '-e',
        "const f = require('@vectorcache/auth-fastify'); const r = require('@vectorcache/auth-redis');" +
          "process.stdout.write(typeof f.vectorcacheAuth + ' ' + typeof r.RedisKeyStore)",
      ],
      { cwd: app, env: APP_ENV },
    );
    expect(stdout).toBe('function function');

    // The same app opening the embedded store: on Node 20 (no node:sqlite) the error names the
    // package to install; where Node has node:sqlite, it just works.
    const embedded = await run(
      process.execPath,
      [
        '-e',
        "const { SqliteKeyStore } = require('@vectorcache/auth-core');" +
          "(async () => { const s = new SqliteKeyStore({ path: 'keys.db' });" +
          "  await s.insert({ id: 'key_' + '0'.repeat(24), projectId: 'p', name: 'n', prefix: 'vc_0000'," +
          "    hash: 'a'.repeat(64), scopes: [], createdAt: new Date().toISOString(), lastUsedAt: null," +
          '    requestCount: 0, revokedAt: null, expiresAt: null });' +
          "  await s.close(); return 'opened'; })().then(" +
          '(m) => process.stdout.write(m), (e) => process.stdout.write(String(e.message)))',
      ],
      { cwd: app, env: APP_ENV },
    );
    const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
    const hasNodeSqlite = major > 22 || (major === 22 && minor >= 13);
    if (hasNodeSqlite) expect(embedded.stdout).toBe('opened');
    else expect(embedded.stdout).toContain('npm install better-sqlite3@12');

    // Every other line, one after another into the same app, as a service grows.
    for (const { line } of lines) {
      if (line === fastifyLine || line === redisLine) continue;
      const more = await npmInstall(app, withTarballs(line));
      expect({ line, eresolve: /ERESOLVE/.test(more) }).toEqual({ line, eresolve: false });
    }
  } finally {
    await rm(app, { recursive: true, force: true });
  }
});
