import { createServer } from 'node:http';
import { useExampleKeyStore } from '../../shared/key-store';
import { serveUntilSignal } from '../../shared/serve';
import { createApp } from './app';

useExampleKeyStore(); // before the app reads the environment
const { app, close } = createApp();
serveUntilSignal(createServer(app), 'Express', close);
