import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { served } from '../../../test-utils/adapter-apps';
import { exampleSuite } from '../../shared/example-suite';
import { createApp } from '../src/app';

exampleSuite('hono', async () => {
  const example = createApp();
  return served(createAdaptorServer({ fetch: example.app.fetch }) as Server, () => example.close());
});
