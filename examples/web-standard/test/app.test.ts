import { createServer } from 'node:http';
import { exampleSuite } from '../../shared/example-suite';
import { nodeListener } from '../src/node-bridge';
import { createRoutes } from '../src/routes';

exampleSuite('web-standard', async () => {
  const routes = createRoutes();
  const server = createServer(nodeListener(routes.fetch)).listen(0, '127.0.0.1');
  return {
    target: server,
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      await routes.close();
    },
  };
});
