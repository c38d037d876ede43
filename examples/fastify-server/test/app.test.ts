import { served } from '../../../test-utils/adapter-apps';
import { exampleSuite } from '../../shared/example-suite';
import { createApp } from '../src/app';

exampleSuite('fastify', async () => {
  const app = await createApp();
  await app.ready();
  return served(app.server, () => app.close());
});
