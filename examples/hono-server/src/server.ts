import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { serveUntilSignal } from '../../shared/serve';
import { createApp } from './app';

const { app, close } = createApp();
serveUntilSignal(createAdaptorServer({ fetch: app.fetch }) as Server, 'Hono', close);
