import { bodyParser } from '@koa/bodyparser';
import { MemoryKeyStore } from '@vectorcache/auth-core';
import Koa, { type Middleware } from 'koa';
import request from 'supertest';
import { vectorcacheAdmin } from '../src';

const INVALID = '{"detail":"Invalid or missing API key"}';

/** An app with `@koa/bodyparser` first, then `middleware` (if any); Koa's reported errors kept. */
function appWith(middleware: Middleware | undefined, errors: unknown[]): Koa {
  const app = new Koa();
  app.on('error', (err) => errors.push(err));
  app.use(bodyParser());
  if (middleware) app.use(middleware);
  return app;
}

const badJson = (app: Koa, path: string) =>
  request(app.callback()).post(path).set('Content-Type', 'application/json').send('{"name": "x"');

describe('vectorcacheAdmin behind @koa/bodyparser: the parser failures it answers', () => {
  it("answers its own app's failures under its prefix only; other apps and paths keep Koa's", async () => {
    const mount = vectorcacheAdmin({ prefix: '/admin', store: new MemoryKeyStore() });
    const errorsA: unknown[] = [];
    const errorsB: unknown[] = [];
    const withMount = appWith(mount, errorsA);
    const without = appWith(undefined, errorsB);
    try {
      // The mount's answer (the key is checked before the body), not Koa's plain text.
      const mine = await badJson(withMount, '/admin/v1/keys');
      expect([mine.status, mine.text, mine.headers['content-type']]).toEqual([
        401,
        INVALID,
        'application/json',
      ]);
      expect(errorsA).toEqual([]);

      // Outside the prefix, and in an app without the mount, Koa answers as it always does.
      const outside = await badJson(withMount, '/other');
      const elsewhere = await badJson(without, '/admin/v1/keys');
      for (const reply of [outside, elsewhere]) {
        expect([reply.status, reply.text]).toEqual([400, 'Bad Request']);
      }
      expect(errorsA).toHaveLength(1);
      expect(errorsB).toHaveLength(1);
    } finally {
      await mount.close();
    }
    // A closed mount answers nothing more.
    const closed = await badJson(withMount, '/admin/v1/keys');
    expect([closed.status, closed.text]).toEqual([400, 'Bad Request']);
  });

  it('leaves every other error to Koa, under its prefix too', async () => {
    const mount = vectorcacheAdmin({ prefix: '/admin', store: new MemoryKeyStore() });
    const errors: unknown[] = [];
    const app = new Koa();
    app.on('error', (err) => errors.push(err));
    app.use(() => {
      throw new Error('the app failed');
    });
    app.use(mount);
    try {
      const reply = await request(app.callback()).get('/admin/v1/keys');
      expect([reply.status, reply.text]).toEqual([500, 'Internal Server Error']);
      expect(errors).toHaveLength(1);
    } finally {
      await mount.close();
    }
  });
});
