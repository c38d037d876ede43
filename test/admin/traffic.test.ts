/**
 * Known traffic shows in the usage endpoints with exactly its counts per outcome after a flush:
 * N valid requests, M refused by `requireScopes` for a missing scope, K after a revocation made
 * over HTTP, on every adapter and every store (memory, SQLite, Redis, PostgreSQL); and no plaintext key in
 * any answer but the issuing one, any audit entry or any event.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { MemoryKeyStore, SqliteKeyStore, type KeyStore } from '@vectorcache/auth-core';
import { USAGE_OUTCOMES } from '@vectorcache/auth-core';
import { PostgresKeyStore } from '@vectorcache/auth-postgres';
import { RedisKeyStore } from '@vectorcache/auth-redis';
import { createTestDatabase, describePostgres, type TestDatabase } from '../../test-utils/postgres';
import { describeRedis, redisUrl, uniquePrefix } from '../../test-utils/redis';
import { send } from './mounts';
import { FRAMEWORKS, startService } from './apps';
import { PROJECT_A, seed } from './seed';

const PLAINTEXT_KEY = /vc_[0-9a-f]{32}/g;
const bearer = (key: string): [string, string] => ['Authorization', `Bearer ${key}`];

/** A fresh store and what releases it. */
type StoreMaker = () => { store: KeyStore; release: () => Promise<void> };

const memory: StoreMaker = () => {
  const store = new MemoryKeyStore();
  return { store, release: () => store.close() };
};
const sqlite: StoreMaker = () => {
  const dir = mkdtempSync(join(tmpdir(), 'vc-traffic-'));
  const store = new SqliteKeyStore({ path: join(dir, 'keys.db') });
  return {
    store,
    release: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};
const redis: StoreMaker = () => {
  const store = new RedisKeyStore(
    { url: redisUrl },
    { keyPrefix: uniquePrefix('traffic'), commandTimeoutMs: 5000 },
  );
  return { store, release: () => store.close() };
};

describe.each([
  ['memory', memory],
  ['SQLite', sqlite],
] as const)('on the %s store', (_label, makeStore) => trafficThroughEveryAdapter(makeStore));
describeRedis('on the Redis store', () => trafficThroughEveryAdapter(redis));
describePostgres('on the PostgreSQL store', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('traffic');
  });
  afterAll(() => db?.drop());
  // A schema of its own per store, in the suite's own database.
  trafficThroughEveryAdapter(() => {
    const store = new PostgresKeyStore(
      { connectionString: db.url },
      { schema: `traffic_${randomBytes(4).toString('hex')}`, timeoutMs: 5000 },
    );
    return { store, release: () => store.close() };
  });
});

function trafficThroughEveryAdapter(makeStore: StoreMaker): void {
  describe.each(FRAMEWORKS)('usage analytics through %s', (framework) => {
    it('N valid, M missing scope, K after revocation: exactly those counts per outcome', async () => {
      const { store, release } = makeStore();
      const k = await seed(store);
      const service = await startService(framework, store);
      const answers: string[] = [];
      const call = async (method: string, path: string, key: string, body?: unknown) => {
        const reply = await send(service.port, {
          method,
          path,
          headers:
            body === undefined
              ? [bearer(key)]
              : [bearer(key), ['Content-Type', 'application/json']],
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        answers.push(reply.body);
        return reply;
      };
      try {
        const created = await call('POST', '/admin/v1/keys', k.manager, {
          name: 'traffic',
          scopes: ['cache:read'],
        });
        expect(created.status).toBe(201);
        const { key, record } = JSON.parse(created.body) as { key: string; record: { id: string } };
        const N = 7;
        const M = 4;
        const K = 3;
        for (let i = 0; i < N; i++) expect((await call('GET', '/read', key)).status).toBe(200);
        for (let i = 0; i < M; i++) expect((await call('GET', '/write', key)).status).toBe(403);
        expect((await call('POST', `/admin/v1/keys/${record.id}/revoke`, k.manager)).status).toBe(
          200,
        );
        for (let i = 0; i < K; i++) expect((await call('GET', '/read', key)).status).toBe(401);

        // The usage read flushes this instance's pending counts first.
        const usage = await call('GET', `/admin/v1/keys/${record.id}/usage`, k.analyst);
        expect(usage.status).toBe(200);
        const points = (
          JSON.parse(usage.body) as {
            points: Array<{ requests: number; outcomes: Record<string, number> }>;
          }
        ).points;
        const sum = Object.fromEntries(USAGE_OUTCOMES.map((o) => [o, 0])) as Record<string, number>;
        let requests = 0;
        for (const point of points) {
          requests += point.requests;
          for (const [outcome, n] of Object.entries(point.outcomes)) sum[outcome]! += n;
        }
        expect(sum).toEqual({
          valid: N,
          revoked: K,
          expired: 0,
          wrong_project: 0,
          wrong_environment: 0,
          insufficient_scope: M,
          rate_limited: 0,
        });
        expect(requests).toBe(N + M + K);

        // The project view sums the same and ranks the key among the project's keys.
        const project = await call('GET', '/admin/v1/analytics/usage', k.analyst);
        const ranking = (
          JSON.parse(project.body) as { keys: Array<{ id: string; requests: number }> }
        ).keys;
        expect(ranking.find((r) => r.id === record.id)?.requests).toBe(N + M + K);
        expect(ranking.map((r) => r.requests)).toEqual(
          [...ranking.map((r) => r.requests)].sort((a, b) => b - a),
        );

        // requestCount is every request made with the key, the sum of its outcomes: the Keys tab
        // and Analytics say the same number, attempts after the revocation included.
        const got = await call('GET', `/admin/v1/keys/${record.id}`, k.manager);
        expect(JSON.parse(got.body)).toMatchObject({ requestCount: N + M + K, status: 'revoked' });

        // No plaintext key anywhere but the one answer that issued it; none in audit or events.
        expect(answers.join('\n').match(PLAINTEXT_KEY)).toEqual([key]);
        const audit = await store.listAudit!({ projectId: PROJECT_A, limit: 100 });
        expect(audit.map((e) => e.action).slice(0, 2)).toEqual(['key.revoked', 'key.created']);
        expect(JSON.stringify(audit)).not.toMatch(PLAINTEXT_KEY);
        expect(service.events.length).toBeGreaterThan(N + M + K);
        expect(JSON.stringify(service.events)).not.toMatch(PLAINTEXT_KEY);
      } finally {
        await service.close();
        await release();
      }
    });
  });
}
