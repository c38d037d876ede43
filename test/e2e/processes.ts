import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The repository root; its tsconfig maps `@vectorcache/*` to the sources for tsx. */
export const REPO_ROOT = resolve(__dirname, '../..');
const TSX_LOADER = pathToFileURL(require.resolve('tsx', { paths: [REPO_ROOT] })).href;
const CLI_SOURCE = join(REPO_ROOT, 'packages/cli/src/bin.ts');

/** Any plaintext API key. */
export const PLAINTEXT_KEY = /vc_[0-9a-f]{32}/g;

/** Only what a process needs, plus `env`: nothing leaks in from the developer's shell. */
export function childEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TSX_TSCONFIG_PATH: join(REPO_ROOT, 'tsconfig.json'),
    ...env,
  };
}

/** What a CLI run produced. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `vectorcache-keys` as a real process in `cwd`; killed after `timeoutMs`. */
export function runCliProcess(
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeoutMs = 15_000,
): Promise<CliRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', TSX_LOADER, CLI_SOURCE, ...args], {
      cwd,
      env: childEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`vectorcache-keys ${args.join(' ')} did not exit within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** A server process started by {@link startServer}. */
export interface ServerProcess {
  url: string;
  child: ChildProcessWithoutNullStreams;
  /** Everything the process wrote so far, both streams. */
  output: () => string;
  /** SIGTERM, then SIGKILL if it has not exited within 3 s; resolves once it is gone. */
  stop: () => Promise<void>;
}

/**
 * Starts `node --import tsx <script>` in `cwd` and resolves once its stdout matches `ready`
 * (whose first group is the port), or rejects (after killing it) when it exits or stays silent
 * past `timeoutMs`.
 */
export function startServer(
  script: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
  { ready = /listening (\d+)/, timeoutMs = 30_000 }: { ready?: RegExp; timeoutMs?: number } = {},
): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, script], {
    cwd,
    env: childEnv(env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolvePromise, reject) => {
    const fail = (why: string): void => {
      clearTimeout(timer);
      void stop().then(() => reject(new Error(`${why}; output:\n${output}`)));
    };
    const timer = setTimeout(() => fail(`server did not start within ${timeoutMs} ms`), timeoutMs);
    const onExit = (code: number | null): void => fail(`server exited with code ${code}`);
    child.once('exit', onExit);
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const match = ready.exec(output);
      if (match) {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolvePromise({ url: `http://127.0.0.1:${match[1]}`, child, output: () => output, stop });
      }
    });
  });
}

export { waitFor } from '../../test-utils/wait';
