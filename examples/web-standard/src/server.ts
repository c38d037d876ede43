import { createServer } from 'node:http';
import { serveUntilSignal } from '../../shared/serve';
import { nodeListener } from './node-bridge';
import { createRoutes } from './routes';

const routes = createRoutes();
serveUntilSignal(createServer(nodeListener(routes.fetch)), 'Web-standard', routes.close);
