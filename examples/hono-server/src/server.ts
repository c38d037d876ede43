import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { useExampleKeyStore } from '../../shared/key-store';
import { serveUntilSignal } from '../../shared/serve';
import { createApp } from './app';

useExampleKeyStore(); // before the app reads the environment
const { app, close } = createApp();
serveUntilSignal(createAdaptorServer({ fetch: app.fetch }) as Server, 'Hono', close);
