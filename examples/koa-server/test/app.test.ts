import { createServer } from 'node:http';
import { served } from '../../../test-utils/adapter-apps';
import { exampleSuite } from '../../shared/example-suite';
import { createApp } from '../src/app';

exampleSuite('koa', async () => {
  const example = createApp();
  return served(createServer(example.app.callback()), () => example.close());
});
