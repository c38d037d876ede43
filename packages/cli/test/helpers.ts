import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runCli } from '../src/index';

/** The repository root (tsconfig paths there map `@vectorcache/*` to sources for tsx). */
export const REPO_ROOT = resolve(__dirname, '../../..');
/** The binary's source, run by `node --import tsx` so no build is needed. */
export const BIN_SOURCE = join(REPO_ROOT, 'packages/cli/src/bin.ts');

/** tsx's loader by absolute URL, so `--import` works from any working directory. */
export const TSX_LOADER = pathToFileURL(require.resolve('tsx', { paths: [REPO_ROOT] })).href;

/** Any plaintext API key. */
export const PLAINTEXT_KEY = /vc_[0-9a-f]{32}/g;

/** What a CLI run produced. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in this process with exactly the environment `env`. */
export async function runInProcess(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  now?: () => number,
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    env,
    now,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

/**
 * Runs `vectorcache-keys` as a child process (`node --import tsx src/bin.ts`, sources mapped by the root tsconfig) in `cwd`, with only
 * PATH, HOME and `env` in its environment; killed if it runs longer than `timeoutMs`.
 */
export function runChild(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  timeoutMs = 15_000,
): Promise<CliRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', TSX_LOADER, BIN_SOURCE, ...args], {
      cwd,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        TSX_TSCONFIG_PATH: join(REPO_ROOT, 'tsconfig.json'),
        ...env,
      },
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
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? (signal ? 128 : -1), stdout, stderr });
    });
  });
}

/** A fresh temporary directory; remove it with {@link removeDir}. */
export function makeTempDir(label: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `vc-cli-${label}-`));
}

/** Removes a temporary directory and everything in it. */
export function removeDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

/** The file's bytes, or null when it does not exist. */
export async function readOrNull(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

/** Asserts the shape of a failed run: exit 2, exactly one stderr line, no stack trace. */
export function expectUsageError(run: CliRun, pattern?: RegExp): void {
  expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 2, stdout: '' });
  expect(run.stderr).toMatch(/^error: [^\n]+\n$/);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  expect(run.stderr).not.toMatch(PLAINTEXT_KEY);
  if (pattern) expect(run.stderr).toMatch(pattern);
}
