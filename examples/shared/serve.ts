import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { describeStore } from '@vectorcache/auth-core';

/** How often a server checks that the process that started it (pnpm, npx, a shell) still runs. */
const PARENT_CHECK_MS = 500;

/**
 * The processes above this one, nearest first, up to (not including) PID 1: the `sh`, `pnpm` and
 * `npx` a script runs under, and the shell that typed the command. Read from `/proc` (Linux);
 * elsewhere only the parent is known.
 */
function ancestors(): number[] {
  const chain: number[] = [];
  let pid = process.ppid;
  while (pid > 1 && chain.length < 32) {
    chain.push(pid);
    try {
      // The fourth field of /proc/<pid>/stat is the parent; the second, the command, may hold spaces.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      break;
    }
  }
  return chain;
}

function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Calls `stop` once any process that started this one exits. `pnpm demo &` or `npx pnpm demo &`
 * gives the PID of pnpm or npx, which die on SIGTERM without passing the signal on, and the
 * processes between them and this one (pnpm, `sh`) keep running: so every ancestor is watched,
 * not only the parent, and a kill of any of them is noticed within half a second.
 * @example stopWhenParentExits(() => server.close());
 */
export function stopWhenParentExits(stop: () => void): void {
  const parent = process.ppid;
  const watched = ancestors();
  setInterval(() => {
    if (process.ppid !== parent || watched.some(gone)) stop();
  }, PARENT_CHECK_MS).unref();
}

/**
 * Starts an example's server on 127.0.0.1 (`PORT`, default 3000) and says where, and which key
 * store it uses (see `useExampleKeyStore`); on SIGINT or SIGTERM (or when the `pnpm` that
 * started it exits) stops it and runs `close()`,
 * which flushes pending usage counts before the process ends. Shared by the examples whose framework hands out a plain `node:http` server.
 * @example serveUntilSignal(createServer(app), 'Express', () => auth.close());
 */
export function serveUntilSignal(server: Server, name: string, close: () => Promise<void>): void {
  const port = Number(process.env.PORT ?? 3000);
  const host = '127.0.0.1';
  server.on('error', (error) => {
    console.error(`Cannot listen on http://${host}:${port}: ${error.message}`);
    process.exit(1);
  });
  server.listen(port, host, () => {
    console.log(`Vectorcache ${name} example listening on http://${host}:${port}`);
    console.log(`Key store: ${describeStore()}`);
  });
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    server.close();
    void close().finally(() => process.exit(0));
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, stop);
  stopWhenParentExits(stop);
}
