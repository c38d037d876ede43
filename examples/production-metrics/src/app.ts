import type { ExpressAuthOptions } from '@vectorcache/auth-express';
import express, { type Express } from 'express';
import { createApp } from '../../express-server/src/app';
import type { Observability } from './observability';

/** The API (the Express example, events wired) and the metrics app, served on separate ports. */
export interface MetricsExample {
  /** The Express example's API: `/health`, `/v1/cache/*`, `/admin`. */
  app: Express;
  /** `GET /metrics` in Prometheus text format, for an internal port only. */
  metricsApp: Express;
  close(): Promise<void>;
}

/**
 * The Express example with its middleware's events sent to `observability` (pino and
 * prom-client), and a separate app serving `GET /metrics`: keep that one on an internal port (as
 * `src/server.ts` does): traffic counts are nobody else's business.
 * @example
 * const { app, metricsApp } = createMetricsExample(createObservability());
 * app.listen(3000, '127.0.0.1');
 * metricsApp.listen(9464, '127.0.0.1');
 */
export function createMetricsExample(
  observability: Observability,
  options: Omit<ExpressAuthOptions, 'skip' | 'onEvent'> = {},
): MetricsExample {
  const example = createApp({ ...options, onEvent: observability.onEvent });
  observability.watch(example.verifier);

  const metricsApp = express();
  metricsApp.disable('x-powered-by');
  metricsApp.get('/metrics', (_req, res, next) => {
    observability.registry
      .metrics()
      .then((text) => {
        res.setHeader('content-type', observability.registry.contentType);
        res.end(text);
      })
      .catch(next);
  });
  return { app: example.app, metricsApp, close: example.close };
}
