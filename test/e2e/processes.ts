import { readFile } from 'node:fs/promises';
import { connect, createServer, type AddressInfo } from 'node:net';
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

/** True while something accepts connections on the port of 127.0.0.1. */
export function listening(port: number): Promise<boolean> {
  return new Promise((resolveCheck) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolveCheck(true);
    });
    socket.once('error', () => resolveCheck(false));
  });
}

/** True while the process runs (a zombie waiting for its parent to reap it counts as gone). */
export async function running(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat !== '' && !/^\d+ \(.*\) Z/.test(stat);
}

/** A port of 127.0.0.1 that was free a moment ago (for servers that print the port they were given). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolvePort(port));
    });
  });
}
