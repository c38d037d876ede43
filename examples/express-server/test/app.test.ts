import { exampleSuite } from '../../shared/example-suite';
import { createApp } from '../src/app';

exampleSuite('express', async () => {
  const example = createApp();
  return { target: example.app, close: () => example.close() };
});
