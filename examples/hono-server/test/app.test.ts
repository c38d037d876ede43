import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { exampleSuite } from '../../shared/example-suite';
import { createApp } from '../src/app';

exampleSuite('hono', async () => {
  const example = createApp();
  const server = (createAdaptorServer({ fetch: example.app.fetch }) as Server).listen(
    0,
    '127.0.0.1',
  );
  return {
    target: server,
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      await example.close();
    },
  };
});
