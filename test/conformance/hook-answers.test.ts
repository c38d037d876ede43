/**
 * An `onFailure` hook that answers what Node or the Fetch API would refuse (a header value with
 * an em dash, a name with a space, a bad status, a body that is not JSON ...) must never crash
 * the server nor change the shape of the answer: core checks the hook's answer, sends its own
 * instead, and reports the mistake once as a `hook_error` event. Run in a child process on the
 * four adapters over real sockets, so a crash (Fastify's asynchronous path used to take the
 * process down with ERR_INVALID_CHAR) is seen as one.
 */
import { generateApiKey } from '@vectorcache/auth-core';
import { failureFor } from '../../packages/core/src/http/answers';
import { startProcess, tsxArgs, REPO_ROOT, type StartedProcess } from '../../test-utils/processes';
import { rawRequest, type RawHeader, type RawResponse } from './raw-client';
import { ADAPTERS, type AdapterName } from './servers';

const FIXTURE = `${__dirname}/fixtures/hook-server.ts`;

let server: StartedProcess;
let ports: Record<AdapterName, number>;
let cases: string[];

beforeAll(async () => {
  server = await startProcess(process.execPath, tsxArgs(FIXTURE), {
    cwd: REPO_ROOT,
    env: {},
    ready: /ports (\{.*\}) cases (\[.*\])\n/,
  });
  ports = JSON.parse(server.ready[1]!) as Record<AdapterName, number>;
  cases = JSON.parse(server.ready[2]!) as string[];
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

/** No `Authorization`: decided synchronously. An unknown key: decided after a store read. */
const PATHS = {
  sync: { headers: [] as RawHeader[], failure: failureFor('missing') },
  async: {
    headers: [['Authorization', `Bearer ${generateApiKey()}`]] as RawHeader[],
    failure: failureFor('unknown'),
  },
};

function send(adapter: AdapterName, path: keyof typeof PATHS, name: string): Promise<RawResponse> {
  return rawRequest(ports[adapter], '/', [...PATHS[path].headers, ['x-case', name]]);
}

const events = (): Array<{ type: string; hook: string; detail: string }> =>
  server
    .stdout()
    .split('\n')
    .filter((line) => line.startsWith('event '))
    .map((line) => JSON.parse(line.slice('event '.length)) as never);

describe.each(ADAPTERS)('%s: a hook answer HTTP cannot carry', (adapter) => {
  it.each(['sync', 'async'] as const)(
    'on the %s path, every bad answer gets core answer byte for byte, and the process lives',
    async (path) => {
      const { failure } = PATHS[path];
      const seen: Record<string, unknown> = {};
      const expected: Record<string, unknown> = {};
      for (const name of cases) {
        if (name === 'valid') continue;
        const response = await send(adapter, path, name);
        seen[name] = {
          status: response.status,
          body: response.body.toString('latin1'),
          contentType: response.headers['content-type'],
          challenge: response.headers['www-authenticate'],
          // No header of the hook's answer got through.
          extra: Object.keys(response.headers).filter((h) => /^x-|^transfer-encoding$/.test(h)),
        };
        expected[name] = {
          status: failure.status,
          body: failure.body,
          contentType: [failure.headers['content-type']],
          challenge: [failure.headers['www-authenticate']],
          extra: [],
        };
      }
      expect(seen).toEqual(expected);
      expect(server.child.exitCode).toBeNull();
      expect(server.child.signalCode).toBeNull();
    },
    30_000,
  );

  it.each(['sync', 'async'] as const)(
    'on the %s path, a valid hook answer is sent (the hook is really called)',
    async (path) => {
      const response = await send(adapter, path, 'valid');
      expect(response.status).toBe(418);
      expect(response.body.toString()).toBe('{"error":"custom"}');
      expect(response.headers['x-custom']).toEqual(['ok']);
      expect(response.headers['content-type']).toEqual(['application/json']);
    },
  );
});

describe('reporting', () => {
  it('each distinct mistake is reported once per app as a hook_error event, nothing on stderr', () => {
    const counts = new Map<string, number>();
    for (const event of events()) {
      expect(event).toMatchObject({ type: 'hook_error', hook: 'onFailure' });
      counts.set(event.detail, (counts.get(event.detail) ?? 0) + 1);
    }
    // Every bad case was sent twice to each of the four apps: reported once by each.
    expect([...counts.values()].every((n) => n === ADAPTERS.length)).toBe(true);
    const cannotCarry = (name: string): string =>
      `returned a value for the header ${name} with a character HTTP cannot carry (outside Latin-1, or a control character)`;
    expect([...counts.keys()].sort()).toEqual(
      [
        'returned a body that is neither a string nor JSON',
        'returned a header name that is not an HTTP token',
        'returned a non-string value for the header x-n',
        'returned a promise (it must answer synchronously)',
        'returned a status that is not an integer from 400 to 599',
        cannotCarry('x-nul'),
        cannotCarry('x-reason'),
        cannotCarry('x-split'),
        'returned headers that are not an object of strings',
        'returned something other than an object',
        'returned the header content-length, which the server writes itself',
        'returned the header transfer-encoding, which the server writes itself',
        'threw RangeError (or its answer could not be read)',
        'threw TypeError (or its answer could not be read)',
      ].map((problem) => `onFailure ${problem}; core's own answer was sent instead.`),
    );
    expect(server.stderr()).toBe('');
  });
});
