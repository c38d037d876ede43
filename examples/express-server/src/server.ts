import { createServer } from 'node:http';
import { serveUntilSignal } from '../../shared/serve';
import { createApp } from './app';

const { app, close } = createApp();
serveUntilSignal(createServer(app), 'Express', close);
