/**
 * Two service instances sharing one Redis (each with its own connections and change feed): what
 * the management API does on one holds on the other as fast as a revocation.
 */
import { USAGE_OUTCOMES } from '@vectorcache/auth-core';
import { RedisKeyStore } from '@vectorcache/auth-redis';
import { describeRedis, redisUrl, uniquePrefix } from '../../test-utils/redis';
import { waitFor } from '../../test-utils/wait';
import { startService, type Service } from './apps';
import { send } from './mounts';
import { seed, type Seed } from './seed';

/** How long a change may take to reach the other instance (the revocation bound, with room). */
const PROPAGATION_MS = 2000;

const bearer = (key: string): [string, string] => ['Authorization', `Bearer ${key}`];

function feedUp(store: RedisKeyStore): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 3000);
    const off = store.subscribe((change) => {
      if (change.type === 'feed_restored') {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  });
}

describeRedis('two instances sharing Redis: the management API', () => {
  const prefix = uniquePrefix('admin-instances');
  let stores: RedisKeyStore[];
  let one: Service;
  let two: Service;
  let k: Seed;

  const status = async (service: Service, path: string, key: string): Promise<number> =>
    (await send(service.port, { method: 'GET', path, headers: [bearer(key)] })).status;
  const admin = async (method: string, path: string, key: string, body?: unknown) =>
    send(one.port, {
      method,
      path: `/admin${path}`,
      headers:
        body === undefined ? [bearer(key)] : [bearer(key), ['Content-Type', 'application/json']],
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  beforeAll(async () => {
    stores = [
      new RedisKeyStore({ url: redisUrl }, { keyPrefix: prefix }),
      new RedisKeyStore({ url: redisUrl }, { keyPrefix: prefix }),
    ];
    const ready = Promise.all(stores.map(feedUp));
    one = await startService('express', stores[0]!);
    two = await startService('koa', stores[1]!);
    await ready;
    k = await seed(stores[0]!);
  });

  afterAll(async () => {
    await one?.close();
    await two?.close();
    await Promise.all(stores.map((s) => s.close()));
  });

  it('a key created over HTTP on one instance works at once on the other', async () => {
    const created = await admin('POST', '/v1/keys', k.manager, {
      name: 'fresh',
      scopes: ['cache:read'],
    });
    expect(created.status).toBe(201);
    const { key } = JSON.parse(created.body) as { key: string };
    expect(await status(two, '/read', key)).toBe(200);
  });

  it('a key revoked over HTTP is refused on the other instance within the bound, and stays so', async () => {
    const created = await admin('POST', '/v1/keys', k.manager, {
      name: 'to revoke',
      scopes: ['cache:read'],
    });
    const { key, record } = JSON.parse(created.body) as { key: string; record: { id: string } };
    for (let i = 0; i < 5; i++) expect(await status(two, '/read', key)).toBe(200); // cached there
    expect((await admin('POST', `/v1/keys/${record.id}/revoke`, k.manager)).status).toBe(200);
    await waitFor(
      'the revocation on the second instance',
      async () => ((await status(two, '/read', key)) === 401 ? true : undefined),
      PROPAGATION_MS,
      10,
    );
    for (let i = 0; i < 10; i++) expect(await status(two, '/read', key)).toBe(401);
  });

  it('scopes narrowed over HTTP are refused on the other instance just as fast; never served from its cache again', async () => {
    const created = await admin('POST', '/v1/keys', k.manager, {
      name: 'to narrow',
      scopes: ['cache:read', 'cache:write'],
    });
    const { key, record } = JSON.parse(created.body) as { key: string; record: { id: string } };
    for (let i = 0; i < 5; i++) expect(await status(two, '/write', key)).toBe(200); // cached wide
    const patched = await admin('PATCH', `/v1/keys/${record.id}`, k.manager, {
      scopes: ['cache:read'],
    });
    expect(JSON.parse(patched.body)).toMatchObject({ scopes: ['cache:read'] });
    await waitFor(
      'the narrowed scopes on the second instance',
      async () => ((await status(two, '/write', key)) === 403 ? true : undefined),
      PROPAGATION_MS,
      10,
    );
    for (let i = 0; i < 10; i++) {
      expect(await status(two, '/write', key)).toBe(403);
      expect(await status(two, '/read', key)).toBe(200);
    }
  });

  it('known traffic on both instances shows exactly in /usage after their flushes', async () => {
    const created = await admin('POST', '/v1/keys', k.manager, {
      name: 'traffic',
      scopes: ['cache:read'],
    });
    const { key, record } = JSON.parse(created.body) as { key: string; record: { id: string } };
    for (let i = 0; i < 5; i++) expect(await status(one, '/read', key)).toBe(200);
    for (let i = 0; i < 6; i++) expect(await status(two, '/read', key)).toBe(200);
    for (let i = 0; i < 2; i++) expect(await status(two, '/write', key)).toBe(403);
    for (let i = 0; i < 3; i++) expect(await status(one, '/write', key)).toBe(403);
    expect((await admin('POST', `/v1/keys/${record.id}/revoke`, k.manager)).status).toBe(200);
    // Until the revocation arrives the key may still be served (counted valid) on `two`.
    let servedMeanwhile = 0;
    await waitFor(
      'the revocation on the second instance',
      async () => {
        if ((await status(two, '/read', key)) === 401) return true;
        servedMeanwhile++;
        return undefined;
      },
      PROPAGATION_MS,
      10,
    );
    for (let i = 0; i < 3; i++) expect(await status(two, '/read', key)).toBe(401);
    await two.verifier.flush();
    const usage = await admin('GET', `/v1/keys/${record.id}/usage`, k.analyst);
    const points = (
      JSON.parse(usage.body) as { points: Array<{ outcomes: Record<string, number> }> }
    ).points;
    const sum = Object.fromEntries(USAGE_OUTCOMES.map((o) => [o, 0])) as Record<string, number>;
    for (const point of points) for (const [o, n] of Object.entries(point.outcomes)) sum[o]! += n;
    expect(sum).toEqual({
      valid: 11 + servedMeanwhile,
      revoked: 4,
      expired: 0,
      wrong_project: 0,
      wrong_environment: 0,
      insufficient_scope: 5,
      rate_limited: 0,
    });
  });
});
