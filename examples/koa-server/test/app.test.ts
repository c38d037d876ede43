import { exampleSuite } from '../../shared/example-suite';
import { createApp } from '../src/app';

exampleSuite('koa', async () => {
  const example = createApp();
  const server = example.app.listen(0, '127.0.0.1');
  return {
    target: server,
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      await example.close();
    },
  };
});
