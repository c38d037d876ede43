import { createKeyManager, MemoryKeyStore } from '@vectorcache/auth-core';
import express from 'express';
import request from 'supertest';
import { vectorcacheAuth, type VectorcacheMiddleware } from '../src';

// What every adapter does alike is tested once, for all of them, in test/adapters/contract.test.ts.
// Here: what only Express does.

const toClose: VectorcacheMiddleware[] = [];
afterEach(async () => {
  await Promise.all(toClose.splice(0).map((m) => m.close()));
});

it('projectId may read the route parameters of the path the middleware is mounted on', async () => {
  const store = new MemoryKeyStore();
  const { key } = await createKeyManager({ store }).create({ projectId: 'proj_a', name: 'tenant' });
  const middleware = vectorcacheAuth({ store, projectId: (req) => String(req.params.projectId) });
  toClose.push(middleware);
  const app = express();
  app.use('/projects/:projectId', middleware, (req, res) => {
    res.json({ project: req.vectorcache?.projectId });
  });

  const own = await request(app).get('/projects/proj_a').set('Authorization', `Bearer ${key}`);
  expect(own.status).toBe(200);
  expect(own.body).toEqual({ project: 'proj_a' });
  const other = await request(app).get('/projects/proj_b').set('Authorization', `Bearer ${key}`);
  expect(other.status).toBe(403);
  expect(other.text).toBe('{"detail":"API key does not have permission to access this project"}');
});

it('exposes the verifier it uses, the one passed in options', () => {
  const store = new MemoryKeyStore();
  const first = vectorcacheAuth({ store });
  toClose.push(first);
  const second = vectorcacheAuth({ verifier: first.verifier });
  toClose.push(second);
  expect(second.verifier).toBe(first.verifier);
});
