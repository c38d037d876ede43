import { exampleSuite } from '../../shared/example-suite';
import { createApp } from '../src/app';

exampleSuite('fastify', async () => {
  const app = await createApp();
  await app.ready();
  return { target: app.server, close: () => app.close() };
});
