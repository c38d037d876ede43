/**
 * Twelve parallel `POST /v1/keys/{id}/rotate` calls for one key, spread over two mounts (two
 * instances) of each store: exactly one new key, the others a 409.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryKeyStore, SqliteKeyStore, type KeyStore } from '@vectorcache/auth-core';
import { PostgresKeyStore } from '@vectorcache/auth-postgres';
import { RedisKeyStore } from '@vectorcache/auth-redis';
import { createTestDatabase, postgresAvailable } from '../../test-utils/postgres';
import { redisAvailable, redisUrl, uniquePrefix } from '../../test-utils/redis';
import { send, startMount, type Mount } from './mounts';
import { seed, type Seed } from './seed';

const PARALLEL = 12;
const ALREADY_ROTATED = '{"detail":"API key was already rotated"}';

/** Two stores on the same data (one object for memory, which lives in one process only). */
type Stores = { stores: [KeyStore, KeyStore]; cleanup: () => Promise<void> };

const STORES: Array<[string, () => Promise<Stores>]> = [
  [
    'memory',
    async () => {
      const store = new MemoryKeyStore();
      return { stores: [store, store], cleanup: async () => undefined };
    },
  ],
  [
    'SQLite, two connections to one file',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'vc-rotate-'));
      const path = join(dir, 'keys.db');
      return {
        stores: [new SqliteKeyStore({ path }), new SqliteKeyStore({ path })],
        cleanup: () => rm(dir, { recursive: true, force: true }),
      };
    },
  ],
];
if (redisAvailable) {
  STORES.push([
    'Redis, two connections under one prefix',
    async () => {
      const keyPrefix = uniquePrefix('concurrent-rotation');
      return {
        stores: [
          new RedisKeyStore({ url: redisUrl }, { keyPrefix }),
          new RedisKeyStore({ url: redisUrl }, { keyPrefix }),
        ],
        cleanup: async () => undefined,
      };
    },
  ]);
}

if (postgresAvailable) {
  STORES.push([
    'PostgreSQL, two pools on one database',
    async () => {
      const db = await createTestDatabase('rotation');
      return {
        stores: [
          new PostgresKeyStore({ connectionString: db.url }),
          new PostgresKeyStore({ connectionString: db.url }),
        ],
        cleanup: () => db.drop(),
      };
    },
  ]);
}

describe.each(STORES)('parallel rotations of one key: %s', (_name, open) => {
  let opened: Stores;
  let mounts: Mount[];
  let k: Seed;

  beforeAll(async () => {
    opened = await open();
    mounts = [
      await startMount('express', { store: opened.stores[0] }),
      await startMount('fastify', { store: opened.stores[1] }),
    ];
    k = await seed(opened.stores[0]);
  });

  afterAll(async () => {
    for (const mount of mounts ?? []) await mount.close();
    for (const store of new Set(opened?.stores ?? [])) await store.close();
    await opened?.cleanup();
  });

  it('one wins atomically; every other call answers 409 "already rotated"', async () => {
    const replies = await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) =>
        send(mounts[i % 2]!.port, {
          method: 'POST',
          path: `/admin/v1/keys/${k.targetId}/rotate`,
          headers: [['Authorization', `Bearer ${k.manager}`]],
        }),
      ),
    );
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses).toEqual([201, ...Array<number>(PARALLEL - 1).fill(409)]);
    for (const reply of replies.filter((r) => r.status === 409)) {
      expect(reply.body).toBe(ALREADY_ROTATED);
    }
    const winner = JSON.parse(replies.find((r) => r.status === 201)!.body) as {
      record: { id: string };
    };
    const successors = (await opened.stores[0].list()).filter((r) => r.rotatedFrom === k.targetId);
    expect(successors.map((r) => r.id)).toEqual([winner.record.id]);
    expect(await opened.stores[1].get(k.targetId)).toMatchObject({ rotatedTo: winner.record.id });
  });
});
