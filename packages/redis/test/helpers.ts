import { createConnection } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { REPO_ROOT, startProcess, tsxArgs } from '../../../test-utils/processes';

/** The plaintext-key pattern that must never appear in Redis. */
export const PLAINTEXT_KEY = /vc_[0-9a-f]{32}/;

/** One verifier-server child process (see fixtures/verifier-server.ts). */
export interface ServerInstance {
  url: string;
  /** Lines the child printed to stdout (JSON feed events) and stderr text. */
  readonly stdout: string[];
  stderr(): string;
  alive(): boolean;
  verify(key: string): Promise<number>;
  revoke(id: string): Promise<number>;
  /** Creates a key through the instance: the key (never printed) and its id. */
  create(projectId: string): Promise<{ key: string; id: string }>;
  /** Graceful close through the server (flushes usage), then waits for the exit. */
  close(): Promise<void>;
  kill(): Promise<void>;
}

/**
 * Starts a verifier-server child whose store comes from the zero-configuration environment `env`
 * (`VECTORCACHE_REDIS_URL` or `VECTORCACHE_REDIS_CLUSTER`, and the prefix); resolves once it
 * listens. `timeoutMs` is its verifier's store timeout.
 */
export async function startServerInstance(
  env: Record<string, string>,
  options: { timeoutMs?: number } = {},
): Promise<ServerInstance> {
  // Only `env` reaches the child (test-utils' childEnv), so no Redis of the caller's shell does.
  const proc = await startProcess(
    process.execPath,
    tsxArgs(join(__dirname, 'fixtures', 'verifier-server.ts')),
    {
      cwd: REPO_ROOT,
      env: { ...env, VC_TEST_TIMEOUT_MS: String(options.timeoutMs ?? 500) },
      ready: /^\{"port":(\d+)\}$/m,
      timeoutMs: 20_000,
    },
  );
  const { child } = proc;
  const port = Number(proc.ready[1]);
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    url,
    get stdout() {
      return proc
        .stdout()
        .split('\n')
        .filter((line) => line !== '');
    },
    stderr: () => proc.stderr(),
    alive: () => child.exitCode === null && child.signalCode === null,
    async verify(key) {
      const res = await fetch(`${url}/verify`, {
        headers: { authorization: `Bearer ${key}` },
        signal: AbortSignal.timeout(5000),
      });
      await res.arrayBuffer();
      return res.status;
    },
    async create(projectId) {
      const res = await fetch(`${url}/create/${projectId}`, {
        method: 'POST',
        signal: AbortSignal.timeout(5000),
      });
      if (res.status !== 201) throw new Error(`create answered ${res.status}`);
      return (await res.json()) as { key: string; id: string };
    },
    async revoke(id) {
      const res = await fetch(`${url}/revoke/${id}`, {
        method: 'POST',
        signal: AbortSignal.timeout(5000),
      });
      await res.arrayBuffer();
      return res.status;
    },
    async close() {
      if (child.exitCode === null) {
        await fetch(`${url}/close`, { method: 'POST', signal: AbortSignal.timeout(5000) })
          .then((res) => res.arrayBuffer())
          .catch(() => undefined);
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * Calls `probe` until it returns true or `deadlineMs` passes; resolves to the elapsed time, or
 * throws with `what` when the deadline passes (polling, never a fixed sleep).
 */
export async function pollUntil(
  probe: () => Promise<boolean> | boolean,
  deadlineMs: number,
  what: string,
  intervalMs = 5,
): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (await probe()) return performance.now() - start;
    if (performance.now() - start > deadlineMs) {
      throw new Error(`${what}: not within ${deadlineMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Every key name and value under `match` (SCAN + type-aware reads). */
export async function dumpKeys(
  client: Redis,
  match: string,
): Promise<Array<{ key: string; text: string }>> {
  const out: Array<{ key: string; text: string }> = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', match, 'COUNT', 500);
    cursor = next;
    for (const key of keys) {
      const type = await client.type(key);
      let value: unknown;
      if (type === 'hash') value = await client.hgetall(key);
      else if (type === 'set') value = await client.smembers(key);
      else if (type === 'string') value = await client.get(key);
      else if (type === 'list') value = await client.lrange(key, 0, -1);
      else if (type === 'zset') value = await client.zrange(key, 0, -1, 'WITHSCORES');
      else value = type;
      out.push({ key, text: JSON.stringify(value) });
    }
  } while (cursor !== '0');
  return out;
}

/** Keys (under `match`) whose name or value contains a plaintext API key. */
export async function findPlaintextKeys(client: Redis, match: string): Promise<string[]> {
  const entries = await dumpKeys(client, match);
  return entries
    .filter((entry) => PLAINTEXT_KEY.test(entry.key) || PLAINTEXT_KEY.test(entry.text))
    .map((entry) => entry.key);
}

/** Deletes every key under `match` (only ever a test's own prefix). */
export async function deleteKeys(client: Redis, match: string): Promise<void> {
  for (const { key } of await dumpKeys(client, match)) await client.del(key);
}

/** A MONITOR stream of one server, keeping only the commands that mention `needle`. */
export interface MonitorCapture {
  /** The kept commands, each as its arguments joined by spaces. */
  lines(): string[];
  stop(): Promise<void>;
}

/** The arguments of one MONITOR line (`+1.2 [0 127.0.0.1:5] "set" "k" "v"`), unescaped enough to search. */
function monitorArgs(line: string): string[] {
  const args: string[] = [];
  const quoted = /"((?:[^"\\]|\\.)*)"/g;
  for (let m = quoted.exec(line); m !== null; m = quoted.exec(line)) {
    args.push(m[1]!.replace(/\\(.)/g, '$1'));
  }
  return args;
}

/**
 * Starts MONITOR on `node`'s server (resolved once the server confirmed it). It reads the stream
 * on a raw socket of its own: ioredis's monitor mode can take a MONITOR line for a reply when the
 * server is busy (its "Command queue state error"), which turned into unrelated test failures.
 */
export async function startMonitor(node: Redis, needle: string): Promise<MonitorCapture> {
  const host = node.options.host ?? '127.0.0.1';
  const port = node.options.port ?? 6379;
  const socket = createConnection({ host, port });
  const kept: string[] = [];
  let buffered = '';
  let confirmed = false;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`MONITOR on ${host}:${port} did not start`)),
      5000,
    );
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      let newline = buffered.indexOf('\r\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 2);
        if (!confirmed && line === '+OK') {
          confirmed = true;
          clearTimeout(timer);
          resolve();
        } else if (line.startsWith('+')) {
          const text = monitorArgs(line).join(' ');
          if (text.includes(needle)) kept.push(text);
        }
        newline = buffered.indexOf('\r\n');
      }
    });
    socket.write('MONITOR\r\n');
  });
  socket.on('error', () => undefined);
  return {
    lines: () => kept,
    async stop() {
      socket.destroy();
    },
  };
}
