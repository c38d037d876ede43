import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_BIN, PLAINTEXT_KEY, runProcess } from '../../../test-utils/processes';
import { runCli } from '../src/index';

export { PLAINTEXT_KEY };

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
 * Runs the built `vectorcache-keys` (`dist/bin.js`, plain node) as a child process in `cwd`, with
 * only PATH, HOME and `env` in its environment; killed if it runs longer than `timeoutMs`.
 */
export async function runChild(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  timeoutMs = 15_000,
): Promise<CliRun> {
  const run = await runProcess(process.execPath, [CLI_BIN, ...args], { cwd, env, timeoutMs });
  return { code: run.code ?? 128, stdout: run.stdout, stderr: run.stderr };
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
