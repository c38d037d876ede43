import type { Server } from 'node:http';
import { describeStore } from '@vectorcache/auth-core';

/**
 * Starts an example's server on 127.0.0.1 (`PORT`, default 3000) and says where, and which key
 * store it uses (see `useExampleKeyStore`); on SIGINT or SIGTERM stops it and runs `close()`,
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
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      server.close();
      void close().finally(() => process.exit(0));
    });
  }
}
