import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProcess } from '../../test-utils/processes';
import { freePort, listening, REPO_ROOT, waitFor } from './processes';

// Real processes under a loaded 2-core machine: generous bounds, never relied on for speed.
jest.setTimeout(90_000);

// `pnpm start &` in an example folder gives the PID of pnpm, which dies on SIGTERM without
// passing it on: the server must notice and stop, freeing its port. Express stops through the
// examples' shared `serveUntilSignal`, Fastify through its own server.ts.
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vc-examples-stop-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it.each(['express-server', 'fastify-server'])(
  'SIGTERM to the PID of `pnpm start` in examples/%s stops the server and frees its port',
  async (example) => {
    const port = await freePort();
    const started = await startProcess('pnpm', ['start'], {
      cwd: join(REPO_ROOT, 'examples', example),
      env: { PORT: String(port), VECTORCACHE_KEYS_FILE: join(dir, `${example}.db`) },
      ready: /listening on http:\/\/127\.0\.0\.1:(\d+)/,
      timeoutMs: 60_000,
    });
    try {
      expect(await listening(port)).toBe(true);
      started.child.kill('SIGTERM');
      await waitFor(
        'the port to be free',
        async () => ((await listening(port)) ? undefined : true),
        10_000,
      );
    } finally {
      await started.stop();
    }
  },
);
