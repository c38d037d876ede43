import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The repository root; its tsconfig maps `@vectorcache/*` to the sources for tsx. */
export const REPO_ROOT = resolve(__dirname, '..');

/** tsx's loader by absolute URL, so `--import` works from any working directory. */
const TSX_LOADER = pathToFileURL(require.resolve('tsx', { paths: [REPO_ROOT] })).href;

/** Node arguments that run a TypeScript `script` from source (`node --import tsx script`). */
export function tsxArgs(script: string): string[] {
  return ['--import', TSX_LOADER, script];
}

/** The built `vectorcache-keys` binary (`pnpm build` makes it). */
export const CLI_BIN = join(REPO_ROOT, 'packages/cli/dist/bin.js');

/** Any plaintext API key. */
export const PLAINTEXT_KEY = /vc_[0-9a-f]{32}/g;

/**
 * Only what a child needs, plus `env`: nothing leaks in from the developer's shell. tsx is told to
 * use the root tsconfig, whose paths map `@vectorcache/*` to the sources.
 */
export function childEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TSX_TSCONFIG_PATH: join(REPO_ROOT, 'tsconfig.json'),
    ...env,
  };
}

/** How to run a child: its folder, its environment (added to {@link childEnv}) and a time bound. */
export interface ChildOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** The child is killed (SIGKILL) and the promise rejected past this. @default 15000 */
  timeoutMs?: number;
}

/** What a finished child produced. */
export interface ProcessRun {
  /** The exit code, or null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `command args` to its end and collects both streams; rejects (after killing it) when it
 * runs longer than `timeoutMs`.
 * @example const run = await runProcess(process.execPath, [CLI_BIN, 'list'], { cwd: dir });
 */
export function runProcess(
  command: string,
  args: readonly string[],
  { cwd, env, timeoutMs = 15_000 }: ChildOptions,
): Promise<ProcessRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
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
      reject(new Error(`${[command, ...args].join(' ')} did not exit within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

/** A long-running child started by {@link startProcess}. */
export interface StartedProcess {
  child: ChildProcessWithoutNullStreams;
  /** The match of the `ready` pattern in stdout. */
  ready: RegExpExecArray;
  stdout: () => string;
  stderr: () => string;
  /** Both streams, in the order they arrived. */
  output: () => string;
  /** SIGTERM, then SIGKILL if it has not exited within 3 s; resolves once it is gone. */
  stop: () => Promise<void>;
}

/**
 * Starts `command args` and resolves once its stdout matches `ready`, or rejects (after stopping
 * it) when it exits first or stays silent past `timeoutMs`.
 * @example const server = await startProcess(process.execPath, tsxArgs(script), { cwd, ready: /listening (\d+)/ });
 */
export function startProcess(
  command: string,
  args: readonly string[],
  { cwd, env, ready, timeoutMs = 30_000 }: ChildOptions & { ready: RegExp },
): Promise<StartedProcess> {
  const child = spawn(command, args, { cwd, env: childEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let output = '';
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    output += chunk;
  });
  return new Promise((resolvePromise, reject) => {
    let started = false;
    const fail = (why: string): void => {
      clearTimeout(timer);
      void stop().then(() => reject(new Error(`${why}; output:\n${output}`)));
    };
    const timer = setTimeout(() => fail(`process did not start within ${timeoutMs} ms`), timeoutMs);
    const onExit = (code: number | null): void => fail(`process exited with code ${code}`);
    child.once('exit', onExit);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      output += chunk;
      const match = started ? null : ready.exec(stdout);
      if (match) {
        started = true;
        clearTimeout(timer);
        child.off('exit', onExit);
        resolvePromise({
          child,
          ready: match,
          stdout: () => stdout,
          stderr: () => stderr,
          output: () => output,
          stop,
        });
      }
    });
  });
}
