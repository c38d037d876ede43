import type { Server } from 'node:http';
import { describeStore } from '@vectorcache/auth-core';

/** How often a server checks that the process that started it (pnpm, npx, a shell) still runs. */
const PARENT_CHECK_MS = 500;

/**
 * Calls `stop` once the process that started this one exits. `pnpm start &` (or `pnpm demo &`)
 * gives the PID of pnpm, which dies on SIGTERM without passing the signal on: this process is
 * then handed to another parent, which this notices within half a second.
 * @example stopWhenParentExits(() => server.close());
 */
export function stopWhenParentExits(stop: () => void): void {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop();
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
