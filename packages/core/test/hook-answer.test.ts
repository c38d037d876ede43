import { createAuthHandler, createScopeGuard } from '../src/http/auth-handler';
import { failureFor } from '../src/http/answers';
import { debugLoggerFromEnv } from '../src/config/env';
import { MemoryKeyStore } from '../src/stores/memory-store';
import type { AuthEvent } from '../src/types';

const cycle: Record<string, unknown> = {};
cycle.self = cycle;

/** Each bad answer and the mistake it must be reported as. */
const BAD: Array<[string, () => unknown, string]> = [
  ['em dash', () => ({ headers: { 'x-r': 'a — b' } }), 'character HTTP cannot carry'],
  ['name with a space', () => ({ headers: { 'x r': 'v' } }), 'not an HTTP token'],
  ['framing header', () => ({ headers: { 'Content-Length': '3' } }), 'content-length, which'],
  ['number value', () => ({ headers: { 'x-n': 1 } }), 'non-string value for the header x-n'],
  ['headers array', () => ({ headers: ['x'] }), 'not an object of strings'],
  ['headers null', () => ({ headers: null }), 'not an object of strings'],
  ['headers a string', () => ({ headers: 'x-a: 1' }), 'not an object of strings'],
  ['status 302', () => ({ status: 302 }), 'integer from 400 to 599'],
  ['status 399', () => ({ status: 399 }), 'integer from 400 to 599'],
  ['status 600', () => ({ status: 600 }), 'integer from 400 to 599'],
  ['status 450.5', () => ({ status: 450.5 }), 'integer from 400 to 599'],
  ['body BigInt', () => ({ body: 1n }), 'neither a string nor JSON'],
  ['body cycle', () => ({ body: cycle }), 'neither a string nor JSON'],
  ['body undefined-ish', () => ({ body: Symbol('s') }), 'neither a string nor JSON'],
  ['a promise', () => Promise.resolve({}), 'returned a promise'],
  ['a string', () => 'no', 'other than an object'],
  [
    'throws',
    () => {
      throw new SyntaxError('bug');
    },
    'threw SyntaxError',
  ],
  [
    'throws a string',
    () => {
      throw 'bug'; // a careless hook
    },
    'threw string',
  ],
];

describe('onFailure answers checked in core', () => {
  it.each(BAD)(
    '%s: core answer instead, the mistake reported once',
    async (_n, answer, problem) => {
      const events: AuthEvent[] = [];
      const handler = createAuthHandler<object>({
        store: new MemoryKeyStore(),
        onFailure: answer as never,
        onEvent: (e) => events.push(e),
      });
      for (let i = 0; i < 3; i++) {
        const outcome = await handler.decide({}, undefined);
        const { status, body, headers } = failureFor('missing');
        expect(outcome).toEqual({ action: 'deny', status, body, headers });
      }
      const reported = events.filter((e) => e.type === 'hook_error');
      expect(reported).toHaveLength(1);
      expect(reported[0]).toMatchObject({ hook: 'onFailure' });
      expect(reported[0]!.detail).toContain(problem);
      await handler.close();
    },
  );

  it('a valid answer is used: names lower-cased, values trimmed, a JSON body serialised', async () => {
    const handler = createAuthHandler<object>({
      store: new MemoryKeyStore(),
      onFailure: () => ({ status: 418, body: { e: 1 }, headers: { 'X-A': '\t v ' } }),
    });
    expect(await handler.decide({}, undefined)).toMatchObject({
      status: 418,
      body: '{"e":1}',
      headers: { 'x-a': 'v', 'www-authenticate': 'Bearer realm="vectorcache"' },
    });
    await handler.close();
  });

  it('header values are trimmed at both ends only: every blank there goes, blanks inside stay', async () => {
    const handler = createAuthHandler<object>({
      store: new MemoryKeyStore(),
      onFailure: () => ({ headers: { 'X-A': ' \t a \t b  \t ', 'X-B': 'c\t\t' } }),
    });
    expect(await handler.decide({}, undefined)).toMatchObject({
      headers: { 'x-a': 'a \t b', 'x-b': 'c' },
    });
    await handler.close();
  });

  it.each([
    ['nothing', () => undefined],
    ['null', () => null],
  ])('a hook returning %s keeps the default answer and is no mistake', async (_what, hook) => {
    const events: AuthEvent[] = [];
    const handler = createAuthHandler<object>({
      store: new MemoryKeyStore(),
      onFailure: hook as never, // null: a JavaScript hook's answer
      onEvent: (e) => events.push(e),
    });
    const { status, body, headers } = failureFor('missing');
    expect(await handler.decide({}, undefined)).toEqual({ action: 'deny', status, body, headers });
    expect(events.filter((e) => e.type === 'hook_error')).toEqual([]);
    await handler.close();
  });

  it.each([400, 599])('status %i, the edge of the range, is used', async (status) => {
    const events: AuthEvent[] = [];
    const handler = createAuthHandler<object>({
      store: new MemoryKeyStore(),
      onFailure: () => ({ status }),
      onEvent: (e) => events.push(e),
    });
    expect(await handler.decide({}, undefined)).toMatchObject({ action: 'deny', status });
    expect(events.filter((e) => e.type === 'hook_error')).toEqual([]);
    await handler.close();
  });

  it('reports at most 32 distinct mistakes per handler (bounded memory)', async () => {
    const events: AuthEvent[] = [];
    let n = 0;
    const handler = createAuthHandler<object>({
      store: new MemoryKeyStore(),
      onFailure: () => ({ headers: { [`x-${n++}`]: 5 } }) as never,
      onEvent: (e) => events.push(e),
    });
    for (let i = 0; i < 40; i++) await handler.decide({}, undefined);
    expect(events.filter((e) => e.type === 'hook_error')).toHaveLength(32);
    await handler.close();
  });

  it('the scope guard checks its hook too, and a throwing listener changes nothing', async () => {
    const guard = createScopeGuard<object>(['cache:write'], {
      onFailure: () => ({ headers: { 'x-r': '—' } }),
    });
    expect(guard({}, undefined)).toMatchObject({ action: 'deny', status: 401 });
    const handler = createAuthHandler<object>({
      store: new MemoryKeyStore(),
      onFailure: () => ({ status: 99 }),
      onEvent: () => {
        throw new Error('listener bug');
      },
    });
    expect(await handler.decide({}, undefined)).toMatchObject({ status: 401 });
    await handler.close();
  });

  it('the debug log line carries the detail', () => {
    const lines: string[] = [];
    const log = debugLoggerFromEnv({ VECTORCACHE_DEBUG: '1' }, (line) => lines.push(line));
    log?.({ type: 'hook_error', hook: 'onFailure', detail: 'onFailure threw Error.' });
    expect(lines).toEqual(['vectorcache auth: hook_error onFailure threw Error.\n']);
  });
});
