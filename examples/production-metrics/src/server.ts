import { createServer } from 'node:http';
import { collectDefaultMetrics } from 'prom-client';
import { useExampleKeyStore } from '../../shared/key-store';
import { serveUntilSignal } from '../../shared/serve';
import { createMetricsExample } from './app';
import { createObservability } from './observability';

useExampleKeyStore(); // before the app reads the environment
const observability = createObservability();
collectDefaultMetrics({ register: observability.registry }); // process CPU, memory, event loop
const { app, metricsApp, close } = createMetricsExample(observability);

const metricsPort = Number(process.env.METRICS_PORT ?? 9464);
const metricsServer = createServer(metricsApp).listen(metricsPort, '127.0.0.1', () => {
  console.log(`Metrics on http://127.0.0.1:${metricsPort}/metrics`);
});
serveUntilSignal(createServer(app), 'production-metrics', async () => {
  metricsServer.close();
  await close();
});
