/**
 * `pnpm demo`: starts examples/express-server on the embedded SQLite store as the server of
 * project `demo`, creates a demo key (and a key of another project, and a manager key for the
 * dashboard) on the first run, checks the four answers itself and prints ready-to-paste curl
 * lines, the dashboard's URL and the key to sign in with.
 *
 * Environment: PORT (default 3000), VECTORCACHE_DEMO_DIR (default `.vectorcache/` of the repo:
 * `keys.db` and the gitignored `demo-key`, `other-key` and `admin-key`, mode 0600, which let later
 * runs show the keys again).
 *
 * Stopping: Ctrl+C, or SIGTERM/SIGINT to this process or to the `pnpm`/`npx` that started it
 * (they do not pass signals on: the demo notices that any process above it is gone and stops the
 * same way).
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join, relative, resolve } from 'node:path';
import { createKeyManager, hashApiKey, isApiKeyFormat, storeFromEnv } from '@vectorcache/auth-core';
import { pepperFromEnv } from '@vectorcache/auth-core';
import { createApp } from '../examples/express-server/src/app';
import { stopWhenParentExits } from '../examples/shared/serve';

const REPO_ROOT = resolve(__dirname, '..');
const DEMO_DIR = resolve(
  process.env.VECTORCACHE_DEMO_DIR?.trim() || join(REPO_ROOT, '.vectorcache'),
);
const KEYS_FILE = join(DEMO_DIR, 'keys.db');
/** The database `vectorcache-keys` uses when run at the repository root. */
const DEFAULT_DEMO_KEYS_FILE = join(REPO_ROOT, '.vectorcache', 'keys.db');
const KEY_FILE = join(DEMO_DIR, 'demo-key');
const OTHER_KEY_FILE = join(DEMO_DIR, 'other-key');
const ADMIN_KEY_FILE = join(DEMO_DIR, 'admin-key');
const DEMO_PROJECT = 'demo';
const OTHER_PROJECT = 'other';
const DEMO_SCOPES = ['cache:read'];
/** The dashboard's key: manages the project's keys, reads its analytics, may grant cache scopes. */
const ADMIN_SCOPES = ['keys:manage', 'analytics:read', 'cache:*'];

const QUERY_BODY = '{"prompt":"hello"}';
const WRITE_BODY = '{"prompt":"hello","response":"world"}';

function fail(message: string): never {
  process.stderr.write(`demo: ${message}\n`);
  process.exit(1);
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535)
    fail(`PORT must be a number from 0 to 65535, not "${text}"`);
  return port;
}

/**
 * The key saved in `file` if it is still active in the store; otherwise a new one of `projectId`
 * (scopes {@link DEMO_SCOPES} unless told), saved there (0600).
 */
async function savedKey(
  file: string,
  projectId: string,
  name: string,
  scopes: string[] = DEMO_SCOPES,
): Promise<{ key: string; created: boolean }> {
  const pepper = pepperFromEnv();
  // The environment points at KEYS_FILE (see main); an earlier demo's keys.json beside it is imported.
  const store = storeFromEnv();
  try {
    const saved = (await readFile(file, 'utf8').catch(() => '')).trim();
    if (isApiKeyFormat(saved)) {
      const found = await store.findByHash(hashApiKey(saved, { pepper }));
      const record = found && (await createKeyManager({ store, pepper }).get(found.id));
      if (record?.status === 'active') return { key: saved, created: false };
    }
    const { key } = await createKeyManager({ store, pepper }).create({
      projectId,
      name,
      scopes,
    });
    await mkdir(DEMO_DIR, { recursive: true, mode: 0o700 });
    // Removed and created anew, so the file never exists with wider permissions than 0600.
    await rm(file, { force: true });
    await writeFile(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
    return { key, created: true };
  } finally {
    await store.close();
  }
}

async function status(url: string, key: string | undefined, body: string): Promise<number> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key !== undefined) headers.authorization = `Bearer ${key}`;
  const response = await fetch(url, { method: 'POST', headers, body });
  await response.arrayBuffer();
  return response.status;
}

function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') || rel === '' ? path : rel;
}

