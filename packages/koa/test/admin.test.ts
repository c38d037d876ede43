import { bodyParser } from '@koa/bodyparser';
import { MemoryKeyStore } from '@vectorcache/auth-core';
import Koa from 'koa';
import request from 'supertest';
import { vectorcacheAdmin } from '../src/admin';

const INVALID = '{"detail":"Invalid or missing API key"}';

const badJson = (app: Koa, path: string) =>
  request(app.callback()).post(path).set('Content-Type', 'application/json').send('{"name": "x"');

/** Koa's base context, shared by every Koa app of the process. */
const baseContext = () => Object.getPrototypeOf(new Koa().context) as { onerror: unknown };

describe('vectorcacheAdmin and @koa/bodyparser', () => {
  it("used before the parser, answers its own bad bodies through middleware, patching nothing of Koa's", async () => {
    const onerror = baseContext().onerror;
    const mount = vectorcacheAdmin({ prefix: '/admin', store: new MemoryKeyStore() });
    const errors: unknown[] = [];
    const app = new Koa();
    app.on('error', (err) => errors.push(err));
    app.use(mount);
    app.use(bodyParser());
    try {
      expect(baseContext().onerror).toBe(onerror);
      expect(Object.prototype.hasOwnProperty.call(app.context, 'onerror')).toBe(false);
      // The mount's answer (the key is checked before the body), not Koa's plain text.
      const mine = await badJson(app, '/admin/v1/keys');
      expect([mine.status, mine.text, mine.headers['content-type']]).toEqual([
        401,
        INVALID,
        'application/json',
      ]);
      expect(errors).toEqual([]);
      // Outside the prefix the parser and Koa answer as they always do.
      const outside = await badJson(app, '/other');
      expect([outside.status, outside.text]).toEqual([400, 'Bad Request']);
      expect(errors).toHaveLength(1);
    } finally {
      await mount.close();
    }
  });

  it('used behind the parser, reads the raw text it kept', async () => {
    const mount = vectorcacheAdmin({ prefix: '/admin', store: new MemoryKeyStore() });
    const app = new Koa();
    app.use(bodyParser());
    app.use(mount);
    try {
      const reply = await request(app.callback())
        .post('/admin/v1/keys')
        .set('Content-Type', 'application/json')
        .send('{"name": "x"}');
      expect([reply.status, reply.text]).toEqual([401, INVALID]);
    } finally {
      await mount.close();
    }
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
