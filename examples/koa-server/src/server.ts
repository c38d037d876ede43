import { createApp } from './app';

const port = Number(process.env.PORT ?? 3000);
const host = '127.0.0.1';
const { app, close } = createApp();

const server = app.listen(port, host, () => {
  console.log(`Vectorcache Koa example listening on http://${host}:${port}`);
});
server.on('error', (error) => {
  console.error(`Cannot listen on http://${host}:${port}: ${error.message}`);
  process.exit(1);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close();
    // Flushes pending usage counts before the process ends.
    void close().finally(() => process.exit(0));
  });
}
