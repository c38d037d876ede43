import {
  CLI_BIN,
  runProcess,
  startProcess,
  tsxArgs,
  type StartedProcess,
} from '../../test-utils/processes';

export { PLAINTEXT_KEY, REPO_ROOT } from '../../test-utils/processes';
export type { ProcessRun as CliRun } from '../../test-utils/processes';
export { waitFor } from '../../test-utils/wait';

/** Runs the built `vectorcache-keys` binary with plain node in `cwd`; killed after `timeoutMs`. */
export function runCliProcess(
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeoutMs = 15_000,
): ReturnType<typeof runProcess> {
  return runProcess(process.execPath, [CLI_BIN, ...args], { cwd, env, timeoutMs });
}

/** A server process started by {@link startServer}. */
export interface ServerProcess extends StartedProcess {
  url: string;
}

/**
 * Starts `node --import tsx <script>` in `cwd` and resolves once its stdout matches `ready`
 * (whose first group is the port).
 */
export async function startServer(
  script: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
  { ready = /listening (\d+)/, timeoutMs = 30_000 }: { ready?: RegExp; timeoutMs?: number } = {},
): Promise<ServerProcess> {
  const started = await startProcess(process.execPath, tsxArgs(script), {
    cwd,
    env,
    ready,
    timeoutMs,
  });
  return { ...started, url: `http://127.0.0.1:${started.ready[1]}` };
}
