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
