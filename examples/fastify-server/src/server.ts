import { describeStore } from '@vectorcache/auth-core';
import { useExampleKeyStore } from '../../shared/key-store';
import { stopWhenParentExits } from '../../shared/serve';
import { createApp } from './app';

useExampleKeyStore(); // before the app reads the environment

const port = Number(process.env.PORT ?? 3000);
const host = '127.0.0.1';

async function main(): Promise<void> {
  const app = await createApp();
  let stopping = false;
  // app.close() also flushes pending usage counts and closes the key store.
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void app.close().finally(() => process.exit(0));
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, stop);
  stopWhenParentExits(stop);
  await app.listen({ port, host });
  console.log(`Vectorcache Fastify example listening on http://${host}:${port}`);
  console.log(`Key store: ${describeStore()}`);
}

main().catch((error: Error) => {
  console.error(`Cannot start the Fastify example on http://${host}:${port}: ${error.message}`);
  process.exit(1);
});