async function main(): Promise<void> {
  const port = parsePort(process.env.PORT?.trim() || '3000');
  // The demo always runs on its own key database, as the server of project `demo`, whatever the
  // shell says.
  process.env.VECTORCACHE_KEYS_FILE = KEYS_FILE;
  process.env.VECTORCACHE_PROJECT_ID = DEMO_PROJECT;
  delete process.env.VECTORCACHE_REDIS_URL;
  delete process.env.VECTORCACHE_REDIS_CLUSTER;

  const { key, created } = await savedKey(KEY_FILE, DEMO_PROJECT, 'pnpm demo');
  const other = await savedKey(OTHER_KEY_FILE, OTHER_PROJECT, 'pnpm demo (another project)');
  const admin = await savedKey(ADMIN_KEY_FILE, DEMO_PROJECT, 'pnpm demo dashboard', ADMIN_SCOPES);
  const { app, close } = createApp();
  const server = app.listen(port, '127.0.0.1');
  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('listening', resolveListen);
    server.once('error', rejectListen);
  }).catch((err: NodeJS.ErrnoException) =>
    fail(
      err.code === 'EADDRINUSE'
        ? `port ${port} is in use; run PORT=${port + 1} pnpm demo`
        : `cannot listen on 127.0.0.1:${port}: ${err.message}`,
    ),
  );
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const checks = [
    {
      label: 'query with the key',
      want: 200,
      got: await status(`${base}/v1/cache/query`, key, QUERY_BODY),
    },
    {
      label: 'query without a key',
      want: 401,
      got: await status(`${base}/v1/cache/query`, undefined, QUERY_BODY),
    },
    {
      label: 'write with the key',
      want: 403,
      got: await status(`${base}/v1/cache/write`, key, WRITE_BODY),
    },
    {
      label: `query with a key of project ${OTHER_PROJECT}`,
      want: 403,
      got: await status(`${base}/v1/cache/query`, other.key, QUERY_BODY),
    },
  ];
  const allGood = checks.every((check) => check.got === check.want);

  const auth = '-H "Authorization: Bearer $VECTORCACHE_API_KEY"';
  const json = `-H "Content-Type: application/json"`;
  process.stdout.write(
    [
      `Vectorcache auth demo: examples/express-server listening on ${base} (pid ${process.pid}), the server of project ${DEMO_PROJECT}`,
      `Key store: SQLite key database ${KEYS_FILE}`,
      created
        ? `Demo key: created now (project ${DEMO_PROJECT}, scopes ${DEMO_SCOPES.join(',')}) and saved to ${display(KEY_FILE)} (mode 0600${DEMO_DIR === join(REPO_ROOT, '.vectorcache') ? ', gitignored' : ''}) so later runs can show it again.`
        : `Demo key: the one saved in ${display(KEY_FILE)} (project ${DEMO_PROJECT}, scopes ${DEMO_SCOPES.join(',')}).`,
      '',
      `Self-check: ${checks.map((c) => `${c.label} -> ${c.got}${c.got === c.want ? '' : ` (expected ${c.want})`}`).join(', ')}`,
      allGood ? 'Self-check passed.' : 'Self-check FAILED: see the statuses above.',
      '',
      'Try it from another terminal:',
      '',
      `  export VECTORCACHE_API_KEY=${key}`,
      `  export OTHER_PROJECT_KEY=${other.key}   # a key of project ${OTHER_PROJECT}`,
      '',
      '  # 200: the key grants cache:read',
      `  curl -i -X POST ${base}/v1/cache/query ${auth} ${json} -d '${QUERY_BODY}'`,
      '',
      '  # 401: no key',
      `  curl -i -X POST ${base}/v1/cache/query ${json} -d '${QUERY_BODY}'`,
      '',
      '  # 403: the key lacks cache:write',
      `  curl -i -X POST ${base}/v1/cache/write ${auth} ${json} -d '${WRITE_BODY}'`,
      '',
      `  # 403 "API key does not have permission to access this project": a key of project ${OTHER_PROJECT}`,
      `  curl -i -X POST ${base}/v1/cache/query -H "Authorization: Bearer $OTHER_PROJECT_KEY" ${json} -d '${QUERY_BODY}'`,
      '',
      `Dashboard: ${base}/admin/ (the management API and its page, mounted on the same server)`,
      `  sign in with this key of project ${DEMO_PROJECT} (scopes ${ADMIN_SCOPES.join(',')}; saved in ${display(ADMIN_KEY_FILE)}):`,
      `  ${admin.key}`,
      '',
      `Manage keys from a terminal (in the repository): ${KEYS_FILE === DEFAULT_DEMO_KEYS_FILE ? '' : `VECTORCACHE_KEYS_FILE=${KEYS_FILE} `}pnpm exec vectorcache-keys list --project ${DEMO_PROJECT}`,
      'Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    server.close();
    server.closeAllConnections();
    // close() flushes the pending usage counts, so `list` shows every request of the session.
    void close().finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // `pnpm demo &` gives the PID of pnpm, which dies on SIGTERM without passing it on.
  stopWhenParentExits(stop);
}

main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
