import express from 'express';
import request from 'supertest';
import { createKeyManager, MemoryKeyStore } from '@vectorcache/auth-core';
import { vectorcacheAuth } from '@vectorcache/auth-express';

// Jest's `express-4` project runs the adapter and admin suites again with every `express` import
// mapped to Express 4; this file runs in both projects and tells which major it got, so a mapping
// that silently stopped applying (both runs on Express 5) fails here.
const expected = (globalThis as { EXPRESS_MAJOR?: string }).EXPRESS_MAJOR ?? '5';

it(`runs on Express ${expected} in this project, and the middleware accepts a key there`, async () => {
  // Express 5 removed the `express.query` middleware that Express 4 still exports.
  const major = typeof (express as unknown as { query?: unknown }).query === 'function' ? '4' : '5';
  expect(major).toBe(expected);

  const store = new MemoryKeyStore();
  const { key } = await createKeyManager({ store }).create({ projectId: 'p', name: 'major' });
  const auth = vectorcacheAuth({ store, projectId: 'p' });
  const app = express();
  app.use(auth);
  app.get('/whoami', (req, res) => res.json({ project: req.vectorcache?.projectId }));
  try {
    const ok = await request(app).get('/whoami').set('Authorization', `Bearer ${key}`);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ project: 'p' });
    const refused = await request(app).get('/whoami');
    expect(refused.status).toBe(401);
    expect(refused.text).toBe('{"detail":"Invalid or missing API key"}');
  } finally {
    await auth.close();
  }
});

it("puts the principal on the request itself, leaving Express's request prototype as it was", async () => {
  const store = new MemoryKeyStore();
  const { key } = await createKeyManager({ store }).create({ projectId: 'p', name: 'own' });
  const auth = vectorcacheAuth({ store, projectId: 'p' });
  const app = express();
  app.use(auth);
  app.get('/where', (req, res) =>
    res.json({
      own: Object.prototype.hasOwnProperty.call(req, 'vectorcache'),
      onPrototype: 'vectorcache' in Object.getPrototypeOf(req),
      onExpressRequest: 'vectorcache' in express.request,
      project: req.vectorcache?.projectId,
    }),
  );
  try {
    // Twice: the first answer comes from the store, the second from the verified-key cache.
    for (let i = 0; i < 2; i += 1) {
      const answer = await request(app).get('/where').set('Authorization', `Bearer ${key}`);
      expect(answer.body).toEqual({
        own: true,
        onPrototype: false,
        onExpressRequest: false,
        project: 'p',
      });
    }
  } finally {
    await auth.close();
  }
});
