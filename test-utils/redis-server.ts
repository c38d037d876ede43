import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throw-away `redis-server` on 127.0.0.1 that a test may kill, freeze and restart. */
export interface PrivateRedis {
  port: number;
  /** `redis://127.0.0.1:<port>` */
  url: string;
  /** Sends a signal to the server process (e.g. `SIGKILL`). */
  kill(signal: NodeJS.Signals): void;
  /** Kills the server (thawing it first if frozen) and deletes its working directory. */
  stop(): Promise<void>;
  /** SIGSTOP: the server keeps its sockets open but answers nothing (a hung Redis). */
  freeze(): void;
  /** SIGCONT */
  thaw(): void;
  /** Kills the server if it runs, then starts it again on the same port and waits for it. */
  restart(): Promise<void>;
}

/** How to start a {@link startPrivateRedis} server. */
export interface PrivateRedisOptions {
  /** The port to listen on. @default a free port chosen by the OS */
  port?: number;
  /** Extra `redis-server` arguments (e.g. `['--cluster-enabled', 'yes']`). */
  args?: readonly string[];
}

const running = new Set<ChildProcess>();
/** Working directories of servers not stopped yet. */
const directories = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort when a test forgets stop() or the worker dies: never leave a server, or its
  // directory, behind.
  process.once('exit', () => {
    for (const child of running) {
      try {
        child.kill('SIGCONT');
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const dir of directories) rmSync(dir, { recursive: true, force: true });
  });
}

/**
 * Listens on `port` of 127.0.0.1 (0: a port the OS picks) and releases it at once: the port, or
 * `null` when it is taken.
 */
export function tryPort(port = 0): Promise<number | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(null));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : null;
      server.close(() => resolve(bound));
    });
  });
}

async function freePort(): Promise<number> {
  const port = await tryPort(0);
  if (port === null) throw new Error('no free TCP port on 127.0.0.1');
  return port;
}

function pingOnce(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts `redis-server --port <free port> --save '' --appendonly no` on 127.0.0.1 in a temporary
 * directory (so an explicit SAVE before a restart keeps the data) and resolves once it answers
 * PING. Call `stop()` in `afterAll`; a process exit hook kills it as a last resort.
 *
 * @example
 * const redis = await startPrivateRedis();
 * try { redis.freeze(); ... redis.thaw(); } finally { await redis.stop(); }
 */
export async function startPrivateRedis(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  installExitHook();
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'vc-redis-'));
  directories.add(dir);
  let child: ChildProcess | null = null;
  let stderr = '';

  const launch = async (): Promise<void> => {
    stderr = '';
    const proc = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--loglevel',
        'warning',
        ...(options.args ?? []),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    proc.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    proc.once('error', (err) => {
      stderr += `\n${err.message}`;
    });
    child = proc;
    running.add(proc);
    void exited(proc).then(() => running.delete(proc));
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null || proc.signalCode !== null) break;
      if (await pingOnce(port, 200)) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    proc.kill('SIGKILL');
    throw new Error(`redis-server on port ${port} did not start: ${stderr.trim() || 'no output'}`);
  };

  const killNow = async (): Promise<void> => {
    const proc = child;
    if (proc === null) return;
    child = null;
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGCONT');
      proc.kill('SIGKILL');
    }
    await exited(proc);
  };

  try {
    await launch();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    directories.delete(dir);
    throw error;
  }

  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill(signal) {
      child?.kill(signal);
    },
    async stop() {
      await killNow();
      rmSync(dir, { recursive: true, force: true });
      directories.delete(dir);
    },
    freeze() {
      child?.kill('SIGSTOP');
    },
    thaw() {
      child?.kill('SIGCONT');
    },
    async restart() {
      await killNow();
      await launch();
    },
  };
}
