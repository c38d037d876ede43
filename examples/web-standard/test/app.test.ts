import { createServer } from 'node:http';
import { served } from '../../../test-utils/adapter-apps';
import { exampleSuite } from '../../shared/example-suite';
import { nodeListener } from '../src/node-bridge';
import { createRoutes } from '../src/routes';

exampleSuite('web-standard', async () => {
  const routes = createRoutes();
  return served(createServer(nodeListener(routes.fetch)), () => routes.close());
});
