import { createServer } from 'node:http';
import { useExampleKeyStore } from '../../shared/key-store';
import { serveUntilSignal } from '../../shared/serve';
import { nodeListener } from './node-bridge';
import { createRoutes } from './routes';

useExampleKeyStore(); // before the app reads the environment
const routes = createRoutes();
serveUntilSignal(createServer(nodeListener(routes.fetch)), 'Web-standard', routes.close);
