import { served } from '../../../test-utils/adapter-apps';
import { exampleSuite } from '../../shared/example-suite';
import { createApp } from '../src/app';

exampleSuite('fastify', async () => {
  const app = await createApp();
  await app.ready();
  return served(app.server, () => app.close());
});

it('builds one verifier (one store) for the middleware and the management API', async () => {
  const written: string[] = [];
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    written.push(String(chunk));
    return true;
  });
  const debug = process.env.VECTORCACHE_DEBUG;
  process.env.VECTORCACHE_DEBUG = '1';
  try {
    const app = await createApp();
    await app.ready();
    await app.close();
  } finally {
    if (debug === undefined) delete process.env.VECTORCACHE_DEBUG;
    else process.env.VECTORCACHE_DEBUG = debug;
    spy.mockRestore();
  }
  // With VECTORCACHE_DEBUG, every verifier built from the environment names its store once.
  expect(written.filter((line) => line.startsWith('vectorcache auth: store '))).toHaveLength(1);
});
